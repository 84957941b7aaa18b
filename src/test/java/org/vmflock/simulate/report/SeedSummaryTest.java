package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Figures over seeds with their 95 % confidence intervals, worked out by hand. */
class SeedSummaryTest {

  private static PolicySummary run(String policy, double completionHours, double cost) {
    return new PolicySummary(policy, 1, 1, completionHours * 3600, completionHours * 3600, cost, 0, 0, 2, 0, 0, 0, 0,
        new PolicyRun.RunStats(0, 0, 0, 0, 0, 0));
  }

  private static SeedSummary summary() {
    Map<String, List<PolicySummary>> byPolicy = new LinkedHashMap<>();
    List<PolicySummary> none = new ArrayList<>();
    List<PolicySummary> vmflock = new ArrayList<>();
    double[] a = {1, 2, 3, 4, 5};
    for (double v : a) {
      none.add(run("none", v, 10 * v));
      // always 0.5 h faster than none on the same seed; cost 1 more on seed 1 only
      vmflock.add(run("vmflock", v - 0.5, 10 * v + (v == 1 ? 1 : 0)));
    }
    byPolicy.put("none", none);
    byPolicy.put("vmflock", vmflock);
    return new SeedSummary(List.of(1L, 2L, 3L, 4L, 5L), byPolicy);
  }

  @Test
  void theIntervalIsStudentsT() {
    // 1..5: mean 3, sd sqrt(2.5), t(0.975, 4) = 2.7764451: half width 2.7764451 x 1.5811388 / sqrt(5) = 1.9632
    SeedSummary.Estimate e = summary().estimate("none", 0);
    assertEquals(3, e.mean(), 1e-12);
    assertEquals(2.7764451 * Math.sqrt(2.5) / Math.sqrt(5), e.halfWidth(), 1e-6);
    assertEquals("3.00 ± 1.96", e.text("%.2f"));
    assertTrue(Double.isNaN(SeedSummary.Estimate.of(new double[] {4}).halfWidth()), "one seed: no interval");
    assertEquals("4.00", SeedSummary.Estimate.of(new double[] {4}).text("%.2f"));
  }

  @Test
  void pairedDifferencesTellAConstantGainFromTheSpreadOfTheSeeds() {
    SeedSummary s = summary();
    // vmflock's own interval overlaps none's, but seed by seed it is 0.5 h faster every time
    SeedSummary.Estimate d = s.difference("vmflock", 0);
    assertEquals(-0.5, d.mean(), 1e-12);
    assertEquals(0, d.halfWidth(), 1e-12);
    assertFalse(d.holdsZero());
    // one seed 1 dearer: +0.2 on average, but within the seeds' spread
    SeedSummary.Estimate c = s.difference("vmflock", 1);
    assertEquals(0.2, c.mean(), 1e-12);
    assertTrue(c.holdsZero(), c.toString());
    String table = s.table("EUR");
    assertTrue(table.contains("-0.50 ± 0.00 (less)") && table.contains("+0.20 ± 0.56 (=)") && table.contains("cost EUR"), table);
  }

  @Test
  void csvAndJsonCarryEverySeed() {
    SeedSummary s = summary();
    List<String> csv = s.csv().lines().toList();
    assertEquals(11, csv.size());
    assertEquals("vmflock,1,0.500000,11.000000,0.000000,2.000000", csv.get(6));
    SimulationReport report = new SimulationReport("x", 1, java.time.Instant.EPOCH, List.of("a"), List.of(), new java.util.TreeMap<>());
    String json = ReportJson.json(report, Optional.of(s));
    assertTrue(json.contains("\"seeds\" : [ 1, 2, 3, 4, 5 ]") || json.contains("\"seeds\": ["), json);
    assertTrue(json.contains("\"minus_reference_mean\": -0.500000"), json);
  }

  @Test
  void runsMustMatchTheSeeds() {
    assertThrows(IllegalArgumentException.class, () -> new SeedSummary(List.of(1L, 2L), Map.of("none", List.of(run("none", 1, 1)))));
  }
}
