package org.vmflock.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.testing.TestData;

/**
 * Both algorithms on the real NPB captures of samples/npb (4 VMs, class A), with the default
 * settings and each run's duration: the report's reference results (MISSION, "The report's
 * reference results").
 *
 * <p>Pair traffic, both directions (bytes; packets):
 * <pre>
 *        1-2         1-3         1-4     2-3         2-4         3-4
 *   CG   49,022,838  1,220       966     48,823,204  978         49,026,932    (35,775 16 13 33,436 13 35,822)
 *   MG   26,801,922  27,414,796  2,308   0           27,406,072  26,896,982    (20,057 20,693 30 0 20,180 21,503)
 *   EP   2,168       2,366       966     0           2,190       2,534         (25 28 13 0 26 31)
 *   IS   49,048,216  49,088,072  48,436,840 48,768,552 48,731,586 48,557,254  (37,238 39,555 36,832 35,665 37,469 38,507)
 * </pre>
 *
 * <p>The default noise floor (10,000 B/s, 100 packets/s) sits between EP's largest pair, 2,534 B
 * over 3.1 s = 817 B/s (31 packets = 10 packets/s), and the smallest real pair of CG, MG and IS,
 * MG's 1-2: 26,801,922 B over 2.6 s = 10.3 MB/s (20,057 packets = 7,714 packets/s); CG's stray pairs
 * (1-3: 1,220 B over 2.1 s = 581 B/s) fall below it too.
 */
class NpbGroupingTest {

  private static final Duration CG = Duration.ofMillis(2100);
  private static final Duration MG = Duration.ofMillis(2600);
  private static final Duration EP = Duration.ofMillis(3100);
  private static final Duration IS = Duration.ofMillis(1600);
  private static final List<String> ALL = List.of("vm1", "vm2", "vm3", "vm4");
  private static final double EPSILON = 1e-12;

  private static TrafficMatrix read(String run, TrafficMetric metric) {
    return MatrixCsv.read(TestData.npb(run + ".A.4." + metric.label() + ".csv"), metric);
  }

  private static GroupingSettings settings(TrafficMetric metric) {
    return GroupingSettings.defaults().withMetric(metric);
  }

  private static Grouping report(String run, TrafficMetric metric, Duration covered) {
    return new ReportGroupDetector(settings(metric)).detect(read(run, metric), covered);
  }

  private static Grouping modularity(String run, TrafficMetric metric, Duration covered) {
    return new ModularityGroupDetector(settings(metric)).detect(read(run, metric), covered);
  }

  private static List<List<String>> groups(Grouping g) {
    return g.groups().stream().map(CommunicationGroup::vms).toList();
  }

  private static List<String> pairsAndRules(ReportGroupDetector.Trace t) {
    return t.steps().stream().map(s -> s.vmA() + "-" + s.vmB() + " " + s.rule()).toList();
  }

  @ParameterizedTest
  @EnumSource(TrafficMetric.class)
  void isAllToAllIsOneGroupOfAllVmsWithBothAlgorithms(TrafficMetric metric) {
    double total = metric == TrafficMetric.BYTES ? 292_630_520 : 225_266;
    for (Grouping g : List.of(report("is", metric, IS), modularity("is", metric, IS))) {
      assertEquals(List.of(ALL), groups(g), g.algorithm());
      assertEquals(total, g.groups().get(0).internal(), g.algorithm());
      assertEquals(0, g.interGroup(), g.algorithm());
      assertEquals(0, g.modularity(), EPSILON, g.algorithm());
    }
  }

  @ParameterizedTest
  @EnumSource(TrafficMetric.class)
  void epHasNoGroupWithEitherAlgorithm(TrafficMetric metric) {
    // every pair is below the noise floor (see the class comment): all VMs ungrouped, all traffic between them
    double total = metric == TrafficMetric.BYTES ? 10_224 : 123;
    for (Grouping g : List.of(report("ep", metric, EP), modularity("ep", metric, EP))) {
      assertEquals(List.of(), g.groups(), g.algorithm());
      assertEquals(ALL, g.ungrouped(), g.algorithm());
      assertEquals(total, g.interGroup(), g.algorithm());
      assertEquals(0, g.modularity(), g.algorithm());
    }
  }

  @Test
  void cgChainIsOneGroupForTheReportAlgorithm() {
    // 3-4 (49,026,932) -> {3,4}, thr 24.5 M; 1-2 (49,022,838) -> {1,2}, thr 24.5 M; 2-3 (48,823,204)
    // exceeds both thresholds (half of each pair) -> one group; the stray pairs are below the floor
    var t = new ReportGroupDetector(settings(TrafficMetric.BYTES)).trace(read("cg", TrafficMetric.BYTES), CG);
    assertEquals(List.of("vm3-vm4 NEW_GROUP", "vm1-vm2 NEW_GROUP", "vm2-vm3 MERGE"), pairsAndRules(t));
    Grouping g = t.grouping();
    assertEquals(List.of(ALL), groups(g));
    // 0.5 * mean of the three links = 0.5 * 146,872,974 / 3
    assertEquals(24_478_829, g.groups().get(0).threshold(), EPSILON);
    assertEquals(146_876_138, g.groups().get(0).internal()); // the stray pairs are inside the group too
    assertEquals(0, g.interGroup());
    assertEquals(0, g.modularity(), EPSILON);
    Grouping packets = report("cg", TrafficMetric.PACKETS, CG);
    assertEquals(List.of(ALL), groups(packets));
    assertEquals(0, packets.interGroup());
  }

  @Test
  void cgChainIsCutInItsMiddleByModularity() {
    // {1,2},{3,4} cuts the lightest of the three links, 2-3, and the stray pairs 1-3, 1-4, 2-4
    Grouping bytes = modularity("cg", TrafficMetric.BYTES, CG);
    assertEquals(List.of(List.of("vm1", "vm2"), List.of("vm3", "vm4")), groups(bytes));
    assertEquals(List.of(49_022_838.0, 49_026_932.0), bytes.groups().stream().map(CommunicationGroup::internal).toList());
    assertEquals(48_823_204 + 1_220 + 966 + 978, bytes.interGroup());
    // a chain of nearly equal links: close to 1/6, computed exactly from the three links
    assertEquals(0.16758211039521156, bytes.modularity(), EPSILON);
    Grouping packets = modularity("cg", TrafficMetric.PACKETS, CG);
    assertEquals(groups(bytes), groups(packets));
    assertEquals(33_436 + 16 + 13 + 13, packets.interGroup());
    assertEquals(0.18166185374365507, packets.modularity(), EPSILON);
  }

  @Test
  void mgRingIsOneGroupForTheReportAlgorithm() {
    // ring 1-3-4-2-1: 1-3 -> {1,3}; 2-4 -> {2,4}; 3-4 (26.9 M) exceeds both thresholds (13.7 M) -> merge
    var t = new ReportGroupDetector(settings(TrafficMetric.BYTES)).trace(read("mg", TrafficMetric.BYTES), MG);
    assertEquals(List.of("vm1-vm3 NEW_GROUP", "vm2-vm4 NEW_GROUP", "vm3-vm4 MERGE", "vm1-vm2 SAME_GROUP"), pairsAndRules(t));
    assertEquals(List.of(ALL), groups(t.grouping()));
    assertEquals(0, t.grouping().interGroup());
    // packets: 3-4 (21,503) -> {3,4}; 1-3 (20,693) joins; 2-4 (20,180) joins; 1-2 inside
    var p = new ReportGroupDetector(settings(TrafficMetric.PACKETS)).trace(read("mg", TrafficMetric.PACKETS), MG);
    assertEquals(List.of("vm3-vm4 NEW_GROUP", "vm1-vm3 JOIN", "vm2-vm4 JOIN", "vm1-vm2 SAME_GROUP"), pairsAndRules(p));
    assertEquals(List.of(ALL), groups(p.grouping()));
  }

  @Test
  void mgRingIsCutAcrossItsTwoLighterLinksByModularity() {
    // bytes: 1-3 and 2-4 (27.4 M each) outweigh 3-4 and 1-2 (26.9 M, 26.8 M): {1,3},{2,4}, Q only 0.005
    Grouping bytes = modularity("mg", TrafficMetric.BYTES, MG);
    assertEquals(List.of(List.of("vm1", "vm3"), List.of("vm2", "vm4")), groups(bytes));
    assertEquals(26_801_922 + 26_896_982 + 2_308, bytes.interGroup());
    assertEquals(0.0051693957607557295, bytes.modularity(), EPSILON);
    // packets weigh the links the other way (3-4 21,503 and 1-2 20,057 outweigh 1-3 20,693 and 2-4 20,180
    // together): {1,2},{3,4}. A near-even ring has no real community; either split barely beats 0.
    Grouping packets = modularity("mg", TrafficMetric.PACKETS, MG);
    assertEquals(List.of(List.of("vm1", "vm2"), List.of("vm3", "vm4")), groups(packets));
    assertEquals(20_693 + 20_180 + 30, packets.interGroup());
    assertEquals(0.0040131680525560265, packets.modularity(), EPSILON);
  }

  @Test
  void cgGivesTheSameGroupOverAFullPeriod() {
    // one 30 s period instead of the run's 2.1 s: rates fall 14 times, the links stay far above the
    // floor (1.6 MB/s) and the stray pairs far below (41 B/s)
    var t = new ReportGroupDetector(settings(TrafficMetric.BYTES)).trace(read("cg", TrafficMetric.BYTES), Duration.ofSeconds(30));
    assertEquals(List.of("vm3-vm4 NEW_GROUP", "vm1-vm2 NEW_GROUP", "vm2-vm3 MERGE"), pairsAndRules(t));
    assertEquals(List.of(ALL), groups(t.grouping()));
  }
}
