package org.vmflock.plan;

import java.util.HashMap;
import java.util.Map;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;

/**
 * A model calibrated online (P1): each observation of an application's real progress (wall seconds
 * per work second) against what the model predicted for the same placement updates a log-normal
 * error model of that application: the estimate is the model's times {@code exp(mean log ratio)},
 * and the 95 % interval {@code exp(+-1.96 sd)}. A prior spread (before any observation) keeps the
 * interval honest until observations agree; the estimate follows recent observations more (an
 * exponentially weighted mean).
 */
public final class CalibratedEstimator implements ExecutionTimeEstimator {

  private static final double Z95 = 1.96;

  private final ExecutionTimeEstimator model;
  private final double priorSigma;
  private final double smoothing;
  private final Map<String, Calibration> byApp = new HashMap<>();

  /**
   * @param priorSigma the spread of log(observed / predicted) assumed before any observation (0.25 is about +-50 % at 95 %)
   * @param smoothing weight of each new observation in the mean, between 0 and 1
   */
  public CalibratedEstimator(ExecutionTimeEstimator model, double priorSigma, double smoothing) {
    if (!(priorSigma > 0) || !(smoothing > 0 && smoothing <= 1)) {
      throw new IllegalArgumentException("calibration: prior sigma > 0 and smoothing in (0, 1]");
    }
    this.model = model;
    this.priorSigma = priorSigma;
    this.smoothing = smoothing;
  }

  /** An application's calibration: how far observations have been from the model so far. */
  public record Calibration(int observations, double meanLogRatio, double varianceLogRatio) {
    /** No observation yet: factor 1. */
    public static final Calibration NONE = new Calibration(0, 0, 0);

    public double factor() {
      return Math.exp(meanLogRatio);
    }
  }

  @Override
  public double secondsPerWork(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    return model.secondsPerWork(app, layout, infra, share) * calibration(app.name()).factor();
  }

  @Override
  public ExecutionBreakdown breakdown(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    return model.breakdown(app, layout, infra, share).scaled(calibration(app.name()).factor());
  }

  @Override
  public double[] uncertainty(Application app) {
    Calibration c = calibration(app.name());
    // the prior counts as one observation of spread priorSigma
    double variance = (priorSigma * priorSigma + c.observations() * c.varianceLogRatio()) / (1 + c.observations());
    double sd = Math.sqrt(variance);
    return new double[] {Math.exp(-Z95 * sd), Math.exp(Z95 * sd)};
  }

  public Calibration calibration(String app) {
    return byApp.getOrDefault(app, Calibration.NONE);
  }

  /**
   * Records that {@code app} progressed at {@code observedSecondsPerWork} where the (uncalibrated)
   * model predicted {@code predictedSecondsPerWork}.
   */
  public Calibration observe(String app, double predictedSecondsPerWork, double observedSecondsPerWork) {
    Calibration next = next(calibration(app), app, predictedSecondsPerWork, observedSecondsPerWork, smoothing);
    byApp.put(app, next);
    return next;
  }

  /** The calibration after one more observation; pure, so knowledge can persist it. */
  public static Calibration next(Calibration c, String app, double predictedSecondsPerWork, double observedSecondsPerWork, double smoothing) {
    // an infinite rate (no progress observed) would make the mean infinite, then NaN, for good
    if (!(predictedSecondsPerWork > 0) || !(observedSecondsPerWork > 0)
        || Double.isInfinite(predictedSecondsPerWork) || Double.isInfinite(observedSecondsPerWork)) {
      throw new IllegalArgumentException("calibration of " + app + ": rates must be positive and finite (predicted "
          + predictedSecondsPerWork + ", observed " + observedSecondsPerWork + ")");
    }
    double r = Math.log(observedSecondsPerWork / predictedSecondsPerWork);
    if (c.observations() == 0) {
      return new Calibration(1, r, 0);
    }
    double mean = c.meanLogRatio() + smoothing * (r - c.meanLogRatio());
    double variance = (1 - smoothing) * (c.varianceLogRatio() + smoothing * (r - c.meanLogRatio()) * (r - c.meanLogRatio()));
    return new Calibration(c.observations() + 1, mean, variance);
  }

  /** Sets an application's calibration (as knowledge recovered it). */
  public void restore(String app, Calibration c) {
    byApp.put(app, c);
  }

  public double smoothing() {
    return smoothing;
  }

  /** The model without calibration, to compare observations with. */
  public ExecutionTimeEstimator model() {
    return model;
  }
}
