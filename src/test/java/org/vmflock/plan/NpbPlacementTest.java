package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.testing.TestData;

/**
 * The NPB applications on two sites of half the capacity each, joined by a slow link: the planner
 * finds the minimum-time placement (checked against the model's time of every 2 + 2 split), and
 * where the transfers are what sets the time, it cuts the least inter-site traffic possible. The
 * traffic per work second is the run's bytes over its duration on one site.
 */
class NpbPlacementTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({"cg.A.4, 2.1", "ep.A.4, 3.1", "is.A.4, 1.6", "mg.A.4, 2.6"})
  void minimumTimePlacementCutsTheLeastTraffic(String run, double seconds) {
    TrafficMatrix bytes = MatrixCsv.read(TestData.npb(run + ".bytes.csv"), TrafficMetric.BYTES);
    TrafficMatrix perWork = PlanFixtures.scaled(bytes, 1 / seconds);
    Application app = PlanFixtures.app(run.replace('.', '-'), perWork, seconds, Objective.TIME);
    NetworkPath slow = new NetworkPath(Duration.ofMillis(10), 100e6);
    Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", 2, 1, 0.1), PlanFixtures.site("b", 2, 1, 0.1)), slow);
    Plan plan = PlanFixtures.planner().plan(PlanningProblem.of(infra, PlanFixtures.NOW, List.of(new AppSituation(app, Placement.EMPTY, List.of()))));
    AppDecision d = plan.decisions().get(0);
    assertTrue(d.moves(), d.reason());
    assertEquals("exhaustive", d.method());
    BspExecutionModel model = new BspExecutionModel();
    java.util.function.Function<Placement, ExecutionBreakdown> time = p -> model.breakdown(app, TrafficLayout.of(app, p, infra), infra,
        LinkShare.none(2));
    ExecutionBreakdown chosen = time.apply(d.chosen().placement());
    double fastest = Double.POSITIVE_INFINITY;
    double least = Double.POSITIVE_INFINITY;
    List<String> vms = bytes.vms();
    for (int mask = 0; mask < 16; mask++) {
      if (Integer.bitCount(mask) != 2) {
        continue;
      }
      Placement p = Placement.EMPTY;
      for (int v = 0; v < 4; v++) {
        p = p.with(vms.get(v), (mask >> v & 1) == 1 ? "a" : "b");
      }
      fastest = Math.min(fastest, time.apply(p).secondsPerWork());
      least = Math.min(least, cut(bytes, p));
    }
    assertEquals(fastest, chosen.secondsPerWork(), 1e-9 * fastest, run + ": " + d.reason());
    if (chosen.bandwidthSeconds() > chosen.computeSeconds()) {
      assertEquals(least, cut(bytes, d.chosen().placement()), run + ": " + d.reason());
    }
    assertTrue(PlacementChecker.check(PlanningProblem.of(infra, PlanFixtures.NOW,
        List.of(new AppSituation(app, Placement.EMPTY, List.of()))), plan, PlannerSettings.defaults()).isEmpty());
  }

  private static double cut(TrafficMatrix m, Placement p) {
    double total = 0;
    for (int i = 0; i < m.size(); i++) {
      for (int j = 0; j < m.size(); j++) {
        if (!p.siteOf(m.vms().get(i)).equals(p.siteOf(m.vms().get(j)))) {
          total += m.bytes(i, j);
        }
      }
    }
    return total;
  }

}
