package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.vmflock.model.PriceSchedule;

/** What the planner expects of a price known up to now (P3): a volatile one returns to its mean, a steady one lasts. */
class PriceForecastTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final PriceForecast FORECAST = new PriceForecast(true, Duration.ofHours(24), 3, Duration.ofHours(1));

  /** A spot price near 0.05 that moved every two hours for a day and just spiked to 0.21. */
  private static PriceSchedule spiked() {
    Map<Instant, Double> points = new TreeMap<>();
    for (int h = 24; h >= 2; h -= 2) {
      points.put(NOW.minus(Duration.ofHours(h)), h % 4 == 0 ? 0.04 : 0.06);
    }
    points.put(NOW.minus(Duration.ofMinutes(5)), 0.21);
    return new PriceSchedule(Map.of("small", points));
  }

  @Test
  void aSpikeOfAVolatilePriceIsExpectedBackAtItsMean() {
    PriceSchedule f = FORECAST.forecast(spiked(), NOW);
    double mean = PriceForecast.timeWeightedMean(spiked().prices().get("small"), NOW.minus(Duration.ofHours(24)), NOW);
    // 22 h at 0.04/0.06 alternately (six 2 h spells at 0.04, five at 0.06), 1 h 55 min at 0.06, 5 min at 0.21
    assertEquals((12 * 0.04 + 10 * 0.06 + (115 / 60.0) * 0.06 + (5 / 60.0) * 0.21) / 24, mean, 1e-12);
    assertTrue(f.pricePerVmHour("small", NOW.plusSeconds(60)) < 0.21 && f.pricePerVmHour("small", NOW.plusSeconds(60)) > 0.15,
        "just after now, near the spike: " + f.pricePerVmHour("small", NOW.plusSeconds(60)));
    assertEquals(mean, f.pricePerVmHour("small", NOW.plus(Duration.ofHours(4))), 1e-12, "after three time constants, the mean");
    double tenHours = f.cost("small", NOW, NOW.plus(Duration.ofHours(10)));
    // the spike's excess decays with a 1 h time constant: about 1 h of it, (0.21 - 0.052) x 1 h
    assertTrue(tenHours > 10 * mean + 0.12 && tenHours < 10 * mean + 0.19, "10 h cost " + tenHours + " vs mean " + 10 * mean);
    assertTrue(tenHours < 0.21 * 10 / 3, "the last price taken as lasting would cost " + 0.21 * 10);
    // the past is untouched
    assertEquals(0.21, f.pricePerVmHour("small", NOW), 1e-12);
    assertEquals(spiked().cost("small", NOW.minus(Duration.ofHours(24)), NOW), f.cost("small", NOW.minus(Duration.ofHours(24)), NOW), 1e-12);
  }

  @Test
  void aPriceThatRarelyMovesLastsAsItIs() {
    // one change in the window (a GCP spot price changes every few weeks): the new price is the price
    PriceSchedule steady = new PriceSchedule(Map.of("*", Map.of(NOW.minus(Duration.ofDays(30)), 0.02, NOW.minus(Duration.ofHours(1)), 0.03)));
    assertSame(steady, FORECAST.forecast(steady, NOW));
    PriceSchedule flat = PriceSchedule.flat(0.1);
    assertSame(flat, FORECAST.forecast(flat, NOW));
  }

  @Test
  void aKnownFutureIsNotForecast() {
    // with price foresight (or an announced price) the schedule already says what comes
    Map<Instant, Double> points = new TreeMap<>(spiked().prices().get("small"));
    points.put(NOW.plus(Duration.ofHours(2)), 0.30);
    PriceSchedule known = new PriceSchedule(Map.of("small", points));
    assertSame(known, FORECAST.forecast(known, NOW));
  }

  @Test
  void theLastPriceSettingForecastsNothing() {
    PriceSchedule s = spiked();
    assertSame(s, PriceForecast.LAST_PRICE.forecast(s, NOW));
    assertThrows(IllegalArgumentException.class, () -> new PriceForecast(true, Duration.ZERO, 3, Duration.ofHours(1)));
    assertThrows(IllegalArgumentException.class, () -> new PriceForecast(true, Duration.ofHours(1), 0, Duration.ofHours(1)));
  }
}
