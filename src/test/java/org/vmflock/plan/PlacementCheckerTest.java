package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Workload;

/**
 * Hand-made plans, wrong in one way each, against the checker. Sites of 2 slots: a, b; c is
 * reserved from an hour from now only; d is available until 10 minutes from now. The application
 * "app" runs v1, v2 on a; "other" runs o1, o2 on b (so b is full).
 */
class PlacementCheckerTest {

  private static final Instant NOW = PlanFixtures.NOW;
  private static final PlannerSettings SETTINGS = PlannerSettings.defaults(); // 10 min cool-down

  private final Infrastructure infra = PlanFixtures.infra(List.of(
      PlanFixtures.site("a", 2, 1, 0.1),
      PlanFixtures.site("b", 2, 1, 0.1),
      PlanFixtures.site("c", 2, 1, 0.1, 0.02, List.of(PlanFixtures.window(NOW.plusSeconds(3600), NOW.plusSeconds(86_400)))),
      PlanFixtures.site("d", 2, 1, 0.1, 0.02, List.of(PlanFixtures.window(NOW.minusSeconds(3600), NOW.plusSeconds(600))))),
      PlanFixtures.LAN);

  private static Application app(String name, List<String> vms) {
    return PlanFixtures.app(name, vms.stream().map(PlanFixtures::vm).toList(), new Workload(1000, 0, 0, TrafficMatrix.zero(vms)),
        Objective.TIME);
  }

  private final Application app = app("app", List.of("v1", "v2"));
  private final Application other = app("other", List.of("o1", "o2"));
  private final Placement onA = Placement.all(app.vmNames(), "a");

  private PlanningProblem problem(Map<String, Instant> lastMigrated, AppSituation... apps) {
    return new PlanningProblem(infra, NOW, List.of(apps), Map.of(), lastMigrated);
  }

  private PlanningProblem problem() {
    return problem(Map.of(), new AppSituation(app, onA, List.of()), new AppSituation(other, Placement.all(other.vmNames(), "b"), List.of()));
  }

  private static Prediction prediction(Placement p, double seconds, List<ForcedMove> forced, List<Migration> ms) {
    return new Prediction(p, true, "", NOW.plusSeconds((long) seconds), seconds, seconds, seconds, Cost.ZERO, ms, forced, true, true, 0);
  }

  private static Migration m(String app, String vm, String from, String to) {
    return new Migration(app, vm, from, to, MigrationEstimate.NONE, 0);
  }

  private static List<Plan.Step> steps(Migration... ms) {
    List<Plan.Step> out = new ArrayList<>();
    for (Migration m : ms) {
      out.add(new Plan.Step(out.size() + 1, m, false));
    }
    return out;
  }

  private AppDecision stays(Application a, Placement p) {
    Prediction stay = prediction(p, 1000, List.of(), List.of());
    return new AppDecision(a.name(), false, "stays", stay, stay, List.of(), "hand", 0);
  }

  private AppDecision moves(Application a, Placement from, Placement to, List<ForcedMove> forced, double seconds, Migration... ms) {
    return new AppDecision(a.name(), true, "moves", prediction(from, 1000, List.of(), List.of()),
        prediction(to, seconds, forced, List.of(ms)), List.of(ms), "hand", 0);
  }

  private static String all(List<PlacementChecker.Violation> v) {
    return v.toString();
  }

  private static void assertCaught(List<PlacementChecker.Violation> v, String fragment) {
    assertTrue(v.stream().anyMatch(x -> x.what().contains(fragment)), "expected a violation with '" + fragment + "', got " + v);
  }

  @Test
  void aGoodPlanPasses() {
    // v1 goes to d, which has room; d's availability ends 600 s from now, before the 1000 s finish,
    // and the prediction counts the forced move back; other stays on b
    Migration m1 = m("app", "v1", "a", "d");
    Placement split = Placement.of(Map.of("v1", "d", "v2", "a"));
    Plan good = new Plan(NOW, List.of(moves(app, onA, split, List.of(new ForcedMove(NOW.plusSeconds(600), "d", "a", List.of("v1"))),
        1000, m1), stays(other, Placement.all(other.vmNames(), "b"))), steps(m1));
    assertEquals(List.of(), PlacementChecker.check(problem(), good, SETTINGS));
    // and the planner's own plan for this problem
    PlanningProblem p = problem();
    Plan planned = PlanFixtures.planner().plan(p);
    assertEquals(List.of(), PlacementChecker.check(p, planned, SETTINGS), planned.decisions().toString());
  }

  @Test
  void overCapacityAtTheEnd() {
    // v1, v2 onto b, which other fills: 4 VMs on 2 slots
    Migration m1 = m("app", "v1", "a", "b");
    Migration m2 = m("app", "v2", "a", "b");
    Plan bad = new Plan(NOW, List.of(moves(app, onA, Placement.all(app.vmNames(), "b"), List.of(), 1000, m1, m2),
        stays(other, Placement.all(other.vmNames(), "b"))), steps(m1, m2));
    List<PlacementChecker.Violation> v = PlacementChecker.check(problem(), bad, SETTINGS);
    assertCaught(v, "site b over capacity after the plan");
    assertCaught(v, "exceeds the capacity of b");
  }

  @Test
  void aNewApplicationPlacedBeyondCapacity() {
    // a new application of three VMs placed on a alone (2 slots); nothing else runs there
    Application fresh = app("fresh", List.of("n1", "n2", "n3"));
    PlanningProblem p = problem(Map.of(), new AppSituation(fresh, Placement.EMPTY, List.of()));
    Prediction none = Prediction.infeasible(Placement.EMPTY, "not placed yet");
    AppDecision d = new AppDecision("fresh", true, "initial", none, prediction(Placement.all(fresh.vmNames(), "a"), 1000, List.of(),
        List.of()), List.of(), "hand", 0);
    List<PlacementChecker.Violation> v = PlacementChecker.check(p, new Plan(NOW, List.of(d), List.of()), SETTINGS);
    assertCaught(v, "site a over capacity after the plan");
    // two of three on a and one on b fits
    AppDecision ok = new AppDecision("fresh", true, "initial", none, prediction(Placement.of(Map.of("n1", "a", "n2", "a", "n3", "b")),
        1000, List.of(), List.of()), List.of(), "hand", 0);
    assertEquals(List.of(), PlacementChecker.check(p, new Plan(NOW, List.of(ok), List.of()), SETTINGS));
  }

  @Test
  void aStepOverCapacity() {
    // swap v1 (a) with o1 (b), both sites full, without a temporary step: the first step overfills
    // b although the end fits
    Migration m1 = m("app", "v1", "a", "b");
    Migration m2 = m("other", "o1", "b", "a");
    Plan bad = new Plan(NOW, List.of(
        moves(app, onA, Placement.of(Map.of("v1", "b", "v2", "a")), List.of(), 1000, m1),
        moves(other, Placement.all(other.vmNames(), "b"), Placement.of(Map.of("o1", "a", "o2", "b")), List.of(), 1000, m2)),
        steps(m1, m2));
    List<PlacementChecker.Violation> v = PlacementChecker.check(problem(), bad, SETTINGS);
    assertCaught(v, "step 1 (v1 a -> b) exceeds the capacity of b");
    assertTrue(v.stream().noneMatch(x -> x.what().contains("after the plan")), all(v));
    assertEquals(1, v.size(), all(v));
  }

  @Test
  void aVmLeftUnplaced() {
    Migration m1 = m("app", "v1", "a", "d");
    Plan bad = new Plan(NOW, List.of(moves(app, onA, Placement.of(Map.of("v1", "d")),
        List.of(new ForcedMove(NOW.plusSeconds(600), "d", "a", List.of("v1"))), 1000, m1),
        stays(other, Placement.all(other.vmNames(), "b"))), steps(m1));
    assertCaught(PlacementChecker.check(problem(), bad, SETTINGS), "VM v2 has no site");
  }

  @Test
  void aSiteUnavailableNow() {
    Migration m1 = m("app", "v1", "a", "c");
    Plan bad = new Plan(NOW, List.of(moves(app, onA, Placement.of(Map.of("v1", "c", "v2", "a")), List.of(), 1000, m1),
        stays(other, Placement.all(other.vmNames(), "b"))), steps(m1));
    List<PlacementChecker.Violation> v = PlacementChecker.check(problem(), bad, SETTINGS);
    assertCaught(v, "placed on c, which is not available now");
    assertCaught(v, "moves onto c, which is not available now");
  }

  @Test
  void aTemporaryStepOntoASiteUnavailableNow() {
    // the decision is right (v1 to d) but the steps pass through c for a moment
    Migration m1 = m("app", "v1", "a", "d");
    Placement split = Placement.of(Map.of("v1", "d", "v2", "a"));
    List<Plan.Step> viaC = List.of(new Plan.Step(1, m("app", "v1", "a", "c"), true), new Plan.Step(2, m("app", "v1", "c", "d"), false));
    Plan bad = new Plan(NOW, List.of(moves(app, onA, split, List.of(new ForcedMove(NOW.plusSeconds(600), "d", "a", List.of("v1"))),
        1000, m1), stays(other, Placement.all(other.vmNames(), "b"))), viaC);
    List<PlacementChecker.Violation> v = PlacementChecker.check(problem(), bad, SETTINGS);
    assertCaught(v, "step 1 (v1 a -> c) moves onto c, which is not available now");
    assertEquals(1, v.size(), all(v));
  }

  @Test
  void anEndOfAvailabilityWithoutAForcedMove() {
    // d ends 600 s from now, the prediction finishes at 1000 s and counts no forced move
    Migration m1 = m("app", "v1", "a", "d");
    Placement split = Placement.of(Map.of("v1", "d", "v2", "a"));
    Plan bad = new Plan(NOW, List.of(moves(app, onA, split, List.of(), 1000, m1), stays(other, Placement.all(other.vmNames(), "b"))),
        steps(m1));
    assertCaught(PlacementChecker.check(problem(), bad, SETTINGS), "site d is available until");
    // finishing before the end needs no forced move
    Plan quick = new Plan(NOW, List.of(moves(app, onA, split, List.of(), 500, m1), stays(other, Placement.all(other.vmNames(), "b"))),
        steps(m1));
    assertEquals(List.of(), PlacementChecker.check(problem(), quick, SETTINGS));
  }

  @Test
  void aMoveDuringTheCoolDown() {
    Migration m1 = m("app", "v1", "a", "d");
    Placement split = Placement.of(Map.of("v1", "d", "v2", "a"));
    List<ForcedMove> forced = List.of(new ForcedMove(NOW.plusSeconds(600), "d", "a", List.of("v1")));
    Plan plan = new Plan(NOW, List.of(moves(app, onA, split, forced, 1000, m1), stays(other, Placement.all(other.vmNames(), "b"))),
        steps(m1));
    PlanningProblem recent = problem(Map.of("v1", NOW.minus(Duration.ofMinutes(5))), new AppSituation(app, onA, List.of()),
        new AppSituation(other, Placement.all(other.vmNames(), "b"), List.of()));
    assertCaught(PlacementChecker.check(recent, plan, SETTINGS), "moves VM v1 during its cool-down");
    // 11 minutes ago is outside the 10-minute cool-down
    PlanningProblem old = problem(Map.of("v1", NOW.minus(Duration.ofMinutes(11))), new AppSituation(app, onA, List.of()),
        new AppSituation(other, Placement.all(other.vmNames(), "b"), List.of()));
    assertEquals(List.of(), PlacementChecker.check(old, plan, SETTINGS));
  }

  @Test
  void stepsThatDoNotEndAtThePlannedPlacement() {
    Migration m1 = m("app", "v1", "a", "d");
    Migration m2 = m("app", "v2", "a", "d");
    List<ForcedMove> forced = List.of(new ForcedMove(NOW.plusSeconds(600), "d", "a", List.of("v1", "v2")));
    Plan bad = new Plan(NOW, List.of(moves(app, onA, Placement.all(app.vmNames(), "d"), forced, 1000, m1, m2),
        stays(other, Placement.all(other.vmNames(), "b"))), steps(m1));
    assertCaught(PlacementChecker.check(problem(), bad, SETTINGS), "after the steps VM v2 is on a, not d");
    // a step from the wrong site
    Plan wrongFrom = new Plan(NOW, List.of(moves(app, onA, Placement.all(app.vmNames(), "d"), forced, 1000, m1, m2),
        stays(other, Placement.all(other.vmNames(), "b"))), steps(m1, m("app", "v2", "b", "d")));
    assertCaught(PlacementChecker.check(problem(), wrongFrom, SETTINGS), "moves v2 from b but it is on a");
  }

  @Test
  void givingUpADeadlineThatStayingKept() {
    Migration m1 = m("app", "v1", "a", "d");
    Placement split = Placement.of(Map.of("v1", "d", "v2", "a"));
    List<ForcedMove> forced = List.of(new ForcedMove(NOW.plusSeconds(600), "d", "a", List.of("v1")));
    Prediction late = new Prediction(split, true, "", NOW.plusSeconds(1000), 1000, 1000, 1000, Cost.ZERO, List.of(m1), forced,
        false, true, 0);
    AppDecision d = new AppDecision("app", true, "moves", prediction(onA, 900, List.of(), List.of()), late, List.of(m1), "hand", 0);
    Plan bad = new Plan(NOW, List.of(d, stays(other, Placement.all(other.vmNames(), "b"))), steps(m1));
    assertCaught(PlacementChecker.check(problem(), bad, SETTINGS), "gives up its deadline or budget");
  }
}
