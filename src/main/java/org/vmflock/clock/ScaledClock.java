package org.vmflock.clock;

import java.time.Duration;
import java.time.Instant;

/**
 * A clock that runs {@code factor} times faster than {@code base}, from {@code start} (accelerated
 * demos and runs: a period of 30 simulated seconds passes in 30 / factor real seconds).
 */
public final class ScaledClock implements Clock {

  private final Clock base;
  private final Instant baseStart;
  private final Instant start;
  private final double factor;

  public ScaledClock(Clock base, Instant start, double factor) {
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("a clock's speed is positive and finite, not " + factor);
    }
    this.base = base;
    this.baseStart = base.now();
    this.start = start;
    this.factor = factor;
  }

  @Override
  public Instant now() {
    Duration real = Duration.between(baseStart, base.now());
    return start.plusNanos((long) (real.toNanos() * factor));
  }

  public double factor() {
    return factor;
  }

  /** The real time that {@code simulated} of this clock takes. */
  public Duration real(Duration simulated) {
    return Duration.ofNanos((long) (simulated.toNanos() / factor));
  }
}
