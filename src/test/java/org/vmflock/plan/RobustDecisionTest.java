package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Workload;

/**
 * A move judged at the pessimistic end of its estimate (P3, S1). One VM of 2 GiB (it dirties
 * nothing) on site a, 10 000 work seconds left, time objective; site b is 1.25x faster, behind a
 * 0.7 MB/s path: the pre-copy takes about 3 070 s, during which the VM keeps running at a. With no
 * observation yet, the calibrated estimator's 95 % interval is the prior's, exp(+-1.96 x 0.25) =
 * [0.61, 1.63] of the run. At the centre, moving finishes in 3 070 + 6 930 / 1.25 = 8 610 s against
 * 10 000 s: a gain of 1 390 s, above the 500 s required (5 %). If the application is as short as
 * the low end says, staying takes 6 100 s and moving 3 070 + 0.61 x 5 540 = 6 450 s: the move loses.
 */
class RobustDecisionTest {

  private static final List<String> VMS = List.of("v1");

  private static AppDecision decide(PlannerSettings settings, double speedOfB) {
    Application app = PlanFixtures.app("solver", List.of(PlanFixtures.vm("v1", 2 * PlanFixtures.GIB, 0)),
        new Workload(10_000, 0, 0, TrafficMatrix.zero(VMS)), Objective.TIME);
    Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", 4, 1, 0.1), PlanFixtures.site("b", 4, speedOfB, 0.1)),
        new NetworkPath(Duration.ofMillis(1), 0.7e6));
    PlanningProblem problem = new PlanningProblem(infra, PlanFixtures.NOW, List.of(new AppSituation(app, Placement.all(VMS, "a"), List.of(VMS))),
        Map.of(), Map.of());
    Planner planner = new Planner(settings, new CalibratedEstimator(new BspExecutionModel(), 0.25, 0.3), PlanFixtures.MIGRATIONS);
    return planner.plan(problem).decision("solver").orElseThrow();
  }

  @Test
  void aMoveThatGainsOnlyAtTheCentreOfItsEstimateIsNotTaken() {
    AppDecision centre = decide(PlannerSettings.defaults().withPessimism(false), 1.25);
    assertTrue(centre.moves(), "at the centre the move gains enough: " + centre.reason());
    AppDecision pessimistic = decide(PlannerSettings.defaults(), 1.25);
    assertFalse(pessimistic.moves(), "at the low end the migration is not paid back: " + pessimistic.reason());
    assertTrue(pessimistic.reason().contains("at the pessimistic end of its interval"), pessimistic.reason());
  }

  @Test
  void aMoveThatGainsAtBothEndsIsTaken() {
    // b twice as fast: at the low end, staying takes 6 100 s and moving 3 070 + 0.61 x 3 465 = 5 200 s
    AppDecision d = decide(PlannerSettings.defaults(), 2);
    assertTrue(d.moves(), d.reason());
  }

  @Test
  void theWorstGainIsTakenAtTheSameEndOfBothEstimates() {
    // the errors of two placements of one application come from one estimator: a move is not judged
    // with staying at one end of its interval and moving at the other
    AppDecision d = decide(PlannerSettings.defaults().withPessimism(false), 1.25);
    Prediction stay = d.stay();
    Prediction best = d.chosen();
    double worst = Planner.worstGain(stay, best, Objective.TIME, stay);
    double lowEnd = stay.remainingLowSeconds() - best.remainingLowSeconds();
    double highEnd = stay.remainingHighSeconds() - best.remainingHighSeconds();
    assertTrue(Math.abs(worst - Math.min(lowEnd, highEnd)) < 1e-6, worst + " vs " + lowEnd + ", " + highEnd);
    assertTrue(lowEnd < 0 && highEnd > 0, "the move loses if the run is short, gains if long: " + lowEnd + ", " + highEnd);
  }
}
