package org.vmflock.plan;

import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;

/**
 * How fast an application progresses on a placement (P1): wall seconds per work second. Pluggable;
 * the default is {@link BspExecutionModel}, usually behind a {@link CalibratedEstimator}.
 */
public interface ExecutionTimeEstimator {

  /** Wall seconds per work second of {@code app} laid out as {@code layout}, sharing links with {@code share}'s applications. */
  double secondsPerWork(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share);

  /** The same estimate by cause; a model that cannot tell puts everything under compute. */
  default ExecutionBreakdown breakdown(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    return new ExecutionBreakdown(secondsPerWork(app, layout, infra, share), 0, 0, 0);
  }

  /**
   * The spread of the estimate for {@code app}: the factors by which the truth may lie below and
   * above it (a 95 % interval); 1 and 1 for a model that claims to be exact.
   */
  default double[] uncertainty(Application app) {
    return new double[] {1, 1};
  }
}
