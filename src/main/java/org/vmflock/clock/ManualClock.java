package org.vmflock.clock;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that moves only when told to; safe to read from any thread. */
public final class ManualClock implements Clock {

  private final AtomicReference<Instant> current;

  public ManualClock(Instant start) {
    this.current = new AtomicReference<>(start);
  }

  @Override
  public Instant now() {
    return current.get();
  }

  public Instant advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + by);
    }
    return current.updateAndGet(t -> t.plus(by));
  }

  /** Moves to {@code instant}; never backwards. */
  public Instant set(Instant instant) {
    return current.updateAndGet(
        t -> {
          if (instant.isBefore(t)) {
            throw new IllegalArgumentException("a clock does not go back: " + t + " -> " + instant);
          }
          return instant;
        });
  }
}
