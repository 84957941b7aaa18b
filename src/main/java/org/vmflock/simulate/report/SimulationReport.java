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
 *
 * @param currency the ISO 4217 code every cost is in (the scenario's {@code currency})
 * @param freeSites the sites whose hosting price is 0 throughout (in {@code sites}' order)
 */
public record SimulationReport(String scenario, long seed, Instant start, List<String> sites, List<PolicyRun> runs,
    SortedMap<String, TrafficMatrix> trafficByProfile, String currency, List<String> freeSites) {

  /** The currency of a report that names none. */
  public static final String DEFAULT_CURRENCY = "USD";

  public SimulationReport {
    sites = List.copyOf(sites);
    runs = List.copyOf(runs);
    freeSites = List.copyOf(freeSites);
    if (!currency.matches("[A-Z]{3}")) {
      throw new IllegalArgumentException("a currency is an ISO 4217 code, not '" + currency + "'");
    }
  }

  /** A report in the default currency with no free site. */
  public SimulationReport(String scenario, long seed, Instant start, List<String> sites, List<PolicyRun> runs,
      SortedMap<String, TrafficMatrix> trafficByProfile) {
    this(scenario, seed, start, sites, runs, trafficByProfile, DEFAULT_CURRENCY, List.of());
  }

  public Map<String, PolicyRun> byPolicy() {
    java.util.LinkedHashMap<String, PolicyRun> m = new java.util.LinkedHashMap<>();
    runs.forEach(r -> m.put(r.policy(), r));
    return m;
  }
}
