package org.vmflock.monitor.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.stats.QueryEvaluator.Answer;
import org.vmflock.monitor.stats.QueryEvaluator.Evaluation;
import org.vmflock.monitor.stats.QueryEvaluator.Wait;
import org.vmflock.monitor.stats.SiteStatistics.Decision;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;

/**
 * Two sites: A runs vm1 (10.0.0.1) and vm2 (10.0.0.2) on host hA, B runs vm3 (10.0.0.3, fd00::3)
 * on hB. 30 s periods, 10 s grace: period p is [30_000 p, 30_000 (p + 1)) ms.
 *
 * <p>What each receiver's sensor reports (row = sender, column = receiver), in bytes (packets):
 *
 * <pre>
 *            p10          p11               p12          p13
 * vm1->vm2   10 (1)       20 (2)            40 (4)       vm2 silent
 * vm3->vm1   300 (3)      vm1 silent        600 (6)      900 (9)
 * vm2->vm3   30 (3)       vm3 silent        60 (6)       50 (5)
 * vm1->vm3   5 (1)        vm3 silent        7 (1)        -
 * </pre>
 *
 * vm1 also receives 50 bytes (1 frame) from the launcher 10.0.0.254 in each period it reports.
 * Periods 10 to 12 are final: 10 and 12 with every sensor, 11 closed at grace time at A (vm1
 * missing) and never heard of at B (vm3 missing).
 */
class QueryEvaluatorTest {

  private static final CollectorSettings SETTINGS = new CollectorSettings(PeriodGrid.of(Duration.ofSeconds(30)), Duration.ofSeconds(10), 0);
  private static final double EPS = 1e-9;
  private static final int VM1 = 0;
  private static final int VM2 = 1;
  private static final int VM3 = 2;

  private SiteStatistics a = register(SiteStatistics.empty("A"), "hA",
      new RosterEntry("vm1", "hA", "02:00:00:00:00:01", List.of("10.0.0.1"), 0),
      new RosterEntry("vm2", "hA", "02:00:00:00:00:02", List.of("10.0.0.2"), 0));
  private SiteStatistics b = register(SiteStatistics.empty("B"), "hB",
      new RosterEntry("vm3", "hB", "02:00:00:00:00:03", List.of("10.0.0.3", "fd00::3"), 0));

  private static SiteStatistics register(SiteStatistics s, String host, RosterEntry... vms) {
    Decision d = s.decideRegister(host, List.of(vms));
    return apply(s, d.events());
  }

  private static SiteStatistics apply(SiteStatistics s, List<SiteEvent> events) {
    for (SiteEvent e : events) {
      s = s.apply(e);
    }
    return s;
  }

  private static long end(long p) {
    return (p + 1) * 30_000;
  }

  private static PeerTraffic peer(String address, long packets, long bytes) {
    return new PeerTraffic(address, packets, bytes);
  }

  private static SiteStatistics report(SiteStatistics s, String host, String vm, long p, long atMillis, PeerTraffic... received) {
    return report(s, new SensorReport(s.site(), host, new VmTraffic(vm, p, List.of(received), List.of(), 0, 0), 0, 0, false), atMillis);
  }

  private static SiteStatistics report(SiteStatistics s, SensorReport r, long atMillis) {
    Decision d = s.decideReport(r, atMillis, SETTINGS);
    assertEquals(Decision.Outcome.RECORDED, d.outcome(), d.reason());
    return apply(s, d.events());
  }

  private void closeDue(long now) {
    a = apply(a, a.closeDue(now, SETTINGS));
    b = apply(b, b.closeDue(now, SETTINGS));
  }

  /** Periods 10 to 12 as in the class comment, every one of them final. */
  private void periods10to12() {
    PeerTraffic launcher = peer("10.0.0.254", 1, 50);
    a = report(a, "hA", "vm1", 10, end(10) + 1_000, peer("fd00::3", 3, 300), launcher);
    a = report(a, "hA", "vm2", 10, end(10) + 1_000, peer("10.0.0.1", 1, 10));
    b = report(b, "hB", "vm3", 10, end(10) + 1_000, peer("10.0.0.2", 3, 30), peer("10.0.0.1", 1, 5));

    a = report(a, "hA", "vm2", 11, end(11) + 1_000, peer("10.0.0.1", 2, 20));
    closeDue(end(11) + 11_000); // A closes 11 at grace time: max(360_000, 361_000) + 10_000

    a = report(a, new SensorReport("A", "hA",
        new VmTraffic("vm1", 12, List.of(peer("10.0.0.3", 6, 600), launcher), List.of(peer("10.0.0.200", 2, 2000)), 1, 60),
        3, 300, true), end(12) + 1_000);
    a = report(a, "hA", "vm2", 12, end(12) + 1_000, peer("10.0.0.1", 4, 40));
    b = report(b, "hB", "vm3", 12, end(12) + 1_000, peer("10.0.0.2", 6, 60), peer("10.0.0.1", 1, 7));
  }

  /** Period 13: vm1 and vm3 report 1 s and 0.5 s after its end, vm2 is silent; A closes it at 431_000. */
  private void period13() {
    a = report(a, "hA", "vm1", 13, 421_000, peer("fd00::3", 9, 900), peer("10.0.0.254", 1, 50));
    b = report(b, "hB", "vm3", 13, 420_500, peer("10.0.0.2", 5, 50));
  }

  private GlobalStatistics global() {
    return new GlobalStatistics(List.of(SiteSnapshot.of(a, 0, 1_000), SiteSnapshot.of(b, 0, 1_000)), SETTINGS);
  }

  private static QueryAnswer.Statistics statistics(Evaluation e) {
    return assertInstanceOf(QueryAnswer.Statistics.class, assertInstanceOf(Answer.class, e).answer());
  }

  private static void assertCell(TrafficMatrix m, int sender, int receiver, double packets, double bytes) {
    assertEquals(packets, m.packets(sender, receiver), EPS, "packets " + sender + "->" + receiver);
    assertEquals(bytes, m.bytes(sender, receiver), EPS, "bytes " + sender + "->" + receiver);
  }

  /** Every cell not listed is zero. */
  private static void assertOnlyCells(TrafficMatrix m, int[][] nonZero) {
    for (int s = 0; s < m.size(); s++) {
      for (int r = 0; r < m.size(); r++) {
        boolean listed = false;
        for (int[] c : nonZero) {
          listed |= c[0] == s && c[1] == r;
        }
        if (!listed) {
          assertEquals(0.0, m.bytes(s, r), "bytes " + s + "->" + r);
          assertEquals(0.0, m.packets(s, r), "packets " + s + "->" + r);
        }
      }
    }
  }

  private static final int[][] CELLS = {{VM1, VM2}, {VM3, VM1}, {VM2, VM3}, {VM1, VM3}};

  // ---------------------------------------------------------------- precise answers

  @Test
  void detailedGivesEachPeriodAndTheirSum() {
    periods10to12();
    GlobalStatistics g = global();
    assertEquals(List.of("vm1", "vm2", "vm3"), g.vms());
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(StatisticsQuery.of(QueryType.DETAILED, 3).endingAt(12), g, 1_000_000, 1_000_000));

    assertEquals(QueryType.DETAILED, s.type());
    assertFalse(s.approximate());
    assertEquals(10, s.fromPeriod());
    assertEquals(12, s.toPeriod());
    assertEquals(1.0, s.weight());
    assertEquals(List.of(), s.extrapolated());
    assertEquals(List.of(), s.noData());
    // sums: vm1->vm2 10+20+40 = 70 (7); vm3->vm1 300+600 = 900 (9); vm2->vm3 30+60 = 90 (9); vm1->vm3 5+7 = 12 (2)
    assertCell(s.matrix(), VM1, VM2, 7, 70);
    assertCell(s.matrix(), VM3, VM1, 9, 900);
    assertCell(s.matrix(), VM2, VM3, 9, 90);
    assertCell(s.matrix(), VM1, VM3, 2, 12);
    assertOnlyCells(s.matrix(), CELLS);

    assertEquals(List.of(10L, 11L, 12L), s.periods().stream().map(PeriodStatistics::period).toList());
    PeriodStatistics p10 = s.periods().get(0);
    assertTrue(p10.complete());
    assertEquals(300_000, p10.startMillis());
    assertEquals(330_000, p10.endMillis());
    assertEquals(List.of(), p10.missing());
    assertCell(p10.matrix(), VM1, VM2, 1, 10);
    assertCell(p10.matrix(), VM3, VM1, 3, 300);
    assertCell(p10.matrix(), VM2, VM3, 3, 30);
    assertCell(p10.matrix(), VM1, VM3, 1, 5);
    assertOnlyCells(p10.matrix(), CELLS);

    PeriodStatistics p11 = s.periods().get(1);
    assertTrue(p11.complete());
    assertEquals(List.of("vm1", "vm3"), p11.missing());
    assertCell(p11.matrix(), VM1, VM2, 2, 20);
    assertOnlyCells(p11.matrix(), new int[][] {{VM1, VM2}});
    assertEquals(List.of("vm2"), p11.other().stream().map(OtherTraffic::vm).toList());

    PeriodStatistics p12 = s.periods().get(2);
    assertCell(p12.matrix(), VM1, VM2, 4, 40);
    assertCell(p12.matrix(), VM3, VM1, 6, 600);
    assertCell(p12.matrix(), VM2, VM3, 6, 60);
    assertCell(p12.matrix(), VM1, VM3, 1, 7);
    // what is not between VMs: the launcher, the file server, ARP, late frames, partial
    assertEquals(List.of(
            new OtherTraffic("vm1", 1, 50, 2, 2000, 1, 60, 3, true),
            new OtherTraffic("vm2", 0, 0, 0, 0, 0, 0, 0, false),
            new OtherTraffic("vm3", 0, 0, 0, 0, 0, 0, 0, false)),
        p12.other());
  }

  @Test
  void meanAveragesEachReceiverColumnOverThePeriodsItsSensorReported() {
    periods10to12();
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(StatisticsQuery.of(QueryType.MEAN, 3).endingAt(12), global(), 1_000_000, 1_000_000));
    assertEquals(QueryType.MEAN, s.type());
    assertEquals(List.of(), s.periods());
    assertEquals(List.of(), s.noData());
    // vm2 reported 3 periods: 70/3 bytes, 7/3 packets
    assertCell(s.matrix(), VM1, VM2, 7.0 / 3, 70.0 / 3);
    // vm1 reported 10 and 12 only: (300+600)/2 = 450, (3+6)/2 = 4.5 -- not /3
    assertCell(s.matrix(), VM3, VM1, 4.5, 450);
    // vm3 reported 10 and 12 only: (30+60)/2 = 45 (4.5); (5+7)/2 = 6 (1)
    assertCell(s.matrix(), VM2, VM3, 4.5, 45);
    assertCell(s.matrix(), VM1, VM3, 1, 6);
    assertOnlyCells(s.matrix(), CELLS);
  }

  @Test
  void weightedCountsEachPeriodWeightTimesTheOneBefore() {
    periods10to12();
    StatisticsQuery q = StatisticsQuery.parseType("weighted:2", 3).endingAt(12);
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(q, global(), 1_000_000, 1_000_000));
    assertEquals(QueryType.WEIGHTED, s.type());
    assertEquals(2.0, s.weight());
    // weights 1, 2, 4 for periods 10, 11, 12
    // vm2: (1*10 + 2*20 + 4*40) / 7 = 210/7 = 30 bytes; (1 + 4 + 16) / 7 = 3 packets
    assertCell(s.matrix(), VM1, VM2, 3, 30);
    // vm1, without 11: (1*300 + 4*600) / 5 = 540 bytes; (3 + 24) / 5 = 5.4 packets
    assertCell(s.matrix(), VM3, VM1, 5.4, 540);
    // vm3, without 11: (30 + 4*60) / 5 = 54 (5.4); (5 + 4*7) / 5 = 6.6 (1)
    assertCell(s.matrix(), VM2, VM3, 5.4, 54);
    assertCell(s.matrix(), VM1, VM3, 1, 6.6);
    assertOnlyCells(s.matrix(), CELLS);
  }

  @Test
  void weightedWithWeightOneIsTheMean() {
    periods10to12();
    QueryAnswer.Statistics w = statistics(QueryEvaluator.evaluate(StatisticsQuery.of(QueryType.MEAN, 3).weighted(1).endingAt(12), global(), 1_000_000, 1_000_000));
    QueryAnswer.Statistics m = statistics(QueryEvaluator.evaluate(StatisticsQuery.of(QueryType.MEAN, 3).endingAt(12), global(), 1_000_000, 1_000_000));
    assertEquals(m.matrix(), w.matrix());
  }

  @Test
  void aVmWithNoReportInTheWindowHasNoData() {
    periods10to12();
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(StatisticsQuery.of(QueryType.MEAN, 1).endingAt(11), global(), 1_000_000, 1_000_000));
    assertEquals(List.of("vm1", "vm3"), s.noData());
    assertCell(s.matrix(), VM1, VM2, 2, 20);
    assertOnlyCells(s.matrix(), new int[][] {{VM1, VM2}});
  }

  // ---------------------------------------------------------------- incomplete newest period

  @Test
  void anIncompletePeriodIsFinalWhenEverySiteClosedItOrItsGraceTimeIsOver() {
    periods10to12();
    period13();
    GlobalStatistics g = global();
    assertEquals(13, g.newestPeriod());
    // B closed 13 (vm3 reported), A did not (vm2 silent): A's deadline is max(420_000, 421_000) + 10_000
    assertFalse(g.isFinal(13, 430_999));
    assertTrue(g.isFinal(13, 431_000), "past A's grace time its silent sensor is known to be missing");
    assertEquals(431_000, g.finalAtMillis(13));
    assertTrue(g.isFinal(12, 425_000));
  }

  @Test
  void waitsWhenTheWaitAllowedReachesThePreciseAnswer() {
    periods10to12();
    period13();
    StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, 1).waitingAtMost(Duration.ofSeconds(10)).approximateAllowed(true);
    // no period named: the newest that has ended by 425_000 is 13
    assertEquals(13, QueryEvaluator.newestPeriod(q, global(), 425_000));
    assertEquals(new Wait(431_000), QueryEvaluator.evaluate(q, global(), 425_000, 425_000));
    // a wait ending exactly at the precise time is long enough
    assertEquals(new Wait(431_000), QueryEvaluator.evaluate(q.waitingAtMost(Duration.ofSeconds(6)), global(), 425_000, 425_000));
    // re-evaluated later while still waiting
    assertEquals(new Wait(431_000), QueryEvaluator.evaluate(q, global(), 425_000, 428_000));
  }

  @Test
  void extrapolatesFromThePeriodBeforeWhenTheWaitIsTooShortAndApproximationIsAllowed() {
    periods10to12();
    period13();
    // 5.999 s from 425_000 ends at 430_999, before the precise answer at 431_000
    StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, 1).waitingAtMost(Duration.ofMillis(5_999)).approximateAllowed(true);
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(q, global(), 425_000, 425_000));
    assertTrue(s.approximate());
    assertEquals(13, s.fromPeriod());
    assertEquals(13, s.toPeriod());
    assertEquals(List.of("vm2"), s.extrapolated());
    assertEquals(List.of(), s.noData());
    // vm2's column is its period 12: 40 bytes (4) from vm1
    assertCell(s.matrix(), VM1, VM2, 4, 40);
    assertCell(s.matrix(), VM3, VM1, 9, 900);
    assertCell(s.matrix(), VM2, VM3, 5, 50);
    assertOnlyCells(s.matrix(), new int[][] {{VM1, VM2}, {VM3, VM1}, {VM2, VM3}});
  }

  @Test
  void extrapolationOnlyReplacesTheIncompletePeriod() {
    periods10to12();
    period13();
    StatisticsQuery q = StatisticsQuery.of(QueryType.DETAILED, 2).approximateAllowed(true);
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(q, global(), 425_000, 425_000));
    assertTrue(s.approximate());
    assertEquals(12, s.fromPeriod());
    PeriodStatistics p12 = s.periods().get(0);
    PeriodStatistics p13 = s.periods().get(1);
    assertTrue(p12.complete());
    assertEquals(List.of(), p12.extrapolated());
    assertFalse(p13.complete());
    assertEquals(List.of("vm2"), p13.extrapolated());
    assertEquals(List.of(), p13.missing());
    // sum: vm1->vm2 40 + 40 (extrapolated) = 80 (8); vm3->vm1 600 + 900 = 1500 (15)
    assertCell(s.matrix(), VM1, VM2, 8, 80);
    assertCell(s.matrix(), VM3, VM1, 15, 1500);
    assertCell(s.matrix(), VM2, VM3, 11, 110);
    assertCell(s.matrix(), VM1, VM3, 1, 7);
  }

  @Test
  void asksToReformulateWhenNeitherWaitNorApproximationIsAllowed() {
    periods10to12();
    period13();
    StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, 1).waitingAtMost(Duration.ofSeconds(5));
    QueryAnswer answer = assertInstanceOf(Answer.class, QueryEvaluator.evaluate(q, global(), 425_000, 425_000)).answer();
    assertEquals(new QueryAnswer.Reformulate(
            "period 13 is not complete yet and no approximation was allowed; a precise answer exists from 1970-01-01T00:07:11Z",
            13, 431_000),
        answer);
  }

  @Test
  void aWaitThatRanOutIsNoLongerWaited() {
    periods10to12();
    period13();
    // received at 400_000 with 30 s to wait: the precise answer (431_000) comes after 430_000
    StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, 1).endingAt(13).waitingAtMost(Duration.ofSeconds(30));
    QueryAnswer answer = assertInstanceOf(Answer.class, QueryEvaluator.evaluate(q, global(), 400_000, 425_000)).answer();
    assertEquals(431_000, assertInstanceOf(QueryAnswer.Reformulate.class, answer).preciseAtMillis());
  }

  @Test
  void afterGraceTheAnswerIsPreciseWithTheSilentSensorWithoutData() {
    periods10to12();
    period13();
    closeDue(431_000);
    assertEquals(List.of("vm2"), a.periods().get(13L).missing());
    StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, 1).endingAt(13);
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(q, global(), 431_000, 431_000));
    assertFalse(s.approximate());
    assertEquals(List.of(), s.extrapolated());
    assertEquals(List.of("vm2"), s.noData());
    assertCell(s.matrix(), VM1, VM2, 0, 0);
    assertCell(s.matrix(), VM3, VM1, 9, 900);
  }

  @Test
  void aSensorSilentInThePeriodBeforeStaysMissingInAnApproximation() {
    periods10to12();
    period13();
    // period 14: vm1 reports, vm2 (silent in 13 too) cannot be extrapolated, B hears nothing
    a = report(a, "hA", "vm1", 14, 451_000, peer("10.0.0.2", 1, 11));
    GlobalStatistics g = global();
    PeriodStatistics p14 = g.extrapolated(14, 452_000);
    assertEquals(List.of("vm3"), p14.extrapolated());
    assertEquals(List.of("vm2"), p14.missing());
    assertFalse(p14.complete());

    StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, 1).endingAt(14).approximateAllowed(true);
    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(q, g, 452_000, 452_000));
    assertTrue(s.approximate());
    assertEquals(List.of("vm3"), s.extrapolated());
    assertEquals(List.of("vm2"), s.noData());
    assertCell(s.matrix(), VM2, VM1, 1, 11);
    assertCell(s.matrix(), VM2, VM3, 5, 50); // vm3's period 13
  }

  // ---------------------------------------------------------------- a period nobody heard of

  @Test
  void aPeriodNoSiteHeardOfIsFinalOnceItsEndPlusGraceHasPassed() {
    periods10to12();
    GlobalStatistics g = global();
    // period 20 is [600_000, 630_000): final from 630_000 + 10_000
    assertFalse(g.isFinal(20, 639_999));
    assertTrue(g.isFinal(20, 640_000));
    assertEquals(640_000, g.finalAtMillis(20));

    StatisticsQuery q = StatisticsQuery.of(QueryType.DETAILED, 1).endingAt(20);
    QueryAnswer before = assertInstanceOf(Answer.class, QueryEvaluator.evaluate(q, g, 635_000, 635_000)).answer();
    assertEquals(640_000, assertInstanceOf(QueryAnswer.Reformulate.class, before).preciseAtMillis());
    assertEquals(new Wait(640_000), QueryEvaluator.evaluate(q.waitingAtMost(Duration.ofSeconds(5)), g, 635_000, 635_000));

    QueryAnswer.Statistics s = statistics(QueryEvaluator.evaluate(q, g, 640_000, 640_000));
    assertFalse(s.approximate());
    assertEquals(List.of("vm1", "vm2", "vm3"), s.noData());
    PeriodStatistics p20 = s.periods().get(0);
    assertTrue(p20.complete());
    assertEquals(List.of("vm1", "vm2", "vm3"), p20.missing());
    assertEquals(0.0, s.matrix().totalBytes());
  }

  @Test
  void vmsNotYetRegisteredForAPeriodDoNotHoldItBack() {
    SiteStatistics c = register(SiteStatistics.empty("C"), "hC", new RosterEntry("vm9", "hC", "02:00:00:00:00:09", List.of("10.0.0.9"), 50));
    periods10to12();
    GlobalStatistics g = new GlobalStatistics(List.of(SiteSnapshot.of(a, 0, 100), SiteSnapshot.of(b, 0, 100), SiteSnapshot.of(c, 0, 100)), SETTINGS);
    assertTrue(g.isFinal(12, 400_000));
    assertEquals(List.of(), g.statistics(12, 400_000).missing());
    assertEquals(List.of("vm1", "vm2", "vm3", "vm9"), g.vms());
  }
}
