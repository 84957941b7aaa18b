package org.vmflock.plan;

import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;

/** How long moving a VM over a network path takes, and what it moves (a duration evaluator, as in BtrPlace). */
@FunctionalInterface
public interface MigrationTimeEstimator {

  MigrationEstimate estimate(Vm vm, NetworkPath path);
}
