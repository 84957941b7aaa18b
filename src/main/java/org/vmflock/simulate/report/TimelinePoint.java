package org.vmflock.simulate.report;

import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The state of one policy's run at one instant (sampled every period): how many VMs each site
 * hosts, what has been spent so far, migrations running, applications finished, and what each of
 * the first {@link #COSTED_APPLICATIONS} applications to arrive has spent so far (the report draws
 * their costs over time when a scenario has no more).
 */
public record TimelinePoint(String policy, Instant at, SortedMap<String, Integer> vmsPerSite, double cumulativeCost,
    int runningMigrations, int finishedApplications, SortedMap<String, Double> costPerApplication) {

  /** Applications whose cost is sampled at each point, at most: a scenario of thousands keeps its timeline small. */
  public static final int COSTED_APPLICATIONS = 24;

  /** A point without the applications' own costs. */
  public TimelinePoint(String policy, Instant at, SortedMap<String, Integer> vmsPerSite, double cumulativeCost, int runningMigrations,
      int finishedApplications) {
    this(policy, at, vmsPerSite, cumulativeCost, runningMigrations, finishedApplications, new TreeMap<>());
  }
}
