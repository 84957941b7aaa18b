package org.vmflock.simulate.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.vmflock.model.TrafficMatrix;

/** Reports built by hand for the report's tests: small enough to check by eye, or big enough to load. */
final class SampleReports {

  static final Instant START = Instant.parse("2024-03-01T00:00:00Z");
  static final String LU = "lu \"big\", 8";

  private SampleReports() {}

  /**
   * Three policies, three applications each: cg-1 (deadline met everywhere), ft-1 (unfinished under
   * none, late under none and price-chasing), and lu (no deadline, a name that needs quoting); in
   * euros, nancy free.
   */
  static SimulationReport small() {
    List<PolicyRun> runs = List.of(
        new PolicyRun("none", List.of(
            app("none", "cg-1", "cg", 4, "cost", 0, 3600, 3600, 1.2, 0.05, 0, 0, 0, 1.5e9, 7200, true),
            app("none", "ft-1", "ft", 4, "time", 600, -1, 6600.0004, 2.0, 0.25, 0, 0, 0, 2.5e8, 5400, false),
            app("none", LU, "lu", 8, "cost", 0, 5000, 5000, 3.0, 0, 0, 0, 0, 0, -1, false)),
            timeline("none", 0), new PolicyRun.RunStats(7200, 720, 0, 1440, 0, 0)),
        new PolicyRun("price-chasing", List.of(
            app("price-chasing", "cg-1", "cg", 4, "cost", 0, 3900, 3900, 0.9, 0.15, 0.02, 2, 8589934592.0, 2e9, 7200, true),
            app("price-chasing", "ft-1", "ft", 4, "time", 600, 6000, 5400, 1.5, 1.0 / 3, 0.01, 1, 4294967296.0, 3e8, 5400,
                false),
            app("price-chasing", LU, "lu", 8, "cost", 0, 5200, 5200, 2.4, 0.1, 0.02, 2, 1.7e10, 1e9, -1, false)),
            timeline("price-chasing", 1), new PolicyRun.RunStats(7200, 720, 9, 1440, 1, 2)),
        new PolicyRun("vmflock", List.of(
            app("vmflock", "cg-1", "cg", 4, "cost", 0, 3500, 3500, 0.95, 0.01, 0.01, 1, 4294967296.0, 1e8, 7200, true),
            app("vmflock", "ft-1", "ft", 4, "time", 600, 5300, 4700, 1.6, 0.05, 0.01, 1, 4294967296.0, 5e7, 5400, true),
            app("vmflock", LU, "lu", 8, "cost", 0, 4900, 4900, 2.6, 0, 0.015, 1, 8589934592.0, 0, -1, false)),
            timeline("vmflock", 2), new PolicyRun.RunStats(7200, 720, 4, 1440, 0, 0)));
    SortedMap<String, TrafficMatrix> traffic = new TreeMap<>();
    traffic.put("cg", ring(4, 1.2e6));
    traffic.put("ft", ring(4, 3.5e7));
    traffic.put("lu", ring(8, 8e5));
    return new SimulationReport("two <sites> & a third", 42, START, List.of("lyon", "rennes", "nancy"), runs, traffic, "EUR",
        List.of("nancy"));
  }

  /** One policy, one application, one timeline point, no traffic. */
  static SimulationReport single() {
    PolicyRun run = new PolicyRun("vmflock",
        List.of(app("vmflock", "only", "custom", 2, "time", 0, 90, 90, 0.01, 0, 0, 0, 0, 0, -1, false)),
        List.of(new TimelinePoint("vmflock", START, new TreeMap<>(Map.of("lyon", 2)), 0, 0, 0)),
        new PolicyRun.RunStats(90, 9, 0, 18, 0, 0));
    return new SimulationReport("single", 1, START, List.of("lyon"), List.of(run), new TreeMap<>());
  }

  /** {@code apps} applications of five profiles under four policies, {@code points} timeline points over {@code sites} sites. */
  static SimulationReport big(int apps, int points, int sites) {
    SplittableRandom random = new SplittableRandom(7);
    List<String> siteNames = new ArrayList<>();
    for (int s = 0; s < sites; s++) {
      siteNames.add("site-" + s);
    }
    String[] profiles = {"bt", "cg", "ft", "lu", "mg"};
    List<PolicyRun> runs = new ArrayList<>();
    for (String policy : List.of("none", "price-chasing", "report-grouping", "vmflock")) {
      List<AppResult> results = new ArrayList<>();
      for (int a = 0; a < apps; a++) {
        double submitted = a * 30.0;
        double completion = 1800 + random.nextDouble() * 7200;
        boolean finished = a % 97 != 0;
        results.add(app(policy, "app-" + a, profiles[a % profiles.length], 4, a % 2 == 0 ? "cost" : "time", submitted,
            finished ? submitted + completion : -1, completion, random.nextDouble() * 5, random.nextDouble(),
            random.nextDouble() * 0.1, random.nextInt(4), random.nextDouble() * 1e10, random.nextDouble() * 1e11,
            a % 3 == 0 ? -1 : submitted + 6000, random.nextBoolean()));
      }
      List<TimelinePoint> timeline = new ArrayList<>();
      for (int t = 0; t < points; t++) {
        TreeMap<String, Integer> vms = new TreeMap<>();
        for (String s : siteNames) {
          vms.put(s, random.nextInt(200));
        }
        timeline.add(new TimelinePoint(policy, START.plusSeconds(300L * t), vms, t * 12.5, random.nextInt(5), t * apps / points));
      }
      runs.add(new PolicyRun(policy, results, timeline, new PolicyRun.RunStats(points * 300.0, points, apps, points * 2L, 0, 0)));
    }
    SortedMap<String, TrafficMatrix> traffic = new TreeMap<>();
    for (String p : profiles) {
      traffic.put(p, ring(4, 1e6));
    }
    return new SimulationReport("big", 7, START, siteNames, runs, traffic);
  }

  /** An application's result; {@code finishedAt} and {@code deadline} in seconds after the start, -1 for none. */
  static AppResult app(String policy, String name, String profile, int vms, String objective, double submitted,
      double finished, double completion, double hosting, double transfer, double migration, int migrations,
      double moved, double interSite, double deadline, boolean met) {
    return new AppResult(policy, name, profile, vms, objective, at(submitted),
        finished < 0 ? Optional.empty() : Optional.of(at(finished)), completion, hosting, transfer, migration, migrations,
        moved, interSite, deadline < 0 ? Optional.empty() : Optional.of(at(deadline)),
        deadline < 0 ? Optional.empty() : Optional.of(met));
  }

  /** Three points: all VMs in lyon and rennes, then {@code variant} VMs moved to nancy, then cg-1 done. */
  private static List<TimelinePoint> timeline(String policy, int variant) {
    // each application's cost so far adds up to the cumulative cost; ft-1 arrives after the first point
    return List.of(
        new TimelinePoint(policy, START, new TreeMap<>(Map.of("lyon", 8, "rennes", 8)), 0, 0, 0,
            new TreeMap<>(Map.of("cg-1", 0.0, LU, 0.0))),
        new TimelinePoint(policy, START.plusSeconds(1800),
            new TreeMap<>(Map.of("lyon", 8 - variant, "rennes", 8, "nancy", variant)), 1.5 - 0.25 * variant, variant, 0,
            new TreeMap<>(Map.of("cg-1", 0.5, "ft-1", 0.25, LU, 0.75 - 0.25 * variant))),
        new TimelinePoint(policy, START.plusMillis(3_600_250),
            new TreeMap<>(Map.of("lyon", 4 - variant, "nancy", 4 + variant, "rennes", 4)), 3.25 - 0.5 * variant, 0, 1,
            new TreeMap<>(Map.of("cg-1", 1.0, "ft-1", 0.75, LU, 1.5 - 0.5 * variant))));
  }

  private static TrafficMatrix ring(int n, double bytes) {
    List<String> vms = new ArrayList<>();
    double[][] b = new double[n][n];
    double[][] p = new double[n][n];
    for (int i = 0; i < n; i++) {
      vms.add("vm" + i);
      b[i][(i + 1) % n] = bytes;
      b[(i + 1) % n][i] = bytes / 2;
      p[i][(i + 1) % n] = bytes / 1500;
    }
    return new TrafficMatrix(vms, p, b);
  }

  private static Instant at(double secondsAfterStart) {
    return START.plusMillis(Math.round(secondsAfterStart * 1000));
  }
}
