package org.vmflock.simulate.report;

import java.time.Instant;
import java.util.SortedMap;

/**
 * The state of one policy's run at one instant (sampled every period): how many VMs each site
 * hosts, what has been spent so far, migrations running, applications finished.
 */
public record TimelinePoint(String policy, Instant at, SortedMap<String, Integer> vmsPerSite, double cumulativeCost,
    int runningMigrations, int finishedApplications) {}
