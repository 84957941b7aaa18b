package org.vmflock.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.testing.TestData;

/** The report's algorithm and modularity on the same traffic, scored the same way (A2). */
class GroupingComparisonTest {

  private static final Duration CG = Duration.ofMillis(2100);
  private static final double EPSILON = 1e-12;

  @Test
  void onCgModularityCutsAThirdOfTheTrafficForAHigherModularity() {
    var cg = MatrixCsv.read(TestData.npb("cg.A.4.bytes.csv"), TrafficMetric.BYTES);
    GroupingComparison c = GroupingComparison.of(cg, CG, GroupingSettings.defaults());
    assertEquals(List.of("report", "modularity"), c.rows().stream().map(GroupingComparison.Row::algorithm).toList());
    GroupingComparison.Row report = c.rows().get(0);
    GroupingComparison.Row modularity = c.rows().get(1);
    assertEquals(1, report.groups());
    assertEquals(0, report.interGroupFraction());
    assertEquals(0, report.modularity(), EPSILON);
    assertEquals(2, modularity.groups());
    // 2-3 and the stray pairs: 48,826,368 of 146,876,138 bytes
    assertEquals(48_826_368.0 / 146_876_138, modularity.interGroupFraction(), EPSILON);
    assertEquals(0.16758211039521156, modularity.modularity(), EPSILON);
  }

  @Test
  void bothAreScoredByTheSameModularityFunction() {
    var mg = MatrixCsv.read(TestData.npb("mg.A.4.bytes.csv"), TrafficMetric.BYTES);
    Duration covered = Duration.ofMillis(2600);
    GroupingSettings s = GroupingSettings.defaults();
    TrafficGraph graph = TrafficGraph.of(mg, TrafficMetric.BYTES, covered, s.noiseFloorPerSecond());
    for (GroupingComparison.Row row : GroupingComparison.of(mg, covered, s).rows()) {
      int[] community = new int[graph.size()];
      List<CommunicationGroup> groups = row.grouping().groups();
      for (int vm = 0; vm < graph.size(); vm++) {
        community[vm] = groups.size() + vm; // alone unless in a group
        for (int g = 0; g < groups.size(); g++) {
          if (groups.get(g).vms().contains(graph.vms().get(vm))) {
            community[vm] = g;
          }
        }
      }
      assertEquals(Modularity.of(graph, community), row.modularity(), EPSILON, row.algorithm());
    }
  }
}
