package org.vmflock.simulate.report;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmflock.simulate.report.ReportCharts.Figure;
import org.vmflock.simulate.report.ReportFormat.TimeUnit;
import org.vmflock.web.WebAssets;

/**
 * index.html: one page (inline CSS; its scripts, the charts' library and data beside it, nothing
 * fetched from elsewhere) with the scenario, the summary per policy, the best policy per group,
 * the interactive charts ({@link ReportInteractive}; the PNGs linked, and shown without
 * JavaScript), and the first {@link #APPLICATION_ROWS} applications; all of them are in
 * results.csv, linked from the page.
 */
final class ReportPage {

  /** Applications listed on the page at most; a report of thousands stays a page of tens of kB. */
  static final int APPLICATION_ROWS = 100;

  private static final String CSS = """
      body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1300px;padding:0 1em;color:#222}
      h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
      table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
      th,td{border:1px solid #ddd;padding:.25em .5em}th{background:#f4f4f4;text-align:left;vertical-align:bottom}
      td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
      figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
      .chart{height:440px;border:1px solid #eee}
      .note{color:#555;font-size:.9em}
      """;

  private ReportPage() {}

  static String html(SimulationReport report, List<Figure> figures, List<ReportInteractive.Chart> charts, List<String> dataFiles,
      List<ReportSection> sections) {
    StringBuilder h = new StringBuilder(32_768);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>vmflock simulation: ").append(esc(report.scenario())).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    int apps = report.runs().stream().mapToInt(r -> r.applications().size()).max().orElse(0);
    h.append("<h1>Simulation of ").append(esc(report.scenario())).append("</h1>\n");
    h.append("<p>Seed <b>").append(report.seed()).append("</b>, start ").append(esc(ReportFormat.instant(report.start())))
        .append(", ").append(apps).append(apps == 1 ? " application" : " applications").append(", ")
        .append(report.sites().size()).append(report.sites().size() == 1 ? " site: " : " sites: ")
        .append(esc(String.join(", ", report.sites()))).append(". Costs in ").append(esc(report.currency())).append(".</p>\n");
    h.append("<p>Data: ");
    for (int i = 0; i < dataFiles.size(); i++) {
      h.append(i > 0 ? " · " : "").append(link(dataFiles.get(i)));
    }
    h.append("</p>\n");

    h.append("<h2>Summary per policy</h2>\n");
    table(h, SummaryTable.policies(report));
    h.append("<p class=\"note\">Completion times: ").append(esc(SummaryTable.COMPLETION_NOTE))
        .append(". ")
        .append("Checks: invariant checks, every VM in exactly one place and no site over its capacity (all passed). ")
        .append("Evacuated VMs: VMs the platform moved because a site's availability ended with them still there. ")
        .append("Rolled back: migrations rolled back, the VM still at its source, after a fault or because the destination refused ")
        .append("its reservation when the migration came to start.")
        .append("</p>\n");
    String free = SummaryTable.freeSitesNote(report);
    if (!free.isEmpty()) {
      h.append("<p class=\"note\">").append(esc(free)).append("</p>\n");
    }
    SummaryTable.Table best = SummaryTable.best(report);
    if (!best.rows().isEmpty()) {
      h.append("<h2>Best policy per group</h2>\n");
      table(h, best);
      h.append("<p class=\"note\">").append(esc(SummaryTable.BEST_NOTE)).append(".</p>\n");
    }

    for (ReportSection section : sections) {
      h.append("<h2>").append(esc(section.title())).append("</h2>\n");
      if (section.rows().isEmpty()) {
        h.append("<p>None.</p>\n");
      } else {
        table(h, new SummaryTable.Table(section.header(), section.header(), section.numeric(), section.rows()));
      }
      h.append("<p class=\"note\">").append(esc(section.note())).append("</p>\n");
    }

    h.append("<h2>Charts</h2>\n");
    if (!charts.isEmpty()) {
      h.append("<p class=\"note\">Interactive: hover for the figures, click a legend entry to hide or show its series, scroll over a ")
          .append("chart of time to zoom (the charts of time share their axis, zoom and tooltip). Drawn in your browser by echarts (")
          .append(link(WebAssets.ECHARTS_JS)).append(", beside this page, as on the node's dashboard) from ").append(link(ReportInteractive.DATA_JS))
          .append(".</p>\n");
    }
    for (ReportInteractive.Chart c : charts) {
      h.append("<figure><div class=\"chart\" id=\"").append(esc(c.id())).append("\"></div><figcaption>").append(esc(c.caption()))
          .append("</figcaption></figure>\n");
    }
    if (!figures.isEmpty()) {
      h.append("<p class=\"note\">The same figures as images: ");
      for (int i = 0; i < figures.size(); i++) {
        h.append(i > 0 ? " · " : "").append(link(figures.get(i).file()));
      }
      h.append(".</p>\n<noscript>\n");
      for (Figure f : figures) {
        h.append("<figure><a href=\"").append(esc(f.file())).append("\"><img src=\"").append(esc(f.file()))
            .append("\" alt=\"").append(esc(f.caption())).append("\"></a><figcaption>").append(esc(f.caption()))
            .append("</figcaption></figure>\n");
      }
      h.append("</noscript>\n");
    }
    int notDrawn = ReportCharts.trafficProfilesNotDrawn(report);
    if (notDrawn > 0) {
      h.append("<p class=\"note\">Traffic heatmaps: the first ").append(ReportCharts.MAX_TRAFFIC_HEATMAPS)
          .append(" profiles by name are drawn; ").append(notDrawn).append(" more are not.</p>\n");
    }

    h.append("<h2>Applications</h2>\n");
    applications(h, report, dataFiles.contains("results.csv") ? link("results.csv") : "results.csv");
    if (!charts.isEmpty()) {
      ReportInteractive.FILES.forEach(f -> h.append("<script src=\"").append(esc(f)).append("\"></script>\n"));
    }
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  /** One row per application, its completion time and cost under each policy side by side. */
  private static void applications(StringBuilder h, SimulationReport report, String csvLink) {
    Map<String, AppResult> first = new LinkedHashMap<>();
    List<Map<String, AppResult>> byPolicy = new ArrayList<>();
    for (PolicyRun run : report.runs()) {
      Map<String, AppResult> m = new HashMap<>();
      run.applications().forEach(a -> {
        m.put(a.application(), a);
        first.putIfAbsent(a.application(), a);
      });
      byPolicy.add(m);
    }
    if (first.isEmpty()) {
      h.append("<p>No application ran.</p>\n");
      return;
    }
    double worst = report.runs().stream().flatMap(r -> r.applications().stream())
        .mapToDouble(AppResult::completionSeconds).filter(Double::isFinite).max().orElse(0);
    TimeUnit unit = TimeUnit.forMax(worst);
    double maxCost = report.runs().stream().flatMap(r -> r.applications().stream())
        .mapToDouble(AppResult::totalCost).filter(Double::isFinite).max().orElse(0);
    int decimals = ReportFormat.costDecimals(maxCost);
    int shown = Math.min(APPLICATION_ROWS, first.size());
    h.append("<p class=\"note\">");
    if (shown < first.size()) {
      h.append("The first ").append(shown).append(" of ").append(first.size()).append(" applications; all of them are in ")
          .append(csvLink).append(". ");
    }
    h.append("Completion times in ").append(unit.symbol)
        .append("; an unfinished application is marked *, a missed deadline (late).</p>\n");
    h.append("<details").append(shown < first.size() ? "" : " open").append("><summary>")
        .append(shown).append(shown == 1 ? " application" : " applications").append("</summary>\n<table>\n<tr>")
        .append("<th rowspan=\"2\">application</th><th rowspan=\"2\">profile</th><th rowspan=\"2\">VMs</th>")
        .append("<th rowspan=\"2\">objective</th><th rowspan=\"2\">deadline</th>");
    report.runs().forEach(r -> h.append("<th colspan=\"3\">").append(esc(r.policy())).append("</th>"));
    h.append("</tr>\n<tr>");
    report.runs().forEach(r -> h.append("<th>completion (").append(unit.symbol).append(")</th><th>cost (").append(esc(report.currency()))
        .append(")</th><th>migrations</th>"));
    h.append("</tr>\n");
    int row = 0;
    for (AppResult a : first.values()) {
      if (row++ == shown) {
        break;
      }
      h.append("<tr><td>").append(esc(a.application())).append("</td><td>").append(esc(a.profile()))
          .append("</td><td class=\"n\">").append(a.vms()).append("</td><td>").append(esc(a.objective()))
          .append("</td><td>").append(esc(a.deadline().map(ReportFormat::instant).orElse("-"))).append("</td>");
      for (Map<String, AppResult> m : byPolicy) {
        AppResult r = m.get(a.application());
        if (r == null) {
          h.append("<td>-</td><td>-</td><td>-</td>");
          continue;
        }
        String missed = r.deadlineMet().map(met -> met ? "" : " (late)").orElse("");
        h.append("<td class=\"n\">").append(unit.format(r.completionSeconds()))
            .append(r.finishedAt().isPresent() ? "" : "*").append(esc(missed)).append("</td><td class=\"n\">")
            .append(ReportFormat.fixed(r.totalCost(), decimals)).append("</td><td class=\"n\">").append(r.migrations())
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n</details>\n");
  }

  private static void table(StringBuilder h, SummaryTable.Table t) {
    h.append("<table>\n<tr>");
    t.header().forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
    h.append("</tr>\n");
    for (List<String> row : t.rows()) {
      h.append("<tr>");
      for (int c = 0; c < row.size(); c++) {
        h.append(t.rightAligned()[c] ? "<td class=\"n\">" : "<td>").append(esc(row.get(c))).append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</table>\n");
  }

  private static String link(String file) {
    return "<a href=\"" + esc(file) + "\">" + esc(file) + "</a>";
  }

  /** Text made safe inside an element or a double- or single-quoted attribute. */
  static String esc(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
