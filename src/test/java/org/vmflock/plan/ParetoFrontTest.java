package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/**
 * The time / cost trade-off of one application. Sites of 4 slots: fast f (speed 2, 1.0 per
 * VM-hour), medium m (speed 1, 0.3), slow s (speed 0.5, 0.1). A new application of three VMs that
 * do not talk, 3600 work seconds: all on f takes 1800 s and costs 3 x 0.5 h x 1.0 = 1.5; all on m
 * 3600 s and 3 x 1 h x 0.3 = 0.9; all on s 7200 s and 3 x 2 h x 0.1 = 0.6. A split runs at its
 * slowest site's pace and pays the dearer sites meanwhile: always dominated.
 */
class ParetoFrontTest {

  private static final Instant NOW = PlanFixtures.NOW;
  private static final double EPS = 1e-9;

  private static Infrastructure infra(boolean withMedium) {
    List<Site> sites = new ArrayList<>(List.of(PlanFixtures.site("f", 4, 2, 1.0), PlanFixtures.site("s", 4, 0.5, 0.1)));
    if (withMedium) {
      sites.add(PlanFixtures.site("m", 4, 1, 0.3));
    }
    return PlanFixtures.infra(sites, new NetworkPath(Duration.ofMillis(10), 100e6));
  }

  private static Application app(Optional<Instant> deadline) {
    List<String> vms = List.of("v1", "v2", "v3");
    return new Application("app", vms.stream().map(PlanFixtures::vm).toList(), new Workload(3600, 0, 0, TrafficMatrix.zero(vms)),
        Objective.balanced(0.5), deadline, Optional.empty(), 0);
  }

  private static List<Prediction> front(Infrastructure infra, Application app) {
    PlanningProblem p = PlanningProblem.of(infra, NOW, List.of(new AppSituation(app, Placement.EMPTY, List.of())));
    return PlanFixtures.planner().paretoFront(p, "app");
  }

  /** Every placement of the application, evaluated: what the front is checked against. */
  private static List<Prediction> everything(Infrastructure infra, Application app) {
    List<Prediction> all = new ArrayList<>();
    PlacementEvaluator ev = new PlacementEvaluator(app, Placement.EMPTY, PlanFixtures.alone(infra));
    int n = infra.sites().size();
    for (int k = 0; k < n * n * n; k++) {
      Map<String, String> p = new HashMap<>();
      int x = k;
      for (String vm : app.vmNames()) {
        p.put(vm, infra.sites().get(x % n).name());
        x /= n;
      }
      all.add(ev.evaluate(Placement.of(p)));
    }
    return all;
  }

  private static boolean dominates(Prediction a, Prediction b) {
    return a.remainingSeconds() <= b.remainingSeconds() && a.cost().total() <= b.cost().total()
        && (a.remainingSeconds() < b.remainingSeconds() || a.cost().total() < b.cost().total());
  }

  private static void assertIsTheFront(List<Prediction> front, List<Prediction> all) {
    for (Prediction p : front) {
      assertTrue(p.acceptable(), "on the front but not acceptable: " + p.placement());
      for (Prediction q : all) {
        assertFalse(q.acceptable() && dominates(q, p), q.placement() + " dominates " + p.placement());
      }
    }
    // and every acceptable point that nothing dominates is on it (same time and cost)
    for (Prediction q : all) {
      if (q.acceptable() && all.stream().noneMatch(o -> o.acceptable() && dominates(o, q))) {
        assertTrue(front.stream().anyMatch(p -> Math.abs(p.remainingSeconds() - q.remainingSeconds()) < EPS
            && Math.abs(p.cost().total() - q.cost().total()) < EPS), "missing from the front: " + q.placement());
      }
    }
    for (int i = 1; i < front.size(); i++) {
      assertTrue(front.get(i).remainingSeconds() > front.get(i - 1).remainingSeconds(), "fastest first");
      assertTrue(front.get(i).cost().total() < front.get(i - 1).cost().total(), "then cheaper");
    }
  }

  @Test
  void theFrontHoldsTheFastAndTheCheapExtremes() {
    Infrastructure infra = infra(false);
    Application app = app(Optional.empty());
    List<Prediction> front = front(infra, app);
    assertEquals(2, front.size(), front.toString());
    assertEquals(Placement.all(app.vmNames(), "f"), front.get(0).placement());
    assertEquals(1800, front.get(0).remainingSeconds(), EPS);
    assertEquals(1.5, front.get(0).cost().total(), EPS);
    assertEquals(Placement.all(app.vmNames(), "s"), front.get(1).placement());
    assertEquals(7200, front.get(1).remainingSeconds(), EPS);
    assertEquals(0.6, front.get(1).cost().total(), EPS);
    assertIsTheFront(front, everything(infra, app));
  }

  @Test
  void aMiddleSiteIsOnTheFrontBetweenThem() {
    Infrastructure infra = infra(true);
    Application app = app(Optional.empty());
    List<Prediction> front = front(infra, app);
    assertEquals(List.of("f", "m", "s"), front.stream().map(p -> p.placement().siteOf("v1").orElseThrow()).toList());
    assertEquals(3600, front.get(1).remainingSeconds(), EPS);
    assertEquals(0.9, front.get(1).cost().total(), EPS);
    assertIsTheFront(front, everything(infra, app));
  }

  @Test
  void aDeadlineLeavesOnlyAcceptablePoints() {
    // finish within 4000 s: all on s (7200 s) is out; f and m stay
    Infrastructure infra = infra(true);
    Application app = app(Optional.of(NOW.plusSeconds(4000)));
    List<Prediction> front = front(infra, app);
    assertEquals(List.of("f", "m"), front.stream().map(p -> p.placement().siteOf("v1").orElseThrow()).toList());
    assertIsTheFront(front, everything(infra, app));
  }

  @Test
  void theHeuristicFrontOfALargerApplicationHasNoDominatedPoint() {
    // 8 VMs in two chatty halves on the three sites: 3^8 = 6561 placements over the exhaustive
    // limit of 1000 set here, so the front comes from the heuristic run for eleven weights
    List<String> vms = List.of("v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8");
    double[][] bytes = new double[8][8];
    for (int i = 0; i < 8; i++) {
      for (int j = 0; j < 8; j++) {
        bytes[i][j] = i != j && i / 4 == j / 4 ? 20e6 : 0;
      }
    }
    List<Vm> list = vms.stream().map(PlanFixtures::vm).toList();
    Application app = new Application("app", list, new Workload(3600, 0, 10, PlanFixtures.traffic(vms, bytes)), Objective.TIME,
        Optional.empty(), Optional.empty(), 0);
    Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("f", 4, 2, 1.0), PlanFixtures.site("s", 8, 0.5, 0.1),
        PlanFixtures.site("m", 4, 1, 0.3)), new NetworkPath(Duration.ofMillis(10), 100e6));
    PlanningProblem p = PlanningProblem.of(infra, NOW, List.of(new AppSituation(app, Placement.EMPTY,
        List.of(vms.subList(0, 4), vms.subList(4, 8)))));
    List<Prediction> front = PlanFixtures.planner(PlannerSettings.defaults().withExhaustiveLimit(1000)).paretoFront(p, "app");
    assertTrue(front.size() >= 2, front.toString());
    for (Prediction a : front) {
      assertTrue(a.acceptable());
      for (Prediction b : front) {
        assertFalse(dominates(a, b), a.placement() + " dominates " + b.placement());
      }
    }
    // the cheapest point is all on s (8 slots): 3600 / 0.5 = 7200 s plus the LAN exchange
    assertEquals(Placement.all(vms, "s"), front.get(front.size() - 1).placement());
  }

  @Test
  void theFrontOfHandMadePredictions() {
    Prediction fast = point("a", 100, 9);
    Prediction dominated = point("b", 150, 9.5);
    Prediction middle = point("c", 200, 5);
    Prediction sameAsMiddle = point("d", 200, 5);
    Prediction cheap = point("e", 400, 1);
    Prediction late = new Prediction(Placement.all(List.of("v"), "z"), true, "", NOW, 50, 50, 50, new Cost(0.5, 0, 0), List.of(), List.of(),
        false, true, 0);
    List<Prediction> front = ParetoFront.of(List.of(cheap, dominated, late, sameAsMiddle, fast, middle,
        Prediction.infeasible(Placement.EMPTY, "no")));
    assertEquals(List.of("a", "c", "e"), front.stream().map(p -> p.placement().siteOf("v").orElseThrow()).toList());
  }

  private static Prediction point(String site, double seconds, double cost) {
    return new Prediction(Placement.all(List.of("v"), site), true, "", NOW.plusSeconds((long) seconds), seconds, seconds, seconds,
        new Cost(cost, 0, 0), List.of(), List.of(), true, true, 0);
  }
}
