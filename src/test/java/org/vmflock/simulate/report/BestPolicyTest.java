package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BestPolicyTest {

  private static final PolicyRun.RunStats STATS = new PolicyRun.RunStats(3600, 60, 0, 120, 0, 0);

  @Test
  void theCheapestIsTheOneThatCostLeastAndSaysWhatItLeftUnfinished() {
    // "lazy" never finishes b-1: cheaper and shorter by the end, and the table says it left one unfinished
    SimulationReport r = report(
        run("lazy", SampleReports.app("lazy", "b-1", "bt", 4, "cost", 0, -1, 1000, 1, 0, 0, 0, 0, 0, -1, false)),
        run("busy", SampleReports.app("busy", "b-1", "bt", 4, "cost", 0, 2000, 2000, 2, 0, 0, 0, 0, 0, -1, false)));
    List<BestPolicy> best = BestPolicy.of(r);
    java.util.SortedMap<String, Integer> unfinished = new TreeMap<>(java.util.Map.of("lazy", 1, "busy", 0));
    assertEquals(List.of(new BestPolicy("profile", "bt", 1, List.of("lazy"), List.of("lazy"), unfinished, 1, 1000),
        new BestPolicy("objective", "cost", 1, List.of("lazy"), List.of("lazy"), unfinished, 1, 1000)), best);
    assertEquals("lazy (1 unfinished)", best.get(0).labelled("lazy"));
    assertEquals("busy", best.get(0).labelled("busy"));
  }

  @Test
  void theDearerPolicyIsNeverCalledCheapest() {
    // large.conf's case: "dear" finished more but cost 58 % more than "thrifty"
    SimulationReport r = report(
        run("thrifty", SampleReports.app("thrifty", "x", "cg", 4, "cost", 0, -1, 1000, 100, 0, 0, 0, 0, 0, -1, false),
            SampleReports.app("thrifty", "y", "cg", 4, "cost", 0, 500, 500, 0, 0, 0, 0, 0, 0, -1, false)),
        run("dear", SampleReports.app("dear", "x", "cg", 4, "cost", 0, 900, 900, 158, 0, 0, 0, 0, 0, -1, false),
            SampleReports.app("dear", "y", "cg", 4, "cost", 0, 500, 500, 0, 0, 0, 0, 0, 0, -1, false)));
    BestPolicy cg = BestPolicy.of(r).get(0);
    assertEquals(List.of("thrifty"), cg.cheapest());
    assertEquals(100, cg.lowestCost());
    // its cost and what it left unfinished side by side
    assertTrue(java.util.regex.Pattern.compile("thrifty \\(1 unfinished\\) +100\\.00 ").matcher(SummaryTable.text(r)).find(),
        SummaryTable.text(r));
  }

  @Test
  void equalPoliciesShareTheFirstPlaceInReportOrder() {
    SimulationReport r = report(
        run("b", SampleReports.app("b", "x", "cg", 4, "time", 0, 100, 100, 0.1 + 0.2, 0, 0, 0, 0, 0, -1, false)),
        run("a", SampleReports.app("a", "x", "cg", 4, "time", 0, 100, 100, 0.3, 0, 0, 0, 0, 0, -1, false)),
        run("c", SampleReports.app("c", "x", "cg", 4, "time", 0, 120, 120, 0.2, 0, 0, 0, 0, 0, -1, false)));
    BestPolicy cg = BestPolicy.of(r).get(0);
    assertEquals(List.of("c"), cg.cheapest());
    assertEquals(List.of("b", "a"), cg.fastest()); // 0.1 + 0.2 != 0.3, yet equal for a report
  }

  @Test
  void groupsAreProfilesThenObjectivesEachSortedByName() {
    List<BestPolicy> best = BestPolicy.of(SampleReports.small());
    assertEquals(List.of("profile cg", "profile ft", "profile lu", "objective cost", "objective time"),
        best.stream().map(b -> b.dimension() + " " + b.group()).toList());
  }

  @Test
  void thereIsNoBestOfOnePolicy() {
    assertTrue(BestPolicy.of(SampleReports.single()).isEmpty());
  }

  private static PolicyRun run(String policy, AppResult... apps) {
    return new PolicyRun(policy, List.of(apps), List.of(), STATS);
  }

  private static SimulationReport report(PolicyRun... runs) {
    return new SimulationReport("best", 1, SampleReports.START, List.of("lyon"), List.of(runs), new TreeMap<>());
  }
}
