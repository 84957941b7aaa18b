package org.vmflock.simulate.report;

import java.util.List;

/**
 * One policy's run of a scenario: the applications' results (in the scenario's order), the
 * timeline, how the run went (cycles, invariant checks), and the decisions that changed something,
 * in order.
 */
public record PolicyRun(String policy, List<AppResult> applications, List<TimelinePoint> timeline, RunStats stats,
    List<DecisionLine> decisions) {

  public PolicyRun {
    applications = List.copyOf(applications);
    timeline = List.copyOf(timeline);
    decisions = List.copyOf(decisions);
  }

  /** A run whose decisions are not reported. */
  public PolicyRun(String policy, List<AppResult> applications, List<TimelinePoint> timeline, RunStats stats) {
    this(policy, applications, timeline, stats, List.of());
  }

  /**
   * @param simulatedSeconds simulated time covered
   * @param cycles MAPE cycles run
   * @param decisions decisions made
   * @param invariantChecks checks that every VM runs in exactly one place and no site exceeds its capacity (all passed)
   * @param forcedEvacuations VMs the platform moved because a site's availability ended with them still there
   * @param rolledBack migrations rolled back (the VM stayed at its source): after a fault, or a reservation the destination refused
   */
  public record RunStats(double simulatedSeconds, long cycles, long decisions, long invariantChecks, long forcedEvacuations, long rolledBack) {}
}
