package org.vmflock.emulate.lab;

import java.time.Duration;

/**
 * How the WAN forwarders keep time: each direction sleeps until {@code spin} before a frame's
 * departure, then spins; with a {@code realtimePriority} above 0 it runs under SCHED_FIFO at that
 * priority, so other work on a busy machine does not delay its wake-ups (the kernel's real-time
 * throttling still leaves the rest of the machine 5 % of each second).
 */
public record ForwarderTiming(int realtimePriority, Duration spin) {

  private static final Duration MAX_SPIN = Duration.ofMillis(1);
  private static final int MAX_PRIORITY = 99;

  /** Real-time priority 10 (low among real-time tasks), spinning the last 50 µs. */
  public static final ForwarderTiming DEFAULT = new ForwarderTiming(10, Duration.ofNanos(50_000));

  public ForwarderTiming {
    if (realtimePriority < 0 || realtimePriority > MAX_PRIORITY) {
      throw new IllegalArgumentException("a real-time priority is 0 (none) to " + MAX_PRIORITY + ": " + realtimePriority);
    }
    if (spin.isNegative() || spin.compareTo(MAX_SPIN) > 0) {
      throw new IllegalArgumentException("the spin before a departure is 0 to 1 ms: " + spin);
    }
  }
}
