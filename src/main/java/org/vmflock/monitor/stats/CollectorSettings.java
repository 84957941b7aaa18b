package org.vmflock.monitor.stats;

import java.time.Duration;
import org.vmflock.model.PeriodGrid;

/**
 * How a site's collector closes and keeps periods.
 *
 * @param grace how long after a period ends (or after the collector first hears of it, if later)
 *     the collector waits for missing sensors before closing it
 * @param retentionPeriods how many periods it keeps; 0 keeps them all
 */
public record CollectorSettings(PeriodGrid grid, Duration grace, int retentionPeriods) {

  public CollectorSettings {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative: " + grace);
    }
    if (retentionPeriods < 0) {
      throw new IllegalArgumentException("retention must be 0 (unlimited) or positive: " + retentionPeriods);
    }
  }

  /** When period {@code p}, first heard of at {@code firstSeenMillis}, closes even if sensors are missing. */
  public long graceDeadlineMillis(long period, long firstSeenMillis) {
    return Math.max(grid.end(period).toEpochMilli(), firstSeenMillis) + grace.toMillis();
  }
}
