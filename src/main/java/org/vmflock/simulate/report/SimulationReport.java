package org.vmflock.simulate.report;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.vmflock.model.TrafficMatrix;

/**
 * What {@code vmflock simulate} reports: the scenario, its seed, its sites (in order), one run per
 * policy, and each profile's traffic per work second (for the heatmaps). Nothing in it depends on
 * the wall clock, so the same scenario and seed give byte-identical files.
 */
public record SimulationReport(String scenario, long seed, Instant start, List<String> sites, List<PolicyRun> runs,
    SortedMap<String, TrafficMatrix> trafficByProfile) {

  public SimulationReport {
    sites = List.copyOf(sites);
    runs = List.copyOf(runs);
  }

  public Map<String, PolicyRun> byPolicy() {
    java.util.LinkedHashMap<String, PolicyRun> m = new java.util.LinkedHashMap<>();
    runs.forEach(r -> m.put(r.policy(), r));
    return m;
  }
}
