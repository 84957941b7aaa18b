package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.plan.PlanFixtures.MB;
import static org.vmflock.plan.PlanFixtures.NOW;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/**
 * A live migration that does not converge (the VM dirties its memory faster than the path carries
 * it: QEMU's pre-copy never switches over) makes every placement that needs it infeasible: the
 * planner does not choose it, however much faster the destination, and says why. The textbook
 * model used to price it as a long stop-and-copy, and the planner chose it.
 */
class NonConvergingMigrationTest {

  /** 100 MB/s between {@code slow} (speed 1) and {@code fast} (speed 3, the same price). */
  private static final NetworkPath PATH = new NetworkPath(Duration.ofMillis(10), 100 * MB);

  private static Infrastructure infra(List<AvailabilityWindow> slowWindows) {
    Site slow = PlanFixtures.site("slow", 4, 1, 0.1, 0.02, slowWindows);
    Site fast = PlanFixtures.site("fast", 4, 3, 0.1, 0.02, List.of());
    return PlanFixtures.infra(List.of(slow, fast), PATH);
  }

  /** One VM of 1 GB dirtying {@code dirtyMbPerSecond}, ten hours of work, on {@code slow}. */
  private static AppSituation onSlow(double dirtyMbPerSecond) {
    Vm vm = PlanFixtures.vm("v1", 1_000_000_000L, dirtyMbPerSecond * MB);
    Application app = PlanFixtures.app("job", List.of(vm), new Workload(10 * 3600, 0, 0, TrafficMatrix.zero(List.of("v1"))), Objective.TIME);
    return new AppSituation(app, Placement.all(List.of("v1"), "slow"), List.of(List.of("v1")));
  }

  private static AppDecision plan(QemuPreCopyModel migrations, double dirtyMbPerSecond) {
    PlanningProblem problem = PlanningProblem.of(infra(List.of()), NOW, List.of(onSlow(dirtyMbPerSecond)));
    Planner planner = new Planner(PlanFixtures.raw(), new BspExecutionModel(), migrations);
    Plan plan = planner.plan(problem);
    assertEquals(List.of(), PlacementChecker.check(problem, plan, planner.settings()));
    return plan.decisions().get(0);
  }

  @Test
  void aVmThatConvergesMovesToTheFasterSite() {
    AppDecision d = plan(PlanFixtures.MIGRATIONS, 10);
    assertTrue(d.moves(), d.reason());
    assertEquals("fast", d.chosen().placement().siteOf("v1").orElseThrow());
    assertTrue(d.chosen().migrations().get(0).estimate().converged());
  }

  @Test
  void aVmDirtyingFasterThanThePathStaysWithTheTextbookModel() {
    AppDecision d = plan(PlanFixtures.MIGRATIONS, 150);
    assertFalse(d.moves(), "moved by a migration that never converges: " + d.reason());
    assertTrue(d.stay().feasible());
  }

  @Test
  void aVmDirtyingFasterThanThePathStaysWithTheCalibratedModel() {
    QemuPreCopyModel calibrated = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated());
    assertTrue(plan(calibrated, 10).moves(), "the calibrated model moves a VM that converges");
    AppDecision d = plan(calibrated, 150);
    assertFalse(d.moves(), "moved by a migration that never converges: " + d.reason());
  }

  @Test
  void theEvaluatorSaysWhyTheMoveIsInfeasible() {
    AppSituation a = onSlow(150);
    PlacementEvaluator evaluator = new PlacementEvaluator(a.app(), a.current(), PlanningContext.alone(infra(List.of()), NOW,
        new BspExecutionModel(), PlanFixtures.MIGRATIONS));
    Prediction move = evaluator.evaluate(Placement.all(List.of("v1"), "fast"));
    assertFalse(move.feasible());
    assertTrue(move.infeasibility().contains("would not converge"), move.infeasibility());
    // and the evaluator stays usable: staying evaluates as before (no state left by the early stop)
    assertTrue(evaluator.evaluate(a.current()).feasible());
  }

  @Test
  void aForcedMoveThatCannotConvergeMakesStayingInfeasibleToo() {
    // slow's availability ends in an hour: staying counts a move off it then, which cannot converge
    Infrastructure ending = infra(List.of(new AvailabilityWindow(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofHours(1)))));
    AppSituation a = onSlow(150);
    PlacementEvaluator evaluator = new PlacementEvaluator(a.app(), a.current(), PlanningContext.alone(ending, NOW, new BspExecutionModel(),
        PlanFixtures.MIGRATIONS));
    Prediction stay = evaluator.evaluate(a.current());
    assertFalse(stay.feasible());
    assertTrue(stay.infeasibility().contains("would not converge"), stay.infeasibility());
  }
}
