package org.vmflock.emulate.lab;

import java.time.Duration;

/**
 * What a WAN link does to each direction: a one-way delay, a rate, and how many bytes it holds
 * at most (frames delayed or waiting for the rate); a frame that would exceed the limit is
 * dropped. The same both ways.
 *
 * @param oneWayDelay added to every frame
 * @param bitsPerSecond the rate each direction serialises at; frames are counted as they would
 *     cross an Ethernet link (headers repeated per MTU-sized segment, no preamble or FCS)
 * @param queueBytes the most wire bytes held at once per direction
 */
public record WanLinkSpec(Duration oneWayDelay, long bitsPerSecond, long queueBytes) {

  /** The queue a link gets when none is given: its bytes in flight plus {@link #DEFAULT_BUFFER} at its rate. */
  public static final Duration DEFAULT_BUFFER = Duration.ofMillis(50);

  /** The smallest queue: one largest frame (a 64 KB GSO frame as its segments) must fit. */
  public static final long MIN_QUEUE_BYTES = 128 * 1024;

  /** The largest delay and the range of rates a link accepts. */
  public static final Duration MAX_DELAY = Duration.ofSeconds(10);

  public static final long MIN_BITS_PER_SECOND = 8_000;
  public static final long MAX_BITS_PER_SECOND = 100_000_000_000L;
  public static final long MAX_QUEUE_BYTES = 1L << 32;

  public WanLinkSpec {
    if (oneWayDelay.isNegative() || oneWayDelay.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException("a link's one-way delay is 0 to " + MAX_DELAY.toSeconds() + " s: " + oneWayDelay);
    }
    if (bitsPerSecond < MIN_BITS_PER_SECOND || bitsPerSecond > MAX_BITS_PER_SECOND) {
      throw new IllegalArgumentException("a link's rate is " + MIN_BITS_PER_SECOND + " to " + MAX_BITS_PER_SECOND + " bit/s: " + bitsPerSecond);
    }
    if (queueBytes < MIN_QUEUE_BYTES || queueBytes > MAX_QUEUE_BYTES) {
      throw new IllegalArgumentException("a link's queue holds " + MIN_QUEUE_BYTES + " to " + MAX_QUEUE_BYTES + " bytes: " + queueBytes);
    }
  }

  /** A link with the default queue: what it carries during its delay plus 50 ms at its rate. */
  public static WanLinkSpec of(Duration oneWayDelay, long bitsPerSecond) {
    double seconds = (oneWayDelay.toNanos() + DEFAULT_BUFFER.toNanos()) / 1e9;
    long bytes = (long) Math.min(MAX_QUEUE_BYTES, Math.max(MIN_QUEUE_BYTES, bitsPerSecond / 8.0 * seconds));
    return new WanLinkSpec(oneWayDelay, bitsPerSecond, bytes);
  }

  /** The round-trip time this link adds to a frame and its answer (both delays, no serialisation). */
  public Duration roundTrip() {
    return oneWayDelay.multipliedBy(2);
  }
}
