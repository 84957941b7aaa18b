package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Workload;

/**
 * Migrations ordered so that no site ever holds more than its capacity: every VM takes one slot,
 * a site of capacity n holds n VMs.
 */
class MigrationOrdererTest {

  private static final Capacity ONE = new Capacity(1, 1, 1);

  private static Capacity slots(int n) {
    return new Capacity(n, n, n);
  }

  private static Migration m(String vm, String from, String to) {
    return new Migration("app", vm, from, to, MigrationEstimate.NONE, 0);
  }

  private static final MigrationOrderer.MigrationFactory FACTORY = (orig, from, to) -> m(orig.vm(), from, to);

  private static MigrationOrderer.Ordering order(List<Migration> ms, Map<String, Integer> capacity, Map<String, Integer> usage) {
    Map<String, Capacity> cap = new HashMap<>();
    capacity.forEach((s, n) -> cap.put(s, slots(n)));
    Map<String, Capacity> used = new HashMap<>();
    usage.forEach((s, n) -> used.put(s, slots(n)));
    return MigrationOrderer.order(ms, cap, used, vm -> ONE, FACTORY);
  }

  /** Replays the steps from {@code at}: never over capacity, each from where the VM is; returns where the VMs end. */
  private static Map<String, String> replay(List<Plan.Step> steps, Map<String, String> at, Map<String, Integer> capacity) {
    Map<String, String> where = new HashMap<>(at);
    Map<String, Integer> used = new HashMap<>();
    at.values().forEach(s -> used.merge(s, 1, Integer::sum));
    for (Plan.Step step : steps) {
      Migration mg = step.migration();
      assertEquals(where.get(mg.vm()), mg.from(), "step " + step.order() + " starts where " + mg.vm() + " is");
      used.merge(mg.to(), 1, Integer::sum);
      used.merge(mg.from(), -1, Integer::sum);
      assertTrue(used.get(mg.to()) <= capacity.get(mg.to()), "step " + step.order() + " overfills " + mg.to());
      where.put(mg.vm(), mg.to());
    }
    return where;
  }

  private static List<String> names(List<Plan.Step> steps) {
    List<String> out = new ArrayList<>();
    steps.forEach(s -> out.add(s.migration().vm() + ":" + s.migration().from() + ">" + s.migration().to() + (s.temporary() ? "*" : "")));
    return out;
  }

  @Test
  void aSwapBetweenFullSitesGoesThroughAThirdSite() {
    // a holds a1, a2 and b holds b1, b2, both full (2 slots); c has one slot free. Swap a1 <-> b1:
    // neither fits directly. a1 goes to c first (temporary), then b1 to a (a1's slot), then a1 on to b.
    Map<String, Integer> capacity = Map.of("a", 2, "b", 2, "c", 1);
    Map<String, String> at = Map.of("a1", "a", "a2", "a", "b1", "b", "b2", "b");
    MigrationOrderer.Ordering o = order(List.of(m("a1", "a", "b"), m("b1", "b", "a")), capacity, Map.of("a", 2, "b", 2));
    assertTrue(o.complete());
    assertEquals(List.of("a1:a>c*", "b1:b>a", "a1:c>b"), names(o.steps()));
    assertEquals(List.of(1, 2, 3), o.steps().stream().map(Plan.Step::order).toList());
    Map<String, String> end = replay(o.steps(), at, capacity);
    assertEquals(Map.of("a1", "b", "a2", "a", "b1", "a", "b2", "b"), end);
  }

  @Test
  void withNoRoomAnywhereTheMigrationsAreReportedUnordered() {
    Map<String, Integer> capacity = Map.of("a", 2, "b", 2);
    List<Migration> swap = List.of(m("a1", "a", "b"), m("b1", "b", "a"));
    MigrationOrderer.Ordering o = order(swap, capacity, Map.of("a", 2, "b", 2));
    assertFalse(o.complete());
    assertTrue(o.steps().isEmpty());
    assertEquals(swap, o.unordered());
    // a third site exists but is full too
    MigrationOrderer.Ordering full = order(swap, Map.of("a", 2, "b", 2, "c", 1), Map.of("a", 2, "b", 2, "c", 1));
    assertFalse(full.complete());
    assertEquals(2, full.unordered().size());
  }

  @Test
  void aChainIsOrderedFromItsEnd() {
    // x: a -> b and y: b -> c, given in that order; b is full (y), c has room. y must go first.
    Map<String, Integer> capacity = Map.of("a", 1, "b", 1, "c", 1);
    Map<String, String> at = Map.of("x", "a", "y", "b");
    MigrationOrderer.Ordering o = order(List.of(m("x", "a", "b"), m("y", "b", "c")), capacity, Map.of("a", 1, "b", 1));
    assertTrue(o.complete());
    assertEquals(List.of("y:b>c", "x:a>b"), names(o.steps()));
    assertEquals(Map.of("x", "b", "y", "c"), replay(o.steps(), at, capacity));
  }

  @Test
  void aLongerChainAndAThreeWayCycle() {
    // chain w: a -> b, x: b -> c, y: c -> d, d empty: y, x, w.
    Map<String, Integer> cap4 = Map.of("a", 1, "b", 1, "c", 1, "d", 1);
    MigrationOrderer.Ordering chain = order(List.of(m("w", "a", "b"), m("x", "b", "c"), m("y", "c", "d")), cap4,
        Map.of("a", 1, "b", 1, "c", 1));
    assertEquals(List.of("y:c>d", "x:b>c", "w:a>b"), names(chain.steps()));
    // cycle w: a -> b, x: b -> c, y: c -> a, all full, d free: one hop through d breaks it
    Map<String, String> at = Map.of("w", "a", "x", "b", "y", "c");
    MigrationOrderer.Ordering cycle = order(List.of(m("w", "a", "b"), m("x", "b", "c"), m("y", "c", "a")), cap4,
        Map.of("a", 1, "b", 1, "c", 1));
    assertTrue(cycle.complete());
    assertEquals(1, cycle.steps().stream().filter(Plan.Step::temporary).count());
    assertEquals(4, cycle.steps().size());
    assertEquals(Map.of("w", "b", "x", "c", "y", "a"), replay(cycle.steps(), at, cap4));
  }

  @Test
  void migrationsThatFitKeepTheirOrder() {
    Map<String, Integer> capacity = Map.of("a", 3, "b", 3);
    MigrationOrderer.Ordering o = order(List.of(m("p", "a", "b"), m("q", "a", "b")), capacity, Map.of("a", 2));
    assertEquals(List.of("p:a>b", "q:a>b"), names(o.steps()));
    assertTrue(o.steps().stream().noneMatch(Plan.Step::temporary));
  }

  /**
   * The planner's swap: two full sites whose groups are crossed; the only site with room is not
   * available now (its reservation starts in an hour). No VM may go there, even for a moment: the
   * application must stay put rather than pass through it.
   */
  @Test
  void theTemporaryStepNeverUsesASiteUnavailableNow() {
    List<String> vms = List.of("a1", "a2", "b1", "b2");
    // heavy traffic a1 <-> b1 and a2 <-> b2, none inside the current sites
    double t = 50e6;
    double[][] bytes = {{0, 0, t, 0}, {0, 0, 0, t}, {t, 0, 0, 0}, {0, t, 0, 0}};
    Application app = PlanFixtures.app("app", vms.stream().map(PlanFixtures::vm).toList(),
        new Workload(36_000, 0, 10, PlanFixtures.traffic(vms, bytes)), Objective.TIME);
    Placement current = Placement.of(Map.of("a1", "a", "a2", "a", "b1", "b", "b2", "b"));
    Site later = PlanFixtures.site("c", 8, 1, 0.1, 0.02,
        List.of(new AvailabilityWindow(PlanFixtures.NOW.plusSeconds(3600), PlanFixtures.NOW.plusSeconds(86_400))));
    Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", 2, 1, 0.1), PlanFixtures.site("b", 2, 1, 0.1), later),
        new org.vmflock.model.NetworkPath(Duration.ofMillis(10), 100e6));
    PlanningProblem problem = PlanningProblem.of(infra, PlanFixtures.NOW, List.of(new AppSituation(app, current, List.of())));
    Plan plan = PlanFixtures.planner(PlanFixtures.raw()).plan(problem);
    AppDecision d = plan.decision("app").orElseThrow();
    assertTrue(plan.steps().stream().noneMatch(s -> s.migration().to().equals("c")), "a step onto c, unavailable now: " + names(plan.steps()));
    assertFalse(d.moves(), d.reason());
    assertTrue(d.reason().contains("cannot be ordered"), d.reason());
    assertTrue(PlacementChecker.check(problem, plan, PlanFixtures.raw()).isEmpty());
    // with c available now, the swap goes through it and ends crossed
    Infrastructure open = infra.with(later.withAvailability(List.of()));
    PlanningProblem openProblem = PlanningProblem.of(open, PlanFixtures.NOW, List.of(new AppSituation(app, current, List.of())));
    Plan through = PlanFixtures.planner(PlanFixtures.raw()).plan(openProblem);
    AppDecision moved = through.decision("app").orElseThrow();
    assertTrue(moved.moves(), moved.reason());
    assertEquals(List.of(), PlanFixtures.replay(openProblem, through));
    assertEquals(List.of(), PlacementChecker.check(openProblem, through, PlanFixtures.raw()));
  }
}
