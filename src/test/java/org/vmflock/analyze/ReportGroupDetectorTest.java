package org.vmflock.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.analyze.ReportGroupDetector.Rule;
import org.vmflock.analyze.ReportGroupDetector.Step;
import org.vmflock.model.TrafficMetric;

/** The report's algorithm (A1), one rule at a time, on matrices small enough to follow by hand. */
class ReportGroupDetectorTest {

  private static final Duration COVERED = Duration.ofSeconds(1);
  private static final double HALF = 0.5;
  private static final double WHOLE = 1.0;
  private static final double NO_NOISE_FLOOR = 0;
  private static final double EPSILON = 1e-9;
  private static final List<String> ABCD = List.of("a", "b", "c", "d");

  private static ReportGroupDetector detector(double fraction) {
    return new ReportGroupDetector(TrafficMetric.BYTES, NO_NOISE_FLOOR, fraction);
  }

  private static List<Rule> rules(ReportGroupDetector.Trace t) {
    return t.steps().stream().map(Step::rule).toList();
  }

  private static void assertGroup(CommunicationGroup g, List<String> vms, double internal, double threshold) {
    assertEquals(vms, g.vms());
    assertEquals(internal, g.internal(), EPSILON, "internal of " + vms);
    assertEquals(threshold, g.threshold(), EPSILON, "threshold of " + vms);
  }

  @Test
  void theFirstPairFormsAGroupAndAPairOfUngroupedVmsAnother() {
    // c-d 100 (60 + 40: both directions count) forms {c,d}, threshold 50; a-b 80: neither grouped -> {a,b}, threshold 40
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "c-d", 60, "d-c", 40, "a-b", 80), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.NEW_GROUP), rules(t));
    assertEquals(List.of(new Step("c", "d", 100, Rule.NEW_GROUP, List.of(List.of("c", "d")))), t.steps().subList(0, 1));
    Grouping g = t.grouping();
    assertEquals(2, g.groups().size());
    // listed by their first VM's place in the matrix, not by the order they formed
    assertGroup(g.groups().get(0), List.of("a", "b"), 80, 40);
    assertGroup(g.groups().get(1), List.of("c", "d"), 100, 50);
    assertEquals(List.of(), g.ungrouped());
    assertEquals(0, g.interGroup());
    assertEquals("report", g.algorithm());
  }

  @Test
  void aVmJoinsWhenItsPairExceedsTheGroupsThreshold() {
    // a-b 100 -> {a,b}, threshold 50; a-c 60 > 50 -> c joins; threshold 0.5 * mean(100, 60) = 40 (b-c has no traffic)
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "a-c", 60), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.JOIN), rules(t));
    assertEquals(1, t.grouping().groups().size());
    assertGroup(t.grouping().groups().get(0), List.of("a", "b", "c"), 160, 40);
    assertEquals(List.of("d"), t.grouping().ungrouped());
  }

  @Test
  void belowTheThresholdTheOtherVmFormsAGroupOfItsOwnWithThresholdZero() {
    // a-b 100 -> {a,b}, threshold 50; a-c 30 <= 50 -> {c} alone, threshold 0; c-d 20 > 0 -> d joins c: {c,d}, threshold 10
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "a-c", 30, "c-d", 20), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.OWN_GROUP, Rule.JOIN), rules(t));
    assertEquals(List.of(List.of("a", "b"), List.of("c")), t.steps().get(1).groupsAfter());
    Grouping g = t.grouping();
    assertGroup(g.groups().get(0), List.of("a", "b"), 100, 50);
    assertGroup(g.groups().get(1), List.of("c", "d"), 20, 10);
    assertEquals(30, g.interGroup()); // a-c crosses the two groups
  }

  @Test
  void aVmAloneIsUngroupedAndAPairEqualToTheThresholdDoesNotExceedIt() {
    // a-b 100 -> threshold 50; a-c exactly 50 does not exceed it -> {c} alone, which is no communication group
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "a-c", 50), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.OWN_GROUP), rules(t));
    assertEquals(1, t.grouping().groups().size());
    assertEquals(List.of("c", "d"), t.grouping().ungrouped());
    assertEquals(50, t.grouping().interGroup());
  }

  @Test
  void twoGroupsMergeWhenTheirPairExceedsBothThresholds() {
    // a-b 100 -> {a,b} thr 50; c-d 90 -> {c,d} thr 45; b-c 60 > 50 and > 45 -> one group,
    // threshold 0.5 * mean(100, 90, 60) = 41.67
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "c-d", 90, "b-c", 60), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.NEW_GROUP, Rule.MERGE), rules(t));
    assertEquals(1, t.grouping().groups().size());
    assertGroup(t.grouping().groups().get(0), ABCD, 250, HALF * 250 / 3);
    assertEquals(0, t.grouping().interGroup());
  }

  @Test
  void twoGroupsStayApartWhenTheirPairExceedsOnlyOneThreshold() {
    // a-b 100 -> thr 50; c-d 60 -> thr 30; b-c 40 exceeds 30 but not 50 -> nothing
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "c-d", 60, "b-c", 40), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.NEW_GROUP, Rule.NO_MERGE), rules(t));
    Grouping g = t.grouping();
    assertGroup(g.groups().get(0), List.of("a", "b"), 100, 50);
    assertGroup(g.groups().get(1), List.of("c", "d"), 60, 30);
    assertEquals(40, g.interGroup());
  }

  @Test
  void aVmAloneDoesNotPullItsPairIntoAGroupWhoseThresholdItMisses() {
    // a-b 100 -> thr 50; a-c 30 -> {c} alone, thr 0; b-c 20: both grouped, exceeds 0 but not 50 -> nothing
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "a-c", 30, "b-c", 20), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.OWN_GROUP, Rule.NO_MERGE), rules(t));
    assertEquals(List.of("c", "d"), t.grouping().ungrouped());
  }

  @Test
  void pairsBelowTheNoiseFloorAreIgnored() {
    // over 10 s with a floor of 5 B/s: a-b 10 B/s and a-c 6 B/s count, c-d 4 B/s is noise
    Duration tenSeconds = Duration.ofSeconds(10);
    double floor = 5;
    var t = new ReportGroupDetector(TrafficMetric.BYTES, floor, HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "a-c", 60, "c-d", 40), tenSeconds);
    // c-d is not processed at all
    assertEquals(List.of(new Step("a", "b", 100, Rule.NEW_GROUP, List.of(List.of("a", "b"))),
        new Step("a", "c", 60, Rule.JOIN, List.of(List.of("a", "b", "c")))), t.steps());
    assertGroup(t.grouping().groups().get(0), List.of("a", "b", "c"), 160, 40);
    assertEquals(List.of("d"), t.grouping().ungrouped());
    assertEquals(40, t.grouping().interGroup()); // the noise is still traffic that crosses groups
  }

  @Test
  void aPairExactlyAtTheNoiseFloorCounts() {
    Duration tenSeconds = Duration.ofSeconds(10);
    double floor = 5;
    var g = new ReportGroupDetector(TrafficMetric.BYTES, floor, HALF).detect(Traffic.bytes(ABCD, "a-b", 50), tenSeconds);
    assertEquals(List.of("a", "b"), g.groups().get(0).vms());
  }

  @Test
  void tiesAreBrokenByTheMatrixOrder() {
    // fraction 1: joining needs more than the group's mean. a-b, b-c, c-d all 50, taken in matrix order:
    // a-b -> {a,b} thr 50; b-c 50 not > 50 -> {c} alone; c-d 50 > 0 -> {c,d}
    var chain = List.of("a-b", 50, "b-c", 50, "c-d", 50).toArray();
    ReportGroupDetector d = detector(WHOLE);
    var t = d.trace(Traffic.bytes(ABCD, chain), COVERED);
    assertEquals(List.of("a-b", "b-c", "c-d"), t.steps().stream().map(s -> s.vmA() + "-" + s.vmB()).toList());
    assertEquals(List.of(Rule.NEW_GROUP, Rule.OWN_GROUP, Rule.JOIN), rules(t));
    assertEquals(List.of(List.of("a", "b"), List.of("c", "d")), t.grouping().groups().stream().map(CommunicationGroup::vms).toList());
    assertEquals(t.grouping(), d.detect(Traffic.bytes(ABCD, chain), COVERED));
    // the same traffic with b and c listed first: b-c comes first -> {b,c} thr 50; b-a and c-d 50 -> a and d alone
    var t2 = d.trace(Traffic.bytes(List.of("b", "c", "a", "d"), chain), COVERED);
    assertEquals(List.of("b-c", "b-a", "c-d"), t2.steps().stream().map(s -> s.vmA() + "-" + s.vmB()).toList());
    assertEquals(List.of(List.of("b", "c")), t2.grouping().groups().stream().map(CommunicationGroup::vms).toList());
    assertEquals(List.of("a", "d"), t2.grouping().ungrouped());
  }

  @Test
  void theThresholdIsRecomputedFromAllTheGroupsPairsWhenItChanges() {
    // a-b 100 -> thr 50. a-c 60 > 50 -> c joins; thr = 0.5 * mean(a-b 100, a-c 60, b-c 10) = 28.33
    // (b-c counts although processed later). a-d 40 > 28.33 -> d joins: refused with the first
    // threshold (50), or with a mean of the pairs processed so far (0.5 * 80 = 40).
    // Final thr = 0.5 * mean(100, 60, 40, 10) = 26.25.
    var t = detector(HALF).trace(Traffic.bytes(ABCD, "a-b", 100, "a-c", 60, "b-c", 10, "a-d", 40), COVERED);
    assertEquals(List.of(Rule.NEW_GROUP, Rule.JOIN, Rule.JOIN, Rule.SAME_GROUP), rules(t));
    assertGroup(t.grouping().groups().get(0), ABCD, 210, 26.25);
  }

  @Test
  void noTrafficNoGroup() {
    Grouping g = detector(HALF).detect(Traffic.bytes(ABCD), COVERED);
    assertEquals(List.of(), g.groups());
    assertEquals(ABCD, g.ungrouped());
    assertEquals(0, g.interGroup());
    assertEquals(0, g.modularity());
  }
}
