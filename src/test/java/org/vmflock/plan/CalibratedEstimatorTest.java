package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Workload;

/**
 * Online calibration: the model's rate times exp(mean log(observed / predicted)), with a 95 %
 * interval exp(+-1.96 sd) whose variance mixes the prior (as one observation) and the observed spread.
 */
class CalibratedEstimatorTest {

  private static final double SIGMA0 = 0.25;
  private static final double SMOOTHING = 0.2;

  /** A model that always predicts 2 s per work second. */
  private static final ExecutionTimeEstimator TWO = (app, layout, infra, share) -> 2.0;

  private final Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", 4, 1, 0.1)), PlanFixtures.LAN);
  private final Application app = app("app");

  private static Application app(String name) {
    List<String> vms = List.of(name + "-1");
    return PlanFixtures.app(name, vms.stream().map(PlanFixtures::vm).toList(), new Workload(100, 0, 0, TrafficMatrix.zero(vms)),
        Objective.TIME);
  }

  private double rate(CalibratedEstimator e, Application a) {
    return e.secondsPerWork(a, TrafficLayout.of(a, Placement.all(a.vmNames(), "a"), infra), infra, LinkShare.none(1));
  }

  @Test
  void withoutObservationTheModelAndThePriorInterval() {
    CalibratedEstimator e = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    assertEquals(1.0, e.calibration("app").factor(), 0);
    assertEquals(2.0, rate(e, app), 0);
    // exp(-+1.96 x 0.25) = 0.6126, 1.6323
    double[] u = e.uncertainty(app);
    assertEquals(Math.exp(-1.96 * SIGMA0), u[0], 1e-12);
    assertEquals(Math.exp(1.96 * SIGMA0), u[1], 1e-12);
    assertEquals(0.6126, u[0], 1e-4);
    assertEquals(1.6323, u[1], 1e-4);
  }

  @Test
  void consistentObservationsSetTheFactorAndNarrowTheInterval() {
    CalibratedEstimator e = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    double previousHigh = e.uncertainty(app)[1];
    for (int i = 1; i <= 20; i++) {
      e.observe("app", 2.0, 2.4); // always 1.2 x the model
      double high = e.uncertainty(app)[1];
      assertTrue(high < previousHigh, "the interval narrows with each agreeing observation");
      previousHigh = high;
    }
    // every log ratio is log 1.2: mean log 1.2, no spread; variance = 0.25^2 / (1 + 20) -> sd 0.05455,
    // upper factor exp(1.96 x 0.05455) = 1.1129
    assertEquals(1.2, e.calibration("app").factor(), 1e-12);
    assertEquals(2.4, rate(e, app), 1e-12);
    double sd = SIGMA0 / Math.sqrt(21);
    assertEquals(Math.exp(1.96 * sd), e.uncertainty(app)[1], 1e-12);
    assertEquals(1.1129, e.uncertainty(app)[1], 1e-4);
    assertEquals(1 / 1.1129, e.uncertainty(app)[0], 1e-4);
    // other applications keep the prior
    assertEquals(2.0, rate(e, app("other")), 0);
    assertEquals(Math.exp(1.96 * SIGMA0), e.uncertainty(app("other"))[1], 1e-12);
  }

  @Test
  void theFactorFollowsAChangeOfPace() {
    CalibratedEstimator e = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    for (int i = 0; i < 5; i++) {
      e.observe("app", 2.0, 2.0);
    }
    for (int i = 0; i < 30; i++) {
      e.observe("app", 2.0, 2.4);
    }
    // an exponentially weighted mean: log 1.2 x (1 - 0.8^30) -> factor 1.1996
    assertEquals(Math.exp(Math.log(1.2) * (1 - Math.pow(0.8, 30))), e.calibration("app").factor(), 1e-9);
    assertEquals(1.2, e.calibration("app").factor(), 1e-3);
  }

  @Test
  void noisyObservationsKeepAWideInterval() {
    CalibratedEstimator noisy = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    CalibratedEstimator steady = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    for (int i = 0; i < 40; i++) {
      noisy.observe("app", 2.0, i % 2 == 0 ? 1.6 : 2.5); // 0.8 x and 1.25 x: log ratios -+0.223
      steady.observe("app", 2.0, 2.0);
    }
    // the mean stays near 0 (factor within 5 % of 1); the weighted variance settles near
    // (1 - 0.2) x 0.248^2 = 0.049 (sd 0.22), so the interval stays near exp(+-0.43) = [0.65, 1.54]
    assertEquals(1.0, noisy.calibration("app").factor(), 0.05);
    double[] u = noisy.uncertainty(app);
    assertTrue(u[1] > 1.4 && u[1] < 1.7, "upper factor " + u[1]);
    assertTrue(u[0] < 1 / 1.4 && u[0] > 1 / 1.7, "lower factor " + u[0]);
    double[] s = steady.uncertainty(app);
    assertTrue(u[1] > s[1] && u[0] < s[0], "noise keeps the interval wider than agreement");
    assertTrue(s[1] < 1.08, "40 agreeing observations: sd 0.25 / sqrt(41) -> " + s[1]);
  }

  @Test
  void theEvaluatorSpreadsItsPredictionWithTheInterval() {
    // 100 work seconds at 2 s each = 200 s; the prior interval: 200 x [0.6126, 1.6323]
    CalibratedEstimator e = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    PlanningContext ctx = PlanningContext.alone(infra, PlanFixtures.NOW, e,
        PlanFixtures.MIGRATIONS);
    Prediction p = new PlacementEvaluator(app, Placement.all(app.vmNames(), "a"), ctx).evaluate(Placement.all(app.vmNames(), "a"));
    assertEquals(200, p.remainingSeconds(), 1e-9);
    assertEquals(200 * Math.exp(-1.96 * SIGMA0), p.remainingLowSeconds(), 1e-9);
    assertEquals(200 * Math.exp(1.96 * SIGMA0), p.remainingHighSeconds(), 1e-9);
  }

  @Test
  void invalidInputIsRejected() {
    CalibratedEstimator e = new CalibratedEstimator(TWO, SIGMA0, SMOOTHING);
    assertThrows(IllegalArgumentException.class, () -> e.observe("app", 0, 1));
    assertThrows(IllegalArgumentException.class, () -> e.observe("app", 1, -1));
    assertThrows(IllegalArgumentException.class, () -> e.observe("app", Double.NaN, 1));
    assertThrows(IllegalArgumentException.class, () -> e.observe("app", 1, Double.NaN));
    // no progress in a period gives an infinite rate: it must not poison the calibration (it made
    // the mean infinite, then NaN after the next observation, for good)
    assertThrows(IllegalArgumentException.class, () -> e.observe("app", 1, Double.POSITIVE_INFINITY));
    assertThrows(IllegalArgumentException.class, () -> e.observe("app", Double.POSITIVE_INFINITY, 1));
    assertEquals(0, e.calibration("app").observations(), "a rejected observation leaves no trace");
    assertThrows(IllegalArgumentException.class, () -> new CalibratedEstimator(TWO, 0, 0.2));
    assertThrows(IllegalArgumentException.class, () -> new CalibratedEstimator(TWO, 0.25, 0));
    assertThrows(IllegalArgumentException.class, () -> new CalibratedEstimator(TWO, 0.25, 1.5));
    assertThrows(IllegalArgumentException.class, () -> new CalibratedEstimator(TWO, Double.NaN, 0.2));
  }
}
