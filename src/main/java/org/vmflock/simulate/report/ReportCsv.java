package org.vmflock.simulate.report;

import static org.vmflock.simulate.report.ReportFormat.BYTES_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.COST_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.SECONDS_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.fixed;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * results.csv (one row per policy and application, in the report's order), timeline.csv (one row
 * per timeline point, one column per site) and decisions.csv. Instants to the second; costs in the
 * report's currency, which results.csv and decisions.csv name on every row. RFC 4180: comma-separated, fields quoted only when they
 * hold a comma, quote or line break, lines ended by "\n".
 */
final class ReportCsv {

  static final List<String> RESULTS_HEADER = List.of("policy", "application", "profile", "vms", "objective",
      "submitted_at", "finished_at", "completion_s", "hosting_cost", "transfer_cost", "migration_cost", "total_cost",
      "migrations", "bytes_moved", "inter_site_bytes", "deadline", "deadline_met", "currency");

  static final List<String> DECISIONS_HEADER = List.of("policy", "at", "application", "kind", "migrations", "predicted_remaining_s",
      "predicted_cost", "stay_remaining_s", "stay_cost", "currency", "reason");

  private ReportCsv() {}

  /** decisions.csv: each policy's decisions that changed something, in order. */
  static String decisions(SimulationReport report) {
    StringBuilder out = new StringBuilder();
    line(out, DECISIONS_HEADER);
    for (PolicyRun run : report.runs()) {
      for (DecisionLine d : run.decisions()) {
        line(out, List.of(run.policy(), ReportFormat.instant(d.at()), d.application(), d.kind(), Integer.toString(d.migrations()),
            figure(d.predictedSeconds(), SECONDS_DECIMALS), figure(d.predictedCost(), COST_DECIMALS), figure(d.staySeconds(), SECONDS_DECIMALS),
            figure(d.stayCost(), COST_DECIMALS), report.currency(), d.reason()));
      }
    }
    return out.toString();
  }

  /** A predicted figure, empty where there was none or it is not finite. */
  private static String figure(java.util.Optional<Double> x, int decimals) {
    return x.filter(v -> v >= 0 && Double.isFinite(v)).map(v -> fixed(v, decimals)).orElse("");
  }

  static String results(SimulationReport report) {
    StringBuilder out = new StringBuilder(256 * (1 + report.runs().stream().mapToInt(r -> r.applications().size()).sum()));
    line(out, RESULTS_HEADER);
    for (PolicyRun run : report.runs()) {
      for (AppResult a : run.applications()) {
        line(out, List.of(
            a.policy(),
            a.application(),
            a.profile(),
            Integer.toString(a.vms()),
            a.objective(),
            ReportFormat.instant(a.submittedAt()),
            a.finishedAt().map(ReportFormat::instant).orElse(""),
            fixed(a.completionSeconds(), SECONDS_DECIMALS),
            fixed(a.hostingCost(), COST_DECIMALS),
            fixed(a.transferCost(), COST_DECIMALS),
            fixed(a.migrationCost(), COST_DECIMALS),
            fixed(a.totalCost(), COST_DECIMALS),
            Integer.toString(a.migrations()),
            fixed(a.bytesMoved(), BYTES_DECIMALS),
            fixed(a.interSiteBytes(), BYTES_DECIMALS),
            a.deadline().map(ReportFormat::instant).orElse(""),
            a.deadlineMet().map(String::valueOf).orElse(""),
            report.currency()));
      }
    }
    return out.toString();
  }

  /** The report's sites in its order, then any other site a timeline mentions, sorted. */
  static List<String> timelineSites(SimulationReport report) {
    Set<String> sites = new LinkedHashSet<>(report.sites());
    Set<String> others = new TreeSet<>();
    report.runs().forEach(r -> r.timeline().forEach(p -> p.vmsPerSite().keySet().stream()
        .filter(s -> !sites.contains(s)).forEach(others::add)));
    sites.addAll(others);
    return List.copyOf(sites);
  }

  static String timeline(SimulationReport report) {
    List<String> sites = timelineSites(report);
    List<String> header = new ArrayList<>(List.of("policy", "time", "seconds", "cumulative_cost", "running_migrations",
        "finished_applications"));
    sites.forEach(s -> header.add("vms@" + s));
    StringBuilder out = new StringBuilder(64 * (1 + sites.size()));
    line(out, header);
    List<String> row = new ArrayList<>(header.size());
    for (PolicyRun run : report.runs()) {
      for (TimelinePoint p : run.timeline()) {
        row.clear();
        row.add(p.policy());
        row.add(ReportFormat.instant(p.at()));
        row.add(fixed(ReportFormat.secondsBetween(report.start(), p.at()), SECONDS_DECIMALS));
        row.add(fixed(p.cumulativeCost(), COST_DECIMALS));
        row.add(Integer.toString(p.runningMigrations()));
        row.add(Integer.toString(p.finishedApplications()));
        sites.forEach(s -> row.add(Integer.toString(p.vmsPerSite().getOrDefault(s, 0))));
        line(out, row);
      }
    }
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      field(out, fields.get(i));
    }
    out.append('\n');
  }

  private static void field(StringBuilder out, String f) {
    boolean quote = false;
    for (int i = 0; i < f.length() && !quote; i++) {
      char c = f.charAt(i);
      quote = c == ',' || c == '"' || c == '\n' || c == '\r';
    }
    if (!quote) {
      out.append(f);
      return;
    }
    out.append('"').append(f.replace("\"", "\"\"")).append('"');
  }
}
