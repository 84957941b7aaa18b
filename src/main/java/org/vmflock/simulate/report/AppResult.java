package org.vmflock.simulate.report;

import java.time.Instant;
import java.util.Optional;

/**
 * How one application fared under one policy in a simulation (S2): measured by the simulator, not
 * believed by the manager.
 *
 * @param profile the NAS-like profile it was built from, or "custom"
 * @param completionSeconds from its submission to its finish; for one unfinished at the end of the
 *     simulation, to the end (and {@code finishedAt} is empty)
 * @param interSiteBytes what its VMs sent each other across sites
 * @param deadlineMet empty when it has no deadline
 * @param estimate for an application that ran where it was first placed until it finished: the
 *     planner's estimator's time for that placement against the time it took (else empty)
 */
public record AppResult(
    String policy,
    String application,
    String profile,
    int vms,
    String objective,
    Instant submittedAt,
    Optional<Instant> finishedAt,
    double completionSeconds,
    double hostingCost,
    double transferCost,
    double migrationCost,
    int migrations,
    double bytesMoved,
    double interSiteBytes,
    Optional<Instant> deadline,
    Optional<Boolean> deadlineMet,
    Optional<Estimate> estimate) {

  /**
   * The planner's estimator (its execution-time model, uncalibrated, as at the placement) against
   * the simulator's truth, for the placement the application ran on from its start to its finish.
   *
   * @param estimatedSeconds what the estimator predicts for the whole run there
   * @param truthSeconds from its start there to its finish, as the simulator ran it
   */
  public record Estimate(double estimatedSeconds, double truthSeconds) {

    /** estimated / truth - 1. */
    public double error() {
      return estimatedSeconds / truthSeconds - 1;
    }
  }

  /** A result without an estimator check (an emulation, a moved application). */
  public AppResult(String policy, String application, String profile, int vms, String objective, Instant submittedAt,
      Optional<Instant> finishedAt, double completionSeconds, double hostingCost, double transferCost, double migrationCost, int migrations,
      double bytesMoved, double interSiteBytes, Optional<Instant> deadline, Optional<Boolean> deadlineMet) {
    this(policy, application, profile, vms, objective, submittedAt, finishedAt, completionSeconds, hostingCost, transferCost, migrationCost,
        migrations, bytesMoved, interSiteBytes, deadline, deadlineMet, Optional.empty());
  }

  public double totalCost() {
    return hostingCost + transferCost + migrationCost;
  }
}
