package org.vmflock.plan;

/**
 * An application's time on one site as a power of the machine's load average, fitted on its runs
 * there: {@code seconds = scale * max(load, 1) ^ exponent}. On a shared machine whose MPI ranks
 * busy-poll, the load sets most of a run's time (the lab's LAMMPS on one site: 7.5 s at load 4.2,
 * 53.8 s at load 28); the compute term of a forecast is this curve at the run's load.
 *
 * @param scale seconds at load 1 (or below)
 * @param exponent how the time grows with the load
 */
public record LoadCurve(double scale, double exponent) {

  public LoadCurve {
    if (!(scale > 0) || Double.isInfinite(scale) || Double.isNaN(exponent) || Double.isInfinite(exponent)) {
      throw new IllegalArgumentException("load curve: scale " + scale + " must be > 0 and finite, exponent " + exponent + " finite");
    }
  }

  /** The time at {@code load} (a load below 1 counts as 1). */
  public double seconds(double load) {
    return scale * Math.pow(Math.max(load, 1), exponent);
  }

  /**
   * The least-squares fit of log(seconds) on log(load) over runs at the given loads; with one run,
   * or all at one load, a constant curve at their geometric mean.
   */
  public static LoadCurve fit(double[] loads, double[] seconds) {
    int n = loads.length;
    if (n == 0 || seconds.length != n) {
      throw new IllegalArgumentException("load curve: " + n + " loads and " + seconds.length + " times: need as many, at least one");
    }
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      if (!(seconds[i] > 0)) {
        throw new IllegalArgumentException("load curve: time " + seconds[i] + " must be > 0");
      }
      mx += Math.log(Math.max(loads[i], 1)) / n;
      my += Math.log(seconds[i]) / n;
    }
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      double dx = Math.log(Math.max(loads[i], 1)) - mx;
      sxy += dx * (Math.log(seconds[i]) - my);
      sxx += dx * dx;
    }
    double b = sxx > 1e-12 ? sxy / sxx : 0;
    return new LoadCurve(Math.exp(my - b * mx), b);
  }
}
