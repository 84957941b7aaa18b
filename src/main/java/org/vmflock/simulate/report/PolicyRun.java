package org.vmflock.simulate.report;

import java.util.List;

/**
 * One policy's run of a scenario: the applications' results (in the scenario's order), the
 * timeline, and how the run went (cycles, the slowest cycle, invariant checks).
 */
public record PolicyRun(String policy, List<AppResult> applications, List<TimelinePoint> timeline, RunStats stats) {

  public PolicyRun {
    applications = List.copyOf(applications);
    timeline = List.copyOf(timeline);
  }

  /**
   * @param simulatedSeconds simulated time covered
   * @param cycles MAPE cycles run
   * @param decisions decisions made
   * @param invariantChecks checks that every VM runs in exactly one place and no site exceeds its capacity (all passed)
   * @param forcedEvacuations VMs the platform moved because a site's availability ended with them still there
   */
  public record RunStats(double simulatedSeconds, long cycles, long decisions, long invariantChecks, long forcedEvacuations, long rolledBack) {}
}
