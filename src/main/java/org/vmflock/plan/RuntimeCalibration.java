package org.vmflock.plan;

import java.util.List;

/**
 * How a forecast from an observed run ({@link RuntimeForecast.Parts}) is calibrated on measured runs.
 *
 * <p>The latency factor is the share of the capture's chained waits between sites that the runs
 * pay: the chain read from a capture counts a message as waiting for every one received before it
 * left, and on a loaded machine some were received just before by chance (the lab's LAMMPS split
 * against its groups: 4,524 crossing hops read from its capture where its runs, 1 to 10 ms apart,
 * grow by about 2,700 one-way delays). The spread is that of log(measured / predicted) over the
 * runs fitted, which the 95 % interval takes (see {@link #fit}).
 *
 * @param latencyFactor the share of the chained waits paid (1: all)
 * @param sigma the spread of log(measured / predicted)
 */
public record RuntimeCalibration(double latencyFactor, double sigma) {

  /** The factors tried when fitting, in steps of {@value #STEP} up to {@value #MAX_FACTOR}. */
  static final double STEP = 0.005;

  static final double MAX_FACTOR = 2;

  /** The smallest spread a fit gives: a few runs fitted exactly say little about the next. */
  static final double MIN_SIGMA = 0.05;

  public RuntimeCalibration {
    if (!(latencyFactor >= 0) || !(sigma >= 0) || Double.isInfinite(latencyFactor) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("calibration: latency factor " + latencyFactor + " and sigma " + sigma + " must be finite, >= 0");
    }
  }

  /** Every chained wait paid, the given spread. */
  public static RuntimeCalibration uncalibrated(double sigma) {
    return new RuntimeCalibration(1, sigma);
  }

  /** A measured run and the parts of its forecast. */
  public record Observation(double measuredSeconds, RuntimeForecast.Parts parts) {}

  /**
   * The latency factor that minimises the squared log error of the forecasts of {@code runs} (a
   * factor per {@value #STEP} from 0 to {@value #MAX_FACTOR}), and the spread of their log errors at
   * that factor: the 95th percentile of |log(measured / predicted)| over 1.96, so that the interval
   * holds 95 % of the runs fitted whatever the shape of their errors (the load's noise has heavy tails;
   * at least {@value #MIN_SIGMA}).
   */
  public static RuntimeCalibration fit(List<Observation> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("calibration: no measured run to fit");
    }
    double best = 1;
    double bestError = Double.POSITIVE_INFINITY;
    for (int i = 0; i * STEP <= MAX_FACTOR + 1e-9; i++) {
      double error = squaredLogError(runs, i * STEP);
      if (error < bestError) {
        bestError = error;
        best = i * STEP;
      }
    }
    RuntimeCalibration c = new RuntimeCalibration(best, 0);
    double[] errors = runs.stream().mapToDouble(o -> Math.abs(Math.log(o.measuredSeconds() / o.parts().forecast(c).predictedSeconds())))
        .sorted().toArray();
    double q95 = errors[Math.min(errors.length - 1, (int) Math.ceil(0.95 * errors.length) - 1)];
    return new RuntimeCalibration(best, Math.max(MIN_SIGMA, q95 / 1.96));
  }

  private static double squaredLogError(List<Observation> runs, double factor) {
    RuntimeCalibration c = new RuntimeCalibration(factor, 0);
    double sum = 0;
    for (Observation o : runs) {
      double e = Math.log(o.measuredSeconds() / o.parts().forecast(c).predictedSeconds());
      sum += e * e;
    }
    return sum;
  }
}
