package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
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

/**
 * Finish and cost of a placement, by hand. Sites a and b join over 100 MB/s with 10 ms latency.
 * Prices are chosen to make seconds easy: 3.6 per VM-hour is 0.001 per second, 7.2 is 0.002,
 * 0.36 is 0.0001. A VM has 1000 MB of memory and dirties 10 MB/s, so migrating it over the link
 * takes (default model: 0.3 s target downtime, 0.1 s resume) a pre-copy of 10 + 1 = 11 s, then a
 * pause of 10 MB / 100 MB/s + 0.01 s latency + 0.1 s resume = 0.21 s: 11.21 s in all, 1110 MB sent.
 */
class PlacementEvaluatorTest {

  private static final double MB = 1e6;
  private static final Instant NOW = PlanFixtures.NOW;
  private static final NetworkPath LINK = new NetworkPath(Duration.ofMillis(10), 100 * MB);
  private static final double EPS = 1e-9;

  private static Site site(String name, int slots, double speed, PriceSchedule hosting, double transferPerGb, List<AvailabilityWindow> windows) {
    return new Site(name, new Capacity(slots, slots * 4, slots * 8 * PlanFixtures.GIB), speed, hosting, transferPerGb, Map.of(),
        PlanFixtures.LAN, windows);
  }

  private static Infrastructure infra(Site a, Site b) {
    return new Infrastructure(List.of(a, b), List.of(new Link(a.name(), b.name(), LINK)), Optional.empty());
  }

  private static Vm vm(String name) {
    return new Vm(name, "small", 1, 1_000_000_000L, 10 * MB);
  }

  private static Application oneVm(double work) {
    List<String> vms = List.of("v1");
    return PlanFixtures.app("app", List.of(vm("v1")), new Workload(work, 0, 0, TrafficMatrix.zero(vms)), Objective.TIME);
  }

  private static Prediction evaluate(Application app, Placement current, Placement target, Infrastructure infra) {
    PlanningContext ctx = PlanningContext.alone(infra, NOW, new BspExecutionModel(),
        PlanFixtures.MIGRATIONS);
    return new PlacementEvaluator(app, current, ctx).evaluate(target);
  }

  @Test
  void stayingPutPaysHostingAndTransfer() {
    // v1 on a, v2 on b, speed 1 both, 0.36 per VM-hour both; transfer from a 0.02 per GB, from b 0.05.
    // v1 -> v2 1 MB, v2 -> v1 0.5 MB per work second, no barrier: max(1, max(1/100, 0.5/100)) = 1 s
    // per work second (the transfers overlap the compute); 1000 work seconds -> 1000 s.
    // Hosting: 2 VMs x 1000 s x 0.0001 = 0.2. Transfer: 1000 x (1 MB x 0.02 + 0.5 MB x 0.05) / GB
    // = 1000 x (2e-5 + 2.5e-5) = 0.045.
    Infrastructure infra = infra(site("a", 4, 1, PriceSchedule.flat(0.36), 0.02, List.of()),
        site("b", 4, 1, PriceSchedule.flat(0.36), 0.05, List.of()));
    List<String> vms = List.of("v1", "v2");
    Application app = PlanFixtures.app("app", List.of(vm("v1"), vm("v2")),
        new Workload(1000, 0, 0, PlanFixtures.traffic(vms, new double[][] {{0, 1 * MB}, {0.5 * MB, 0}})), Objective.TIME);
    Placement split = Placement.of(Map.of("v1", "a", "v2", "b"));
    Prediction p = evaluate(app, split, split, infra);
    assertTrue(p.feasible() && p.acceptable());
    assertEquals(1000, p.remainingSeconds(), EPS);
    assertEquals(NOW.plusSeconds(1000), p.finish());
    assertEquals(0.2, p.cost().hosting(), EPS);
    assertEquals(0.045, p.cost().transfer(), EPS);
    assertEquals(0, p.cost().migration(), 0);
    assertTrue(p.migrations().isEmpty() && p.forced().isEmpty());
    assertEquals(1.5 * MB, p.interSiteBytesPerWork(), EPS);
  }

  @Test
  void aMigrationRunsAtTheOldPaceDuringTheCopyAndPausesForTheDowntime() {
    // v1 moves from a (speed 1, 0.001/s) to b (speed 2, 0.002/s); transfer a -> b 0.05 per GB.
    // During the 11 s pre-copy it runs on a: 11 work seconds done. Paused 0.21 s. Then 989 work
    // seconds at 0.5 s each on b: 494.5 s. Remaining: 11 + 0.21 + 494.5 = 505.71 s.
    // Hosting: a until the VM runs on b, 11.21 s x 0.001 = 0.01121; b afterwards 494.5 x 0.002 =
    // 0.989; total 1.00021. Migration: 1.11 GB x 0.05 = 0.0555, plus b hosting the copy 11.21 s x
    // 0.002 = 0.02242: 0.07792.
    Infrastructure infra = infra(site("a", 4, 1, PriceSchedule.flat(3.6), 0.05, List.of()),
        site("b", 4, 2, PriceSchedule.flat(7.2), 0.05, List.of()));
    Application app = oneVm(1000);
    Prediction p = evaluate(app, Placement.all(List.of("v1"), "a"), Placement.all(List.of("v1"), "b"), infra);
    assertTrue(p.feasible());
    assertEquals(1, p.migrations().size());
    Migration m = p.migrations().get(0);
    assertEquals("a", m.from());
    assertEquals("b", m.to());
    assertEquals(11.21, m.estimate().totalSeconds(), EPS);
    assertEquals(0.21, m.estimate().downtimeSeconds(), EPS);
    assertEquals(0.07792, m.cost(), EPS);
    assertEquals(505.71, p.remainingSeconds(), EPS);
    assertEquals(NOW.plusMillis(505_710), p.finish());
    assertEquals(1.00021, p.cost().hosting(), EPS);
    assertEquals(0.07792, p.cost().migration(), EPS);
    assertEquals(0, p.cost().transfer(), 0);
  }

  @Test
  void twoMigrationsOverOnePathCopyOneAfterTheOtherAndBothPause() {
    // v1 and v2 (no traffic) move a -> b over the one link: pre-copies 11 + 11 = 22 s (22 work
    // seconds done on a), pauses 0.21 + 0.21 = 0.42 s, then 978 work seconds at 0.5 s on b = 489 s.
    // Remaining 22.42 + 489 = 511.42 s. Hosting: a 2 x 22.42 x 0.001 = 0.04484, b 2 x 489 x 0.002
    // = 1.956: 2.00084. Migration 2 x 0.07792 = 0.15584.
    Infrastructure infra = infra(site("a", 4, 1, PriceSchedule.flat(3.6), 0.05, List.of()),
        site("b", 4, 2, PriceSchedule.flat(7.2), 0.05, List.of()));
    List<String> vms = List.of("v1", "v2");
    Application app = PlanFixtures.app("app", List.of(vm("v1"), vm("v2")), new Workload(1000, 0, 0, TrafficMatrix.zero(vms)),
        Objective.TIME);
    Prediction p = evaluate(app, Placement.all(vms, "a"), Placement.all(vms, "b"), infra);
    assertEquals(2, p.migrations().size());
    assertEquals(511.42, p.remainingSeconds(), EPS);
    assertEquals(2.00084, p.cost().hosting(), EPS);
    assertEquals(0.15584, p.cost().migration(), EPS);
  }

  @Test
  void hostingIntegratesAPriceChangeMidRun() {
    // a costs 3.6 per VM-hour until now + 400 s, then 7.2. One VM, 1000 s at speed 1:
    // 400 x 0.001 + 600 x 0.002 = 0.4 + 1.2 = 1.6.
    PriceSchedule schedule = new PriceSchedule(Map.of(PriceSchedule.ANY_SIZE, Map.of(Instant.EPOCH, 3.6, NOW.plusSeconds(400), 7.2)));
    Infrastructure infra = infra(site("a", 4, 1, schedule, 0.05, List.of()), site("b", 4, 1, PriceSchedule.flat(7.2), 0.05, List.of()));
    Application app = oneVm(1000);
    Placement onA = Placement.all(List.of("v1"), "a");
    Prediction p = evaluate(app, onA, onA, infra);
    assertEquals(1000, p.remainingSeconds(), EPS);
    assertEquals(1.6, p.cost().hosting(), EPS);
  }

  @Test
  void aSiteWhoseAvailabilityEndsForcesACountedMove() {
    // a is available until now + 400 s; v1 needs 1000 s there. At 400 s (400 work seconds done) it
    // moves to b (speed 1): the copy ran before, the application loses the 0.21 s pause, then runs
    // the last 600 work seconds on b. Finish: 400 + 0.21 + 600 = 1000.21 s.
    // Hosting: a 400 x 0.001 = 0.4; b from 400 s to the finish, 600.21 s x 0.002 = 1.20042; total
    // 1.60042. Migration: 1.11 GB x 0.05 = 0.0555 plus b hosting the 11.21 s copy 0.02242 = 0.07792.
    Site a = site("a", 4, 1, PriceSchedule.flat(3.6), 0.05, List.of(new AvailabilityWindow(NOW.minusSeconds(3600), NOW.plusSeconds(400))));
    Site b = site("b", 4, 1, PriceSchedule.flat(7.2), 0.05, List.of());
    Application app = oneVm(1000);
    Placement onA = Placement.all(List.of("v1"), "a");
    Prediction p = evaluate(app, onA, onA, infra(a, b));
    assertTrue(p.feasible(), p.infeasibility());
    assertEquals(List.of(new ForcedMove(NOW.plusSeconds(400), "a", "b", List.of("v1"))), p.forced());
    assertTrue(p.migrations().isEmpty(), "a forced move is later, not now");
    assertEquals(1000.21, p.remainingSeconds(), EPS);
    assertEquals(NOW.plusMillis(1_000_210), p.finish());
    assertEquals(1.60042, p.cost().hosting(), EPS);
    assertEquals(0.07792, p.cost().migration(), EPS);
    // the same without the end of availability: 1000 s and 1.0, both less
    Prediction free = evaluate(app, onA, onA, infra(a.withAvailability(List.of()), b));
    assertEquals(1000, free.remainingSeconds(), EPS);
    assertEquals(1.0, free.cost().total(), EPS);
    assertTrue(p.remainingSeconds() > free.remainingSeconds() && p.cost().total() > free.cost().total());
  }

  @Test
  void anEndOfAvailabilityWithNowhereToGoIsInfeasible() {
    Site a = site("a", 4, 1, PriceSchedule.flat(3.6), 0.05, List.of(new AvailabilityWindow(NOW.minusSeconds(3600), NOW.plusSeconds(400))));
    Placement onA = Placement.all(List.of("v1"), "a");
    // b has no room
    Prediction full = evaluate(oneVm(1000), onA, onA, infra(a, site("b", 0, 1, PriceSchedule.flat(7.2), 0.05, List.of())));
    assertFalse(full.feasible());
    assertTrue(full.infeasibility().contains("available only until"), full.infeasibility());
    assertEquals(Double.POSITIVE_INFINITY, full.remainingSeconds());
    // b is available now but not any more at 400 s
    Site bEndsFirst = site("b", 4, 1, PriceSchedule.flat(7.2), 0.05, List.of(new AvailabilityWindow(NOW.minusSeconds(3600), NOW.plusSeconds(300))));
    assertFalse(evaluate(oneVm(1000), onA, onA, infra(a, bEndsFirst)).feasible());
    // an application that finishes before the end needs no move: 300 s < 400 s
    Prediction shortRun = evaluate(oneVm(300), onA, onA, infra(a, bEndsFirst));
    assertTrue(shortRun.feasible() && shortRun.forced().isEmpty());
    assertEquals(300, shortRun.remainingSeconds(), EPS);
  }

  @Test
  void aSiteNotAvailableNowIsInfeasible() {
    Site later = site("b", 4, 1, PriceSchedule.flat(7.2), 0.05, List.of(new AvailabilityWindow(NOW.plusSeconds(60), NOW.plusSeconds(7200))));
    Infrastructure infra = infra(site("a", 4, 1, PriceSchedule.flat(3.6), 0.05, List.of()), later);
    Prediction p = evaluate(oneVm(1000), Placement.all(List.of("v1"), "a"), Placement.all(List.of("v1"), "b"), infra);
    assertFalse(p.feasible());
    assertTrue(p.infeasibility().contains("not available now"), p.infeasibility());
  }

  @Test
  void deadlineAndBudgetFlags() {
    // The first test's placement: finish now + 1000 s, cost 0.2 + 0.045 = 0.245.
    Infrastructure infra = infra(site("a", 4, 1, PriceSchedule.flat(0.36), 0.02, List.of()),
        site("b", 4, 1, PriceSchedule.flat(0.36), 0.05, List.of()));
    List<String> vms = List.of("v1", "v2");
    Workload w = new Workload(1000, 0, 0, PlanFixtures.traffic(vms, new double[][] {{0, 1 * MB}, {0.5 * MB, 0}}));
    Placement split = Placement.of(Map.of("v1", "a", "v2", "b"));
    java.util.function.BiFunction<Optional<Instant>, Optional<Double>, Prediction> with = (deadline, budget) -> evaluate(
        new Application("app", List.of(vm("v1"), vm("v2")), w, Objective.TIME, deadline, budget, 0.1), split, split, infra);
    Prediction onTime = with.apply(Optional.of(NOW.plusSeconds(1000)), Optional.of(0.35)); // 0.1 spent + 0.245 = 0.345 <= 0.35
    assertTrue(onTime.meetsDeadline() && onTime.withinBudget() && onTime.acceptable());
    Prediction late = with.apply(Optional.of(NOW.plusSeconds(999)), Optional.empty());
    assertFalse(late.meetsDeadline());
    assertTrue(late.feasible() && !late.acceptable());
    Prediction tooDear = with.apply(Optional.empty(), Optional.of(0.34)); // 0.345 > 0.34
    assertFalse(tooDear.withinBudget());
    assertTrue(tooDear.meetsDeadline() && !tooDear.acceptable());
  }
}
