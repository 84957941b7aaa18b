package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/** Bad input is rejected early with a message that names the culprit; a demand nothing can hold is a decision, not an error. */
class PlannerBadInputTest {

  private static final Instant NOW = PlanFixtures.NOW;

  private final Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", 2, 1, 0.1), PlanFixtures.site("b", 1, 1, 0.1)),
      PlanFixtures.LAN);

  private static Application app(String name, String... vms) {
    List<String> names = List.of(vms);
    return PlanFixtures.app(name, names.stream().map(PlanFixtures::vm).toList(), new Workload(1000, 0, 0, TrafficMatrix.zero(names)),
        Objective.TIME);
  }

  private static void rejected(Executable e, String... fragments) {
    IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
    for (String f : fragments) {
      assertTrue(x.getMessage().contains(f), "'" + x.getMessage() + "' should mention '" + f + "'");
    }
  }

  @Test
  void aVmOnAnUnknownSite() {
    Application app = app("app", "v1", "v2");
    PlanningProblem p = PlanningProblem.of(infra, NOW, List.of(new AppSituation(app, Placement.of(Map.of("v1", "a", "v2", "mars")), List.of())));
    rejected(() -> PlanFixtures.planner().plan(p), "mars", "v2");
    // the evaluator alone too
    rejected(() -> new PlacementEvaluator(app, Placement.all(app.vmNames(), "a"), PlanFixtures.alone(infra))
        .evaluate(Placement.all(app.vmNames(), "mars")), "mars");
  }

  @Test
  void negativeOrMissingNumbersInTheModel() {
    rejected(() -> PriceSchedule.flat(-0.1), "-0.1");
    rejected(() -> PriceSchedule.flat(Double.NaN), "NaN");
    rejected(() -> new PriceSchedule(Map.of("small", Map.of())), "small");
    rejected(() -> new Capacity(-1, 4, 1), "-1");
    rejected(() -> new Capacity(1, -4, 1), "-4");
    rejected(() -> new NetworkPath(Duration.ofMillis(1), -5), "bandwidth", "-5");
    rejected(() -> new NetworkPath(Duration.ofMillis(1), 0), "bandwidth");
    rejected(() -> new NetworkPath(Duration.ofMillis(-1), 100), "latency");
    rejected(() -> new Site("s", new Capacity(1, 1, 1), 0, PriceSchedule.flat(1), 0, Map.of(), PlanFixtures.LAN, List.of()), "CPU speed");
    rejected(() -> new Site("s", new Capacity(1, 1, 1), 1, PriceSchedule.flat(1), -0.01, Map.of(), PlanFixtures.LAN, List.of()), "transfer price");
    rejected(() -> new Site("s", new Capacity(1, 1, 1), 1, PriceSchedule.flat(1), 0, Map.of("t", -1.0), PlanFixtures.LAN, List.of()), "to t");
    rejected(() -> new Vm("v", "small", 0, 1, 0), "v");
    rejected(() -> new Vm("v", "small", 1, 1, -1), "dirty");
    rejected(() -> new Vm("v", "small", 1, 1, Double.NaN), "dirty");
    rejected(() -> new Workload(-1, 0, 0, TrafficMatrix.zero(List.of("v"))), "total work");
    rejected(() -> new Workload(10, 11, 0, TrafficMatrix.zero(List.of("v"))), "done");
    rejected(() -> new Workload(10, 0, Double.NaN, TrafficMatrix.zero(List.of("v"))), "syncs");
    List<Vm> one = List.of(PlanFixtures.vm("v"));
    Workload w = new Workload(10, 0, 0, TrafficMatrix.zero(List.of("v")));
    rejected(() -> new Application("x", one, w, Objective.TIME, Optional.empty(), Optional.of(-1.0), 0), "budget");
    rejected(() -> new Application("x", one, w, Objective.TIME, Optional.empty(), Optional.empty(), -5), "spent");
    rejected(() -> new Application("x", one, w, Objective.TIME, Optional.empty(), Optional.empty(), Double.NaN), "spent");
  }

  @Test
  void inconsistentInfrastructure() {
    Site a = PlanFixtures.site("a", 1, 1, 0.1);
    Site b = PlanFixtures.site("b", 1, 1, 0.1);
    rejected(() -> new Infrastructure(List.of(a, a), List.of(), Optional.of(PlanFixtures.LAN)), "'a'", "twice");
    rejected(() -> new Infrastructure(List.of(a, b), List.of(), Optional.empty()), "no link between a and b");
    rejected(() -> new Infrastructure(List.of(a), List.of(new Link("a", "z", PlanFixtures.LAN)), Optional.empty()), "'z'");
    rejected(() -> new Link("a", "a", PlanFixtures.LAN), "itself");
  }

  @Test
  void aDemandNoSiteCanHoldIsADecisionWithItsReason() {
    // five VMs, three slots in all: not an exception but a decision that says why
    Application big = app("big", "v1", "v2", "v3", "v4", "v5");
    PlanningProblem p = PlanningProblem.of(infra, NOW, List.of(new AppSituation(big, Placement.EMPTY, List.of())));
    for (PlannerSettings settings : List.of(PlannerSettings.defaults(), PlannerSettings.defaults().withExhaustiveLimit(1))) {
      Plan plan = PlanFixtures.planner(settings).plan(p);
      AppDecision d = plan.decision("big").orElseThrow();
      assertFalse(d.moves());
      assertFalse(d.chosen().feasible());
      assertTrue(d.reason().contains("cannot be placed") && d.reason().contains("capacity"), d.method() + ": " + d.reason());
      assertTrue(plan.steps().isEmpty());
      assertEquals(List.of(), PlacementChecker.check(p, plan, settings));
    }
    // with another application that fits: it is placed, the big one is refused
    Application small = app("small", "s1");
    PlanningProblem both = PlanningProblem.of(infra, NOW, List.of(new AppSituation(big, Placement.EMPTY, List.of()),
        new AppSituation(small, Placement.EMPTY, List.of())));
    Plan plan = PlanFixtures.planner().plan(both);
    assertTrue(plan.decision("small").orElseThrow().moves());
    assertFalse(plan.decision("big").orElseThrow().moves());
    assertEquals(List.of(), PlacementChecker.check(both, plan, PlannerSettings.defaults()));
  }

  @Test
  void twoApplicationsSharingAVmName() {
    PlanningProblem p = PlanningProblem.of(infra, NOW, List.of(new AppSituation(app("one", "v1", "v2"), Placement.EMPTY, List.of()),
        new AppSituation(app("two", "v2"), Placement.EMPTY, List.of())));
    rejected(() -> PlanFixtures.planner().plan(p), "v2", "two applications");
  }

  @Test
  void inconsistentApplications() {
    List<Vm> twice = List.of(PlanFixtures.vm("v1"), PlanFixtures.vm("v1"));
    rejected(() -> new Application("x", twice, new Workload(10, 0, 0, TrafficMatrix.zero(List.of("v1"))), Objective.TIME,
        Optional.empty(), Optional.empty(), 0), "v1", "twice");
    rejected(() -> new Application("x", List.of(PlanFixtures.vm("v1")), new Workload(10, 0, 0, TrafficMatrix.zero(List.of("v9"))),
        Objective.TIME, Optional.empty(), Optional.empty(), 0), "v9");
    // a size no site prices
    Application tiny = new Application("x", List.of(new Vm("v1", "tiny", 1, 1, 0)), new Workload(10, 0, 0, TrafficMatrix.zero(List.of("v1"))),
        Objective.TIME, Optional.empty(), Optional.empty(), 0);
    Site sized = new Site("a", new Capacity(2, 8, 1L << 34), 1, new PriceSchedule(Map.of("small", Map.of(Instant.EPOCH, 0.1))), 0, Map.of(),
        PlanFixtures.LAN, List.of());
    Infrastructure priced = new Infrastructure(List.of(sized), List.of(), Optional.empty());
    rejected(() -> PlanFixtures.planner().plan(PlanningProblem.of(priced, NOW, List.of(new AppSituation(tiny, Placement.EMPTY, List.of())))),
        "tiny", "v1");
    // capacity reserved on a site that does not exist
    rejected(() -> PlanFixtures.planner().plan(new PlanningProblem(infra, NOW, List.of(), Map.of("pluto", new Capacity(1, 1, 1)), Map.of())),
        "pluto");
  }
}
