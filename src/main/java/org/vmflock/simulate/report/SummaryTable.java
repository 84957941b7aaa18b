package org.vmflock.simulate.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.vmflock.simulate.report.ReportFormat.TimeUnit;

/**
 * The per-policy summary and the best policy per profile and objective, as rows of text cells:
 * printed aligned on the terminal at the end of {@code vmflock simulate}, and as tables in
 * index.html. Times share one unit and costs one number of decimals per table, so columns compare.
 */
final class SummaryTable {

  /**
   * Cells of a table: {@code header} for the page, {@code shortHeader} to fit a terminal;
   * {@code rightAligned[i]} for numeric columns.
   */
  record Table(List<String> header, List<String> shortHeader, boolean[] rightAligned, List<List<String>> rows) {}

  static final String COMPLETION_NOTE = "an unfinished application counts until the end of the simulation";

  /**
   * What the page and the terminal say under the summary about the sites whose hosting is free
   * (price 0 all along, a grid site): empty when there is none. Names the policies that ran only
   * there, which is why they cost nothing to host.
   */
  static String freeSitesNote(SimulationReport report) {
    if (report.freeSites().isEmpty()) {
      return "";
    }
    List<String> free = report.freeSites();
    StringBuilder note = new StringBuilder();
    note.append(free.size() == 1 ? "Free site (hosting price 0 all along): " : "Free sites (hosting price 0 all along): ")
        .append(String.join(", ", free));
    List<String> onlyFree = report.runs().stream()
        .filter(r -> !r.timeline().isEmpty() && r.timeline().stream().allMatch(p -> p.vmsPerSite().entrySet().stream()
            .allMatch(e -> e.getValue() == 0 || free.contains(e.getKey()))))
        .map(PolicyRun::policy).toList();
    if (!onlyFree.isEmpty()) {
      note.append(". ").append(joined(onlyFree)).append(" kept every VM on ").append(free.size() == 1 ? "it" : "them")
          .append(", so ").append(onlyFree.size() == 1 ? "it" : "they").append(" paid nothing for hosting");
    }
    return note.append('.').toString();
  }

  /** "a", "a and b", "a, b and c". */
  private static String joined(List<String> names) {
    return names.size() == 1 ? names.get(0)
        : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.get(names.size() - 1);
  }

  /** Which currency the costs are in. */
  static String currencyNote(SimulationReport report) {
    return "costs in " + report.currency() + " (the scenario's currency)";
  }

  static final String BEST_NOTE = "cheapest: lowest total cost of the group's applications, and that cost; fastest: lowest mean "
      + "completion time, and that time; an unfinished application counts what it had cost and run by the end, and a policy that left some "
      + "unfinished says how many; equal policies joined by '='";

  /** Notes under the tables wrap here, to suit a terminal. */
  private static final int NOTE_WIDTH = 100;

  private SummaryTable() {}

  static Table policies(SimulationReport report) {
    List<PolicySummary> summaries = PolicySummary.of(report);
    TimeUnit unit = TimeUnit.forMax(summaries.stream().mapToDouble(PolicySummary::worstCompletionSeconds)
        .filter(Double::isFinite).max().orElse(0));
    int decimals = ReportFormat.costDecimals(summaries.stream().mapToDouble(PolicySummary::totalCost)
        .filter(Double::isFinite).max().orElse(0));
    String currency = report.currency();
    // short words that wrap: the page's table fits a 1,400 px window (the notes under it say the rest)
    List<String> header = List.of("policy", "finished", "mean time (" + unit.symbol + ")", "worst time (" + unit.symbol + ")",
        "cost (" + currency + ")", "hosting (" + currency + ")", "transfer (" + currency + ")", "migration (" + currency + ")",
        "migrations", "bytes moved", "deadlines met", "deadlines missed", "checks", "evacuated VMs", "rolled back");
    List<String> shortHeader = List.of("policy", "done", "mean (" + unit.symbol + ")", "worst (" + unit.symbol + ")",
        "cost " + currency, "hosting", "transfer", "migration", "migr", "moved", "dl met", "dl missed", "checks", "evac", "rb");
    boolean[] right = new boolean[header.size()];
    Arrays.fill(right, 1, right.length, true);
    List<List<String>> rows = new ArrayList<>();
    for (PolicySummary s : summaries) {
      rows.add(List.of(
          s.policy(),
          s.finished() + "/" + s.applications(),
          unit.format(s.meanCompletionSeconds()),
          unit.format(s.worstCompletionSeconds()),
          ReportFormat.fixed(s.totalCost(), decimals),
          ReportFormat.fixed(s.hostingCost(), decimals),
          ReportFormat.fixed(s.transferCost(), decimals),
          ReportFormat.fixed(s.migrationCost(), decimals),
          ReportFormat.integer(s.migrations()),
          ReportFormat.bytes(s.bytesMoved()),
          s.deadlines() == 0 ? "-" : ReportFormat.integer(s.deadlinesMet()),
          s.deadlines() == 0 ? "-" : ReportFormat.integer(s.deadlinesMissed()),
          ReportFormat.integer(s.stats().invariantChecks()),
          ReportFormat.integer(s.stats().forcedEvacuations()),
          ReportFormat.integer(s.stats().rolledBack())));
    }
    return new Table(header, shortHeader, right, rows);
  }

  /** The best policies per group, each column with its figure: what the cheapest cost, how long the fastest took. */
  static Table best(SimulationReport report) {
    List<BestPolicy> all = BestPolicy.of(report);
    TimeUnit unit = TimeUnit.forMax(all.stream().mapToDouble(BestPolicy::lowestMeanSeconds).filter(Double::isFinite).max().orElse(0));
    int decimals = ReportFormat.costDecimals(all.stream().mapToDouble(BestPolicy::lowestCost).filter(Double::isFinite).max().orElse(0));
    List<String> header = List.of("group", "applications", "cheapest", "cost (" + report.currency() + ")", "fastest",
        "mean time (" + unit.symbol + ")");
    List<String> shortHeader = List.of("group", "applications", "cheapest", "cost " + report.currency(), "fastest",
        "mean (" + unit.symbol + ")");
    boolean[] right = {false, true, false, true, false, true};
    List<List<String>> rows = new ArrayList<>();
    for (BestPolicy b : all) {
      rows.add(List.of(b.dimension() + " " + b.group(), ReportFormat.integer(b.applications()),
          String.join(" = ", b.cheapest().stream().map(b::labelled).toList()), ReportFormat.fixed(b.lowestCost(), decimals),
          String.join(" = ", b.fastest().stream().map(b::labelled).toList()), unit.format(b.lowestMeanSeconds())));
    }
    return new Table(header, shortHeader, right, rows);
  }

  static String text(SimulationReport report) {
    StringBuilder out = new StringBuilder();
    int apps = report.runs().stream().mapToInt(r -> r.applications().size()).max().orElse(0);
    out.append("Scenario ").append(report.scenario()).append(", seed ").append(report.seed()).append(": ")
        .append(report.runs().size()).append(report.runs().size() == 1 ? " policy, " : " policies, ")
        .append(apps).append(apps == 1 ? " application" : " applications").append('\n');
    aligned(out, policies(report));
    wrapped(out, "(done: applications finished; " + currencyNote(report) + "; completion times: " + COMPLETION_NOTE + "; migr: migrations; moved: "
        + "bytes moved by migrations; dl: deadlines; checks: invariant checks, all passed; evac: VMs evacuated when a "
        + "site's availability ended; rb: migrations rolled back, the VM still at its source: after a fault (--faults), or because the destination refused "
        + "its reservation when the migration came to start (no room left by then, a quota, its availability))");
    String free = freeSitesNote(report);
    if (!free.isEmpty()) {
      wrapped(out, free);
    }
    Table best = best(report);
    if (!best.rows().isEmpty()) {
      out.append('\n').append("Best policy per group\n");
      aligned(out, best);
      wrapped(out, "(" + BEST_NOTE + ")");
    }
    return out.toString();
  }

  /** {@code text} broken at spaces into lines of at most {@link #NOTE_WIDTH} characters. */
  private static void wrapped(StringBuilder out, String text) {
    int lineStart = out.length();
    for (String word : text.split(" ")) {
      if (out.length() > lineStart && out.length() - lineStart + 1 + word.length() > NOTE_WIDTH) {
        out.append('\n');
        lineStart = out.length();
      } else if (out.length() > lineStart) {
        out.append(' ');
      }
      out.append(word);
    }
    out.append('\n');
  }

  private static void aligned(StringBuilder out, Table t) {
    int[] width = new int[t.shortHeader().size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = t.shortHeader().get(c).length();
      for (List<String> row : t.rows()) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    line(out, t.shortHeader(), width, t.rightAligned());
    List<String> rule = new ArrayList<>();
    for (int w : width) {
      rule.add("-".repeat(w));
    }
    line(out, rule, width, t.rightAligned());
    t.rows().forEach(r -> line(out, r, width, t.rightAligned()));
  }

  private static void line(StringBuilder out, List<String> cells, int[] width, boolean[] right) {
    StringBuilder l = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String pad = " ".repeat(width[c] - cells.get(c).length());
      if (c > 0) {
        l.append("  ");
      }
      l.append(right[c] ? pad + cells.get(c) : cells.get(c) + pad);
    }
    out.append(l.toString().stripTrailing()).append('\n');
  }
}
