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
    Optional<Boolean> deadlineMet) {

  public double totalCost() {
    return hostingCost + transferCost + migrationCost;
  }
}
