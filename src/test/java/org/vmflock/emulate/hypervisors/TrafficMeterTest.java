package org.vmflock.emulate.hypervisors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hypervisors' traffic meter: counters read at any retained instant, at the rates in force then. */
class TrafficMeterTest {

  private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");
  private static final Map<String, TrafficMeter.Where> BOTH_EAST = Map.of("a", new TrafficMeter.Where("east", 1), "b", new TrafficMeter.Where("east", 2));

  private static long bytes(TrafficMeter m, String vm, int seconds) {
    return m.received(vm, T0.plusSeconds(seconds)).stream().mapToLong(TrafficMeter.Count::bytes).sum();
  }

  @Test
  void countersAreTheIntegralOfTheRatesInForceReadTheSameAtAnyInstantOfThePast() {
    TrafficMeter m = new TrafficMeter(Duration.ofHours(1));
    m.rates(T0, BOTH_EAST, List.of(new TrafficMeter.Rate("b", "a", "10.0.0.1", 10, 1000)));
    m.rates(T0.plusSeconds(10), BOTH_EAST, List.of(new TrafficMeter.Rate("b", "a", "10.0.0.1", 1, 100.5)));
    assertEquals(0, bytes(m, "b", 0));
    assertEquals(5000, bytes(m, "b", 5));
    assertEquals(10_000, bytes(m, "b", 10));
    assertEquals(10_000 + 1005, bytes(m, "b", 20), "then at the new rate (whole bytes)");
    assertEquals(5000, bytes(m, "b", 5), "the past read again: the same");
    assertEquals(List.of(), m.received("a", T0.plusSeconds(20)), "a receives nothing");
    assertEquals(List.of(), m.received("b", T0.minusSeconds(1)), "before the meter: nothing");
    assertEquals(Map.of("a", new TrafficMeter.Where("east", 1), "b", new TrafficMeter.Where("east", 2)), m.vmsAt("east", T0.plusSeconds(3)));
  }

  @Test
  void aVmThatMovesIsAtItsNewSiteFromTheChangeOnAndAStoppedOnesCountsAreNotCarriedOn() {
    TrafficMeter m = new TrafficMeter(Duration.ofSeconds(30));
    m.rates(T0, BOTH_EAST, List.of(new TrafficMeter.Rate("b", "a", "10.0.0.1", 1, 100)));
    m.rates(T0.plusSeconds(10), Map.of("a", new TrafficMeter.Where("east", 1), "b", new TrafficMeter.Where("west", 2)),
        List.of(new TrafficMeter.Rate("b", "a", "10.0.0.1", 1, 100)));
    assertEquals(List.of("a", "b"), List.copyOf(m.vmsAt("east", T0.plusSeconds(9)).keySet()));
    assertEquals(List.of("a"), List.copyOf(m.vmsAt("east", T0.plusSeconds(10)).keySet()));
    assertEquals(List.of("b"), List.copyOf(m.vmsAt("west", T0.plusSeconds(10)).keySet()));
    assertEquals(1500, bytes(m, "b", 15), "its counters go on where it moved");
    // b stopped at 20 s: its counts stay readable before, are not carried on after
    m.rates(T0.plusSeconds(20), Map.of("a", new TrafficMeter.Where("east", 1)), List.of());
    assertEquals(1900, bytes(m, "b", 19));
    assertEquals(0, bytes(m, "b", 25));
    // older than the retention: dropped, but the segment in force at the cut is kept
    m.rates(T0.plusSeconds(100), Map.of("a", new TrafficMeter.Where("east", 1)), List.of());
    assertEquals(0, bytes(m, "b", 15), "dropped: older than 30 s before the last change");
    assertEquals(T0.plusSeconds(20), m.since().orElseThrow());
    assertThrows(IllegalArgumentException.class, () -> m.rates(T0.plusSeconds(101), Map.of(), List.of(new TrafficMeter.Rate("b", "a", "x", -1, 0))));
  }
}
