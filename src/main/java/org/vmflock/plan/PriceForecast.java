package org.vmflock.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.NavigableMap;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;

/**
 * What the planner expects a site's price to do next, from how it behaved before (P3). A price
 * known only up to now would otherwise be taken to last for ever: a spot spike that reverts within
 * the hour would be chased as if it were the new price. A price that moved at least
 * {@code minChanges} times over the last {@code lookback} is volatile: from its current value it is
 * expected to return to its time-weighted mean over that window, exponentially with time constant
 * {@code reversion} (in steps of a quarter of it, the mean itself after three). A price that rarely
 * moves (an on-demand price, a spot price that changes every few weeks) is taken as it is, and so is
 * every price whose future steps are known (announced, or a simulation with price foresight).
 *
 * @param meanReverting whether to forecast at all ({@code false}: the last price lasts)
 * @param lookback the window of past prices weighed
 * @param minChanges how many changes in that window make a price volatile
 * @param reversion the time constant of the return to the mean
 */
public record PriceForecast(boolean meanReverting, Duration lookback, int minChanges, Duration reversion) {

  /** Steps of the forecast per time constant, and time constants until the mean. */
  private static final int STEPS_PER_REVERSION = 4;
  private static final int REVERSIONS = 3;

  /** The last known price lasts: no forecast. */
  public static final PriceForecast LAST_PRICE = new PriceForecast(false, Duration.ofHours(24), 3, Duration.ofHours(1));

  public PriceForecast {
    if (lookback.isNegative() || lookback.isZero() || minChanges < 1 || reversion.isNegative() || reversion.isZero()) {
      throw new IllegalArgumentException("price forecast: lookback and reversion > 0, min-changes >= 1");
    }
  }

  /** {@code infra} with each site's prices forecast from {@code now} on. */
  public Infrastructure apply(Infrastructure infra, Instant now) {
    Infrastructure out = infra;
    for (Site s : infra.sites()) {
      PriceSchedule forecast = forecast(s.hosting(), now);
      if (forecast != s.hosting()) {
        out = out.with(s.withHosting(forecast));
      }
    }
    return out;
  }

  /** {@code known} with each volatile size's expected return to its mean after {@code now}; {@code known} itself when none is. */
  public PriceSchedule forecast(PriceSchedule known, Instant now) {
    if (!meanReverting) {
      return known;
    }
    PriceSchedule out = known;
    for (Map.Entry<String, NavigableMap<Instant, Double>> e : known.prices().entrySet()) {
      NavigableMap<Instant, Double> points = e.getValue();
      if (!points.tailMap(now, false).isEmpty()) {
        continue; // its future is known
      }
      Instant from = now.minus(lookback);
      if (points.subMap(from, false, now, true).size() < minChanges) {
        continue;
      }
      double current = points.floorEntry(now).getValue();
      double mean = timeWeightedMean(points, from, now);
      if (!(Math.abs(current - mean) > 1e-9 * Math.max(current, mean))) {
        continue;
      }
      double step = reversion.toMillis() / (double) STEPS_PER_REVERSION;
      for (int k = 1; k <= STEPS_PER_REVERSION * REVERSIONS; k++) {
        double price = mean + (current - mean) * Math.exp(-(k - 0.5) / STEPS_PER_REVERSION);
        out = out.withPrice(e.getKey(), now.plusMillis(Math.round((k - 1) * step) + 1), price);
      }
      out = out.withPrice(e.getKey(), now.plusMillis(Math.round(STEPS_PER_REVERSION * REVERSIONS * step) + 1), mean);
    }
    return out;
  }

  /** The mean of the price over [from, to], each price weighed by how long it held (from its first point when later). */
  static double timeWeightedMean(NavigableMap<Instant, Double> points, Instant from, Instant to) {
    Instant start = points.floorKey(from) != null ? from : points.firstKey();
    double weighted = 0;
    long total = 0;
    Instant t = start;
    while (t.isBefore(to)) {
      Instant next = points.higherKey(t);
      Instant end = next == null || next.isAfter(to) ? to : next;
      long ms = end.toEpochMilli() - t.toEpochMilli();
      weighted += points.floorEntry(t).getValue() * ms;
      total += ms;
      t = end;
    }
    return total > 0 ? weighted / total : points.floorEntry(to).getValue();
  }
}
