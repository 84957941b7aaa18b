package org.vmflock.monitor.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.traffic.PeriodCloser.Closed;

class PeriodCloserTest {

  private static final long S = 1_000_000L; // one second in microseconds
  /** Period 100 of a 30 s grid starts at 3000 s. */
  private static final long START_100 = 3_000 * S;

  /** One day of 30 s periods closes at once at most (the sensor's max-unacknowledged-reports). */
  private static final int MAX_AT_ONCE = 2880;

  private final PeriodCloser closer = new PeriodCloser(PeriodGrid.of(Duration.ofSeconds(30)), MAX_AT_ONCE);

  @Test
  void beforeTheFirstWatermarkNothingIsStartedOrLate() {
    assertFalse(closer.started());
    assertFalse(closer.ended());
    assertEquals(Long.MIN_VALUE, closer.nextToClose());
    assertFalse(closer.isLate(0));
    assertFalse(closer.isLate(Long.MIN_VALUE + 1));
  }

  @Test
  void periodsCloseAsTheWatermarkPassesTheirEnd() {
    // observation starts 5 s into period 100: nothing closes yet
    assertEquals(List.of(), closer.advance(START_100 + 5 * S, false));
    assertTrue(closer.started());
    assertEquals(100, closer.nextToClose());
    // last microsecond of 100: still open
    assertEquals(List.of(), closer.advance(START_100 + 30 * S - 1, false));
    // the watermark reaches the end of 100: it closes, partial since observation started inside it
    assertEquals(List.of(new Closed(100, true)), closer.advance(START_100 + 30 * S, false));
    assertEquals(101, closer.nextToClose());
    // a jump over two whole periods closes both, complete
    assertEquals(List.of(new Closed(101, false), new Closed(102, false)), closer.advance(START_100 + 95 * S, false));
    assertEquals(103, closer.nextToClose());
    assertFalse(closer.ended());
  }

  @Test
  void trafficOfAClosedPeriodIsLate() {
    closer.advance(START_100, false);
    closer.advance(START_100 + 65 * S, false); // closes 100 and 101
    assertTrue(closer.isLate(99));
    assertTrue(closer.isLate(100));
    assertTrue(closer.isLate(101));
    assertFalse(closer.isLate(102));
    assertFalse(closer.isLate(500));
  }

  @Test
  void observationStartingOnAPeriodBoundaryMakesACompleteFirstPeriod() {
    closer.advance(START_100, false);
    assertEquals(List.of(new Closed(100, false)), closer.advance(START_100 + 30 * S, false));
  }

  @Test
  void observationMayStartAtAFrameBeforeTheFirstWatermark() {
    closer.start(START_100 - 1); // last microsecond of period 99
    closer.start(START_100 + 20 * S); // a second start is ignored
    assertEquals(99, closer.nextToClose());
    assertEquals(List.of(new Closed(99, true), new Closed(100, false)), closer.advance(START_100 + 31 * S, false));
  }

  @Test
  void endOfStreamClosesTheCurrentPeriodAsPartial() {
    closer.advance(START_100, false);
    closer.advance(START_100 + 60 * S, false); // closes 100, 101
    // stream ends 10 s into 102: 102 closes now, partial
    assertEquals(List.of(new Closed(102, true)), closer.advance(START_100 + 70 * S, true));
    assertTrue(closer.ended());
    // after the end every period is late and nothing closes any more
    assertTrue(closer.isLate(103));
    assertTrue(closer.isLate(1_000));
    assertEquals(List.of(), closer.advance(START_100 + 200 * S, false));
    assertEquals(List.of(), closer.advance(START_100 + 200 * S, true));
  }

  @Test
  void endOfStreamOnTheLastMicrosecondOfAPeriodLeavesItComplete() {
    closer.advance(START_100, false);
    assertEquals(List.of(new Closed(100, false)), closer.advance(START_100 + 30 * S - 1, true));
  }

  @Test
  void endOfStreamOnTheFirstMicrosecondOfAPeriodObservedItPartially() {
    // the watermark includes its instant: a frame at START_101 belongs to 101, observed for 1 us
    closer.advance(START_100, false);
    assertEquals(List.of(new Closed(100, false), new Closed(101, true)), closer.advance(START_100 + 30 * S, true));
  }

  @Test
  void aStreamInsideOnePeriodClosesItOncePartial() {
    closer.advance(START_100 + 2 * S, false);
    assertEquals(List.of(new Closed(100, true)), closer.advance(START_100 + 7 * S, true));
  }

  @Test
  void endOfStreamClosesEveryPeriodUpToTheWatermark() {
    closer.advance(START_100 + S, false);
    assertEquals(
        List.of(new Closed(100, true), new Closed(101, false), new Closed(102, false), new Closed(103, true)),
        closer.advance(START_100 + 100 * S, true));
  }

  @Test
  void aWatermarkGoingBackwardsClosesNothingAndKeepsProgress() {
    closer.advance(START_100, false);
    assertEquals(2, closer.advance(START_100 + 70 * S, false).size()); // 100, 101
    assertEquals(List.of(), closer.advance(START_100 + 40 * S, false));
    assertEquals(102, closer.nextToClose());
    assertEquals(List.of(new Closed(102, false)), closer.advance(START_100 + 90 * S, false));
  }

  @Test
  void periodsBeforeTheEpochCloseToo() {
    closer.advance(-61 * S, false); // period -3 (from -90 s), 29 s into it
    assertEquals(-3, closer.nextToClose());
    assertEquals(List.of(new Closed(-3, true), new Closed(-2, false), new Closed(-1, false)), closer.advance(0, false));
    assertEquals(0, closer.nextToClose());
  }

  @Test
  void aWatermarkJumpingByDecadesClosesABoundedNumberOfPeriodsAndCountsTheRest() {
    // a record in 1975, the next in 2038: 66 million empty 30 s periods in between were all materialised
    long y1975 = 157_766_400L * S;
    long y2038 = 2_145_916_800L * S;
    closer.advance(y1975, false);
    List<Closed> closed = closer.advance(y2038, false);
    assertEquals(MAX_AT_ONCE, closed.size());
    long last = 2_145_916_800L / 30 - 1;
    assertEquals(new Closed(last, false), closed.get(closed.size() - 1));
    assertEquals(last - 157_766_400L / 30 + 1 - MAX_AT_ONCE, closer.skipped());
    assertEquals(last + 1, closer.nextToClose());
  }
}
