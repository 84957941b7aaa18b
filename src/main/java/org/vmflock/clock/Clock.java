package org.vmflock.clock;

import java.time.Duration;
import java.time.Instant;

/**
 * The only way time reaches vmflock's code: the system clock in production, a {@link ManualClock}
 * in tests, the event queue's clock in simulations. Nothing else calls {@code System.currentTimeMillis}
 * or {@code Instant.now()}.
 */
public interface Clock {

  Instant now();

  default long epochMillis() {
    return now().toEpochMilli();
  }

  /** The wall clock of this machine (NTP-synchronised on real sites, as the periods assume). */
  static Clock system() {
    return SystemClock.INSTANCE;
  }

  /** A clock that always says {@code instant}. */
  static Clock fixed(Instant instant) {
    return () -> instant;
  }

  /** A clock that runs like {@code base} but shifted by {@code offset}. */
  static Clock offset(Clock base, Duration offset) {
    return () -> base.now().plus(offset);
  }
}
