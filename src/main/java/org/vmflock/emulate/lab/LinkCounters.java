package org.vmflock.emulate.lab;

/**
 * A WAN link's counters since it started, per direction ({@code aToB}: from the first site named
 * to the second). Frames and bytes are counted as they would cross an Ethernet link (a GSO frame
 * as its MTU-sized segments, headers repeated; no preamble or FCS).
 */
public record LinkCounters(String siteA, String siteB, Direction aToB, Direction bToA) {

  /**
   * One direction.
   *
   * @param frames sent on to the other site
   * @param bytes their wire bytes
   * @param drops frames dropped because the queue was full
   * @param dropBytes their wire bytes
   * @param queuedBytes held now (delayed or waiting for the rate)
   * @param maxQueuedBytes the most held at once
   * @param sendErrors frames the other end refused (none in a healthy lab)
   * @param sends frames handed to the other end, a GSO frame as one (what the lateness is averaged over)
   * @param lateTotalNanos the sum over sends of how long after its due departure each left (the forwarder's timing error)
   * @param lateMaxNanos the largest such delay
   */
  public record Direction(long frames, long bytes, long drops, long dropBytes, long queuedBytes, long maxQueuedBytes,
      long sendErrors, long sends, long lateTotalNanos, long lateMaxNanos) {

    /** How late a frame left on average, in nanoseconds. */
    public double lateMeanNanos() {
      return sends == 0 ? 0 : (double) lateTotalNanos / sends;
    }

    /** What happened between {@code earlier} and this (the maxima are this one's). */
    public Direction since(Direction earlier) {
      return new Direction(frames - earlier.frames, bytes - earlier.bytes, drops - earlier.drops, dropBytes - earlier.dropBytes,
          queuedBytes, maxQueuedBytes, sendErrors - earlier.sendErrors, sends - earlier.sends,
          lateTotalNanos - earlier.lateTotalNanos, lateMaxNanos);
    }
  }

  /** Bytes carried both ways: what crossed the WAN between the two sites. */
  public long bytes() {
    return aToB.bytes + bToA.bytes;
  }

  /** Frames dropped both ways. */
  public long drops() {
    return aToB.drops + bToA.drops;
  }
}
