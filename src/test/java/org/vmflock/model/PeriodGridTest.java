package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PeriodGridTest {

  private final PeriodGrid thirty = PeriodGrid.of(Duration.ofSeconds(30));

  @Test
  void lastMillisecondAndFirstMillisecondOfAHalfMinuteFallInConsecutivePeriods() {
    Instant before = Instant.parse("2024-03-01T12:00:29.999Z");
    Instant at = Instant.parse("2024-03-01T12:00:30.000Z");
    long p = thirty.periodOf(before);
    assertEquals(p + 1, thirty.periodOf(at));
    // the period of 12:00:30 starts exactly there and ends at 12:01:00
    assertEquals(at, thirty.start(p + 1));
    assertEquals(Instant.parse("2024-03-01T12:01:00Z"), thirty.end(p + 1));
    assertEquals(Instant.parse("2024-03-01T12:00:00Z"), thirty.start(p));
    assertEquals(at, thirty.end(p));
  }

  @Test
  void idIsEpochSecondsDividedByThePeriodRoundedDown() {
    // 1_700_000_000 / 30 = 56_666_666.67 -> 56_666_666; 1_700_000_010 / 30 = 56_666_667 exactly
    assertEquals(56_666_666L, thirty.periodOf(Instant.ofEpochSecond(1_700_000_000L)));
    assertEquals(56_666_667L, thirty.periodOf(Instant.ofEpochSecond(1_700_000_010L)));
    assertEquals(56_666_666L, thirty.periodOfMillis(1_700_000_009_999L));
    assertEquals(56_666_667L, thirty.periodOfMicros(1_700_000_010_000_000L));
    assertEquals(56_666_666L, thirty.periodOfMicros(1_700_000_009_999_999L));
  }

  @ParameterizedTest(name = "{0} ms -> period {1}")
  @CsvSource({
    "0, 0",
    "1, 0",
    "29999, 0",
    "30000, 1",
    "-1, -1",
    "-29999, -1",
    "-30000, -1",
    "-30001, -2",
    "-60000, -2"
  })
  void negativeTimesRoundTowardsMinusInfinity(long millis, long period) {
    assertEquals(period, thirty.periodOfMillis(millis));
    assertEquals(period, thirty.periodOfMicros(millis * 1000));
    assertEquals(period, thirty.periodOf(Instant.ofEpochMilli(millis)));
  }

  @Test
  void instantJustBeforeTheEpochIsInPeriodMinusOne() {
    // -1 ns: toEpochMilli rounds down to -1 ms
    assertEquals(-1L, thirty.periodOf(Instant.ofEpochSecond(-1, 999_999_999)));
    assertEquals(-1L, thirty.periodOfMicros(-1));
  }

  @Test
  void boundsOfNegativeAndPositivePeriods() {
    assertEquals(-30_000_000L, thirty.startMicros(-1));
    assertEquals(0L, thirty.endMicros(-1));
    assertEquals(Instant.ofEpochSecond(-30), thirty.start(-1));
    assertEquals(Instant.EPOCH, thirty.end(-1));
    assertEquals(3_000_000_000L, thirty.startMicros(100));
    assertEquals(3_030_000_000L, thirty.endMicros(100));
    assertEquals(thirty.startMicros(101), thirty.endMicros(100));
    assertEquals(30_000L, thirty.lengthMillis());
    assertEquals(30_000_000L, thirty.lengthMicros());
  }

  @Test
  void subSecondPeriods() {
    PeriodGrid quarter = PeriodGrid.of(Duration.ofMillis(250));
    assertEquals(250_000L, quarter.lengthMicros());
    // 1_000.249_999 s / 0.25 s = 4000.99 -> 4000; 1_000.25 s -> 4001
    assertEquals(4000L, quarter.periodOfMicros(1_000_249_999L));
    assertEquals(4001L, quarter.periodOfMicros(1_000_250_000L));
    assertEquals(4001L, quarter.periodOf(Instant.parse("1970-01-01T00:16:40.250Z")));
    assertEquals(Instant.parse("1970-01-01T00:16:40.250Z"), quarter.start(4001));
    assertEquals(Instant.parse("1970-01-01T00:16:40.500Z"), quarter.end(4001));
    assertEquals(-1L, quarter.periodOfMillis(-250));
    assertEquals(-2L, quarter.periodOfMillis(-251));
    PeriodGrid oneMs = PeriodGrid.of(Duration.ofMillis(1));
    assertEquals(1234L, oneMs.periodOfMicros(1_234_999L));
  }

  @Test
  void lengthMustBeAPositiveWholeNumberOfMilliseconds() {
    assertThrows(IllegalArgumentException.class, () -> PeriodGrid.of(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> PeriodGrid.of(Duration.ofSeconds(-30)));
    assertThrows(IllegalArgumentException.class, () -> PeriodGrid.of(Duration.ofNanos(1_500_000)));
    assertThrows(IllegalArgumentException.class, () -> PeriodGrid.of(Duration.ofNanos(999)));
  }
}
