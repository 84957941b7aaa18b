package org.vmflock.simulate.report;

import java.util.List;

/**
 * One policy's run summed up for the report's summary table: how many applications finished, how
 * long they took, what they cost and how much moved. Completion times count an unfinished
 * application until the end of the simulation (as {@link AppResult} does), so a policy that leaves
 * applications unfinished gets a lower bound, never a flattering gap.
 *
 * @param meanCompletionSeconds NaN when the run has no application
 * @param worstCompletionSeconds NaN when the run has no application
 * @param deadlines applications that have a deadline
 */
public record PolicySummary(
    String policy,
    int applications,
    int finished,
    double meanCompletionSeconds,
    double worstCompletionSeconds,
    double hostingCost,
    double transferCost,
    double migrationCost,
    long migrations,
    double bytesMoved,
    double interSiteBytes,
    int deadlines,
    int deadlinesMet,
    PolicyRun.RunStats stats) {

  public static PolicySummary of(PolicyRun run) {
    return of(run.policy(), run.applications(), run.stats());
  }

  /** The summary of {@code apps} (all of one policy's run, or a group of them). */
  public static PolicySummary of(String policy, List<AppResult> apps, PolicyRun.RunStats stats) {
    int finished = 0;
    int deadlines = 0;
    int met = 0;
    long migrations = 0;
    double completion = 0;
    double worst = Double.NaN;
    double hosting = 0;
    double transfer = 0;
    double migration = 0;
    double moved = 0;
    double interSite = 0;
    for (AppResult a : apps) {
      finished += a.finishedAt().isPresent() ? 1 : 0;
      completion += a.completionSeconds();
      worst = Double.isNaN(worst) ? a.completionSeconds() : Math.max(worst, a.completionSeconds());
      hosting += a.hostingCost();
      transfer += a.transferCost();
      migration += a.migrationCost();
      migrations += a.migrations();
      moved += a.bytesMoved();
      interSite += a.interSiteBytes();
      if (a.deadlineMet().isPresent()) {
        deadlines++;
        met += a.deadlineMet().get() ? 1 : 0;
      }
    }
    double mean = apps.isEmpty() ? Double.NaN : completion / apps.size();
    return new PolicySummary(policy, apps.size(), finished, mean, worst, hosting, transfer, migration, migrations, moved,
        interSite, deadlines, met, stats);
  }

  public static List<PolicySummary> of(SimulationReport report) {
    return report.runs().stream().map(PolicySummary::of).toList();
  }

  public int unfinished() {
    return applications - finished;
  }

  public int deadlinesMissed() {
    return deadlines - deadlinesMet;
  }

  public double totalCost() {
    return hostingCost + transferCost + migrationCost;
  }
}
