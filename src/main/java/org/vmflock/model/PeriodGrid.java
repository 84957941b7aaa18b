package org.vmflock.model;

import java.time.Duration;
import java.time.Instant;

/**
 * Cuts time into periods aligned on the epoch, hence on the wall clock (a 30 s period starts at
 * hh:mm:00 and hh:mm:30 on every NTP-synchronised node). A period is identified by
 * {@code floor(epochTime / length)}; with whole-second lengths this is {@code floor(epochSeconds / period)}.
 */
public record PeriodGrid(Duration length) {

  public PeriodGrid {
    if (length.isNegative() || length.isZero() || length.toNanos() % 1_000_000 != 0) {
      throw new IllegalArgumentException("a period is a positive whole number of milliseconds, not " + length);
    }
  }

  public static PeriodGrid of(Duration length) {
    return new PeriodGrid(length);
  }

  public long lengthMicros() {
    return length.toMillis() * 1000;
  }

  public long lengthMillis() {
    return length.toMillis();
  }

  public long periodOfMicros(long epochMicros) {
    return Math.floorDiv(epochMicros, lengthMicros());
  }

  public long periodOfMillis(long epochMillis) {
    return Math.floorDiv(epochMillis, lengthMillis());
  }

  public long periodOf(Instant instant) {
    return periodOfMillis(instant.toEpochMilli());
  }

  public long startMicros(long period) {
    return period * lengthMicros();
  }

  /** Exclusive end: the first microsecond of the next period. */
  public long endMicros(long period) {
    return (period + 1) * lengthMicros();
  }

  public Instant start(long period) {
    return Instant.ofEpochMilli(period * lengthMillis());
  }

  public Instant end(long period) {
    return Instant.ofEpochMilli((period + 1) * lengthMillis());
  }
}
