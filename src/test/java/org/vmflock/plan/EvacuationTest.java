package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.plan.PlanFixtures.GBPS;
import static org.vmflock.plan.PlanFixtures.MB;
import static org.vmflock.plan.PlanFixtures.NOW;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/**
 * A site whose availability ends: staying there is predicted with a move off it at the end, a move
 * only the manager makes. Once the end is within the evacuation lead (plus the time the VMs take
 * to leave), the VMs there leave, even when staying until the end would have been the best
 * placement (a faster site whose window closes), instead of staying put and being left to the
 * platform.
 */
class EvacuationTest {

  private static final List<String> VMS = List.of("v1", "v2", "v3", "v4");

  /** {@code fast} (speed 1.6) until {@code end}; {@code slow} (0.7) and {@code cloud} (1.2) always. */
  private static Infrastructure infra(Instant end) {
    Site fast = PlanFixtures.site("fast", 8, 1.6, 0.02, 0.02, List.of(new AvailabilityWindow(NOW.minus(Duration.ofHours(3)), end)));
    Site slow = PlanFixtures.site("slow", 8, 0.7, 0.05, 0.02, List.of());
    Site cloud = PlanFixtures.site("cloud", 4, 1.2, 0.12, 0.02, List.of());
    return PlanFixtures.infra(List.of(fast, slow, cloud), new NetworkPath(Duration.ofMillis(10), GBPS));
  }

  /** Four VMs exchanging 5 MB per work second in a ring, ten hours of work left, all on {@code fast}. */
  private static AppSituation onFast(Objective objective) {
    double[][] bytes = new double[4][4];
    for (int i = 0; i < 4; i++) {
      bytes[i][(i + 1) % 4] = 5 * MB;
      bytes[(i + 1) % 4][i] = 5 * MB;
    }
    List<Vm> vms = VMS.stream().map(v -> PlanFixtures.vm(v, 2 * PlanFixtures.GIB, 20 * MB)).toList();
    Application app = PlanFixtures.app("job", vms, new Workload(10 * 3600, 0, 100, PlanFixtures.traffic(VMS, bytes)), objective);
    return new AppSituation(app, Placement.all(VMS, "fast"), List.of(VMS));
  }

  private static AppDecision plan(Duration untilEnd, Map<String, Instant> lastMigrated) {
    PlanningProblem problem = new PlanningProblem(infra(NOW.plus(untilEnd)), NOW, List.of(onFast(Objective.TIME)), Map.of(), lastMigrated);
    Plan plan = PlanFixtures.planner().plan(problem);
    assertEquals(List.of(), PlacementChecker.check(problem, plan, PlanFixtures.planner().settings()));
    return plan.decisions().get(0);
  }

  @Test
  void beforeTheLeadTheFastSiteIsKept() {
    AppDecision d = plan(Duration.ofHours(2), Map.of());
    assertFalse(d.moves(), d.reason());
    assertEquals(1, d.stay().forced().size(), "staying counts the move off fast at its end");
  }

  @Test
  void withinTheLeadTheVmsLeaveEvenThoughStayingWasBest() {
    // 20 minutes before the end (the lead is 30): staying until the end and moving then is still
    // predicted best, but that move can no longer be made in time
    AppDecision d = plan(Duration.ofMinutes(20), Map.of());
    assertTrue(d.moves(), d.reason());
    assertTrue(d.reason().contains("must leave now to be out in time"), d.reason());
    assertTrue(d.chosen().placement().siteOfVm().values().stream().noneMatch("fast"::equals), d.chosen().placement().toString());
    assertEquals(4, d.migrations().size());
    assertTrue(d.chosen().forced().isEmpty(), "nothing left to move later");
  }

  @Test
  void vmsInTheirCoolDownWaitForItsEndTheOthersLeave() {
    AppDecision d = plan(Duration.ofMinutes(20), Map.of("v1", NOW.minusSeconds(60), "v2", NOW.minusSeconds(60)));
    assertTrue(d.moves(), d.reason());
    Map<String, String> sites = d.chosen().placement().siteOfVm();
    assertEquals("fast", sites.get("v1"));
    assertEquals("fast", sites.get("v2"));
    assertTrue(!sites.get("v3").equals("fast") && !sites.get("v4").equals("fast"), sites.toString());
  }

  @Test
  void withEveryVmThereInItsCoolDownItWaits() {
    Map<String, Instant> justNow = Map.of("v1", NOW.minusSeconds(60), "v2", NOW.minusSeconds(60), "v3", NOW.minusSeconds(60), "v4",
        NOW.minusSeconds(60));
    AppDecision d = plan(Duration.ofMinutes(20), justNow);
    assertFalse(d.moves(), d.reason());
    assertTrue(d.reason().contains("in their cool-down"), d.reason());
  }
}
