package org.vmflock.monitor.stats;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A query for global statistics (M6).
 *
 * @param periods how many periods, ending with the newest
 * @param maxWait the longest the caller will wait for the newest period to be complete
 * @param approximate whether the missing part of an incomplete newest period may be extrapolated
 *     from the period before it
 * @param weight for {@link QueryType#WEIGHTED}: each period counts this many times the one before
 * @param newestPeriod the newest period wanted; empty means the newest period that has ended
 */
public record StatisticsQuery(int periods, Duration maxWait, boolean approximate, QueryType type, double weight, Optional<Long> newestPeriod) {

  public StatisticsQuery {
    if (periods < 1) {
      throw new IllegalArgumentException("a query covers at least one period, not " + periods);
    }
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maximum wait must not be negative: " + maxWait);
    }
    if (type == QueryType.WEIGHTED && !(weight > 0 && Double.isFinite(weight))) {
      throw new IllegalArgumentException("a weighted query needs a positive weight, not " + weight);
    }
  }

  public static StatisticsQuery of(QueryType type, int periods) {
    return new StatisticsQuery(periods, Duration.ZERO, false, type, 1, Optional.empty());
  }

  public StatisticsQuery waitingAtMost(Duration wait) {
    return new StatisticsQuery(periods, wait, approximate, type, weight, newestPeriod);
  }

  public StatisticsQuery approximateAllowed(boolean allowed) {
    return new StatisticsQuery(periods, maxWait, allowed, type, weight, newestPeriod);
  }

  public StatisticsQuery endingAt(long period) {
    return new StatisticsQuery(periods, maxWait, approximate, type, weight, Optional.of(period));
  }

  public StatisticsQuery weighted(double w) {
    return new StatisticsQuery(periods, maxWait, approximate, QueryType.WEIGHTED, w, newestPeriod);
  }

  /** Parses {@code detailed}, {@code mean} or {@code weighted:I}. */
  public static StatisticsQuery parseType(String text, int periods) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("detailed")) {
      return of(QueryType.DETAILED, periods);
    }
    if (t.equals("mean")) {
      return of(QueryType.MEAN, periods);
    }
    if (t.startsWith("weighted:")) {
      try {
        return of(QueryType.MEAN, periods).weighted(Double.parseDouble(t.substring("weighted:".length())));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid weight in '" + text + "' (expected weighted:I with I a positive number)");
      }
    }
    throw new IllegalArgumentException("unknown query type '" + text + "' (expected detailed, mean or weighted:I)");
  }
}
