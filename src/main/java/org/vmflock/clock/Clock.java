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

  /** {@code t} in microseconds since the epoch (truncated), the unit of periods and captured frames. */
  static long epochMicros(Instant t) {
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
  }

  /** The instant {@code epochMicros} microseconds after the epoch. */
  static Instant ofEpochMicros(long epochMicros) {
    return Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000), Math.floorMod(epochMicros, 1_000_000) * 1000L);
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
