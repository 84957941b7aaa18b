package org.vmflock.plan;

import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.plan.ExecutionTimeEstimator;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.TrafficLayout;

/**
 * No execution-time model: one wall second per work second wherever the VMs are. Calibrated by the
 * observed pace, it predicts that an application keeps the pace it has, whatever the placement: the
 * baseline of a manager without an estimator (the report's, S2).
 */
public final class PlacementBlindModel implements ExecutionTimeEstimator {

  @Override
  public double secondsPerWork(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    return 1.0;
  }
}
