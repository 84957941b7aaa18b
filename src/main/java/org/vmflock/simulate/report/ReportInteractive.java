package org.vmflock.simulate.report;

import static org.vmflock.simulate.report.ReportFormat.COST_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.decimal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.simulate.report.ReportCharts.SiteBand;
import org.vmflock.simulate.report.ReportFormat.TimeUnit;
import org.vmflock.web.WebAssets;

/**
 * index.html's interactive charts, drawn in the browser by echarts (the node dashboard's library
 * and chart code, copied beside the page from the class path: the page opens from file://, offline)
 * from report-data.js, the report's own figures as one JavaScript value: completion and cost per
 * application and policy, the cost split, cumulative cost and finished applications over time,
 * each application's run from submission to finish, VMs per site over time under each policy (one
 * time axis, the PNGs' site colours), migrations, and each profile's VM x VM traffic.
 */
final class ReportInteractive {

  static final String DATA_JS = "report-data.js";
  static final String REPORT_JS = "report.js";
  /** The files written beside index.html, in the order the page loads them. */
  static final List<String> FILES = List.of(WebAssets.ECHARTS_JS, WebAssets.CHARTS_JS, DATA_JS, REPORT_JS);
  /** Decisions shown per policy in the migrations chart at most (all of them are in decisions.csv). */
  static final int MAX_DECISION_POINTS = 1000;
  /** A decision's reason, as the chart's tooltip shows it, at most this long. */
  static final int MAX_REASON_CHARS = 200;
  private static final int TIME_DECIMALS = 4;

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

  /** A chart on the page: the element it is drawn in, its caption, and what report.js draws. */
  record Chart(String id, String caption, ObjectNode spec) {}

  private ReportInteractive() {}

  /** The charts {@code report} has data for, in page order. */
  static List<Chart> charts(SimulationReport report) {
    List<Chart> charts = new ArrayList<>();
    List<String> policies = report.runs().stream().map(PolicyRun::policy).toList();
    List<String> stems = ReportFormat.fileStems(policies);
    String cost = ReportCharts.costAxis(report);
    if (report.runs().stream().anyMatch(r -> !r.applications().isEmpty())) {
      ReportCharts.CompletionData completion = ReportCharts.completionData(report);
      charts.add(new Chart("chart-completion", completion.caption(), bars(completion.categories(), policySeries(report, completion.values(), 3),
          completion.xAxisTitle(), "completion time (" + completion.unit().symbol + ")", false)));
      CostBars costs = costBars(report);
      charts.add(new Chart("chart-cost", costs.caption(), bars(costs.categories(), policySeries(report, costs.values(), COST_DECIMALS),
          costs.xAxisTitle(), cost, false)));
      List<PolicySummary> s = PolicySummary.of(report);
      ArrayNode split = MAPPER.createArrayNode();
      split.add(series("hosting", s.stream().map(PolicySummary::hostingCost).toList(), ReportCharts.COST_COLORS[0], COST_DECIMALS));
      split.add(series("transfer", s.stream().map(PolicySummary::transferCost).toList(), ReportCharts.COST_COLORS[1], COST_DECIMALS));
      split.add(series("migration", s.stream().map(PolicySummary::migrationCost).toList(), ReportCharts.COST_COLORS[2], COST_DECIMALS));
      charts.add(new Chart("chart-cost-split", "Total cost of each policy split into hosting, transfers and migrations (" + report.currency()
          + ").", bars(policies, split, "policy", cost, true)));
      spans(report).ifPresent(charts::add);
    }
    // charts of time on the scenario's clock (UTC), all ending where the PNGs' axis ends
    double lastSecond = ReportCharts.timelineSeconds(report);
    TimeUnit axis = TimeUnit.forMax(lastSecond);
    TimeAxis time = new TimeAxis(report.start().toEpochMilli(),
        report.start().toEpochMilli() + Math.round(ReportCharts.roundUp(axis.of(lastSecond)) * axis.seconds * 1000), "time (UTC)");
    if (report.runs().stream().anyMatch(r -> !r.timeline().isEmpty())) {
      charts.add(new Chart("chart-cumulative-cost", "Cost spent so far by each policy over time (" + report.currency() + ").",
          overTime(report, time, cost, p -> p.cumulativeCost(), COST_DECIMALS)));
      applicationCosts(report, time).ifPresent(charts::add);
      charts.add(new Chart("chart-finished", "Applications finished so far under each policy.",
          overTime(report, time, "applications finished", p -> p.finishedApplications(), 0)));
      charts.add(new Chart("chart-migrations", "VMs migrating at each sampled instant under each policy (lines), and each decision "
          + "that moved VMs (points, how many; the reason in the tooltip; the first " + MAX_DECISION_POINTS + " per policy, all of them in "
          + ReportWriter.DECISIONS_CSV + ").", migrations(report, time)));
    }
    List<SiteBand> bands = ReportCharts.siteBands(report);
    String others = bands.stream().filter(b -> b.sites().size() > 1).findFirst()
        .map(b -> " " + b.name() + " (" + String.join(", ", b.sites()) + ") share the grey band.").orElse("");
    for (int i = 0; i < report.runs().size(); i++) {
      PolicyRun run = report.runs().get(i);
      if (!run.timeline().isEmpty() && !bands.isEmpty()) {
        charts.add(new Chart("chart-placement-" + stems.get(i), "Policy " + run.policy()
            + ": VMs hosted per site over time (stacked; every policy on the same time axis)." + others,
            placement(run, bands, time)));
      }
    }
    List<String> profiles = report.trafficByProfile().entrySet().stream().filter(e -> e.getValue().size() > 0).map(Map.Entry::getKey).toList();
    if (!profiles.isEmpty()) {
      ObjectNode spec = spec("heatmaps");
      ArrayNode matrices = spec.putArray("matrices");
      for (String profile : profiles.subList(0, Math.min(profiles.size(), ReportCharts.MAX_TRAFFIC_HEATMAPS))) {
        TrafficMatrix m = report.trafficByProfile().get(profile);
        ObjectNode o = matrices.addObject();
        o.put("profile", profile);
        m.vms().forEach(o.putArray("vms")::add);
        ArrayNode rows = o.putArray("bytesPerSecond");
        for (double[] row : m.bytes()) {
          ArrayNode r = rows.addArray();
          for (double v : row) {
            r.add(decimal(v, 0));
          }
        }
      }
      charts.add(new Chart("chart-traffic", "What each VM of a profile sends each other VM per second of work (choose the profile above the "
          + "chart).", spec));
    }
    return charts;
  }

  /** Writes the chart library, the shared chart code, the data and the page's script into {@code dir}. */
  static void write(List<Chart> charts, Path dir) throws IOException {
    Files.write(dir.resolve(WebAssets.ECHARTS_JS), WebAssets.resource(WebAssets.ECHARTS_DIST + WebAssets.ECHARTS_JS));
    Files.write(dir.resolve(WebAssets.CHARTS_JS), WebAssets.resource(WebAssets.DASHBOARD + WebAssets.CHARTS_JS));
    Files.write(dir.resolve(REPORT_JS), WebAssets.resource("org/vmflock/simulate/report/" + REPORT_JS));
    Files.writeString(dir.resolve(DATA_JS), dataJs(charts), StandardCharsets.UTF_8);
  }

  /** report-data.js's text: {@code var vmflockReport = {"charts":[{"id":..., "caption":..., "kind":..., ...}]};} */
  static String dataJs(List<Chart> charts) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode list = root.putArray("charts");
    for (Chart c : charts) {
      ObjectNode o = list.addObject();
      o.put("id", c.id());
      o.put("caption", c.caption());
      o.setAll(c.spec());
    }
    try {
      // "</" never closes a script element, whatever a name holds
      return "// The report's figures, for report.js (written by vmflock with the page; a script, so that it loads from file://).\n"
          + "var vmflockReport = " + MAPPER.writeValueAsString(root).replace("</", "<\\/") + ";\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree that does not serialize", e);
    }
  }

  private static ObjectNode spec(String kind) {
    return MAPPER.createObjectNode().put("kind", kind);
  }

  private static ObjectNode bars(List<String> categories, ArrayNode series, String xName, String yName, boolean stacked) {
    ObjectNode o = spec("bars");
    categories.forEach(o.putArray("categories")::add);
    o.set("series", series);
    o.put("xName", xName);
    o.put("yName", yName);
    o.put("stacked", stacked);
    return o;
  }

  private static ArrayNode policySeries(SimulationReport report, List<List<Double>> values, int decimals) {
    ArrayNode out = MAPPER.createArrayNode();
    for (int i = 0; i < report.runs().size(); i++) {
      out.add(series(report.runs().get(i).policy(), values.get(i), policyColor(i), decimals));
    }
    return out;
  }

  private static ObjectNode series(String name, List<Double> values, Color color, int decimals) {
    ObjectNode s = MAPPER.createObjectNode().put("name", name).put("color", hex(color));
    ArrayNode data = s.putArray("data");
    values.forEach(v -> data.add(decimal(v, decimals)));
    return s;
  }

  private record CostBars(List<String> categories, List<List<Double>> values, String xAxisTitle, String caption) {}

  /** Total cost per application under each policy, or, beyond {@link ReportCharts#MAX_APPLICATIONS_IN_BARS}, per profile group. */
  private static CostBars costBars(SimulationReport report) {
    Set<String> apps = new LinkedHashSet<>();
    report.runs().forEach(r -> r.applications().forEach(a -> apps.add(a.application())));
    List<List<Double>> values = new ArrayList<>();
    if (apps.size() <= ReportCharts.MAX_APPLICATIONS_IN_BARS) {
      for (PolicyRun run : report.runs()) {
        Map<String, Double> byApp = new HashMap<>();
        run.applications().forEach(a -> byApp.put(a.application(), a.totalCost()));
        values.add(apps.stream().map(a -> byApp.getOrDefault(a, 0.0)).toList());
      }
      return new CostBars(List.copyOf(apps), values, "application", "Total cost of each application under each policy ("
          + report.currency() + ").");
    }
    List<String> groups = ReportCharts.profileGroups(report);
    Set<String> shown = new HashSet<>(groups);
    for (PolicyRun run : report.runs()) {
      Map<String, List<AppResult>> byGroup = ReportCharts.byProfileGroup(run, shown);
      values.add(groups.stream().map(g -> byGroup.getOrDefault(g, List.of()).stream().mapToDouble(AppResult::totalCost).sum()).toList());
    }
    return new CostBars(groups, values, "profile", "Total cost of the applications of each profile under each policy ("
        + report.currency() + ").");
  }

  /** Each application's run, from its submission to its finish (or the end), under each policy; up to the bars' limit of applications. */
  private static Optional<Chart> spans(SimulationReport report) {
    Set<String> apps = new LinkedHashSet<>();
    report.runs().forEach(r -> r.applications().forEach(a -> apps.add(a.application())));
    if (apps.isEmpty() || apps.size() > ReportCharts.MAX_APPLICATIONS_IN_BARS) {
      return Optional.empty();
    }
    double last = report.runs().stream().flatMap(r -> r.applications().stream())
        .mapToDouble(a -> ReportFormat.secondsBetween(report.start(), a.submittedAt()) + a.completionSeconds()).filter(Double::isFinite)
        .max().orElse(0);
    TimeUnit unit = TimeUnit.forMax(last);
    ObjectNode spec = spec("spans");
    List<String> names = List.copyOf(apps);
    names.forEach(spec.putArray("applications")::add);
    spec.put("xName", "time since start (" + unit.symbol + ")");
    spec.put("currency", report.currency());
    ArrayNode runs = spec.putArray("series");
    for (int i = 0; i < report.runs().size(); i++) {
      PolicyRun run = report.runs().get(i);
      ObjectNode s = runs.addObject().put("name", run.policy()).put("color", hex(policyColor(i)));
      ArrayNode data = s.putArray("data"); // per application: [from, to, finished, cost], null where it did not run
      Map<String, AppResult> byApp = new HashMap<>();
      run.applications().forEach(a -> byApp.put(a.application(), a));
      for (String name : names) {
        AppResult a = byApp.get(name);
        if (a == null) {
          data.addNull();
          continue;
        }
        double from = ReportFormat.secondsBetween(report.start(), a.submittedAt());
        ArrayNode d = data.addArray();
        d.add(decimal(unit.of(from), TIME_DECIMALS)).add(decimal(unit.of(from + a.completionSeconds()), TIME_DECIMALS))
            .add(a.finishedAt().isPresent()).add(decimal(a.totalCost(), COST_DECIMALS));
      }
    }
    return Optional.of(new Chart("chart-spans", "When each application ran under each policy, from its submission to its finish "
        + "(pale: unfinished at the end of the simulation); its cost in the tooltip.", spec));
  }

  private interface Value {
    double of(TimelinePoint p);
  }

  /** The time axis of the charts of time: epoch milliseconds. */
  private record TimeAxis(long fromMillis, long toMillis, String name) {
    ObjectNode put(ObjectNode spec) {
      return spec.put("xName", name).put("xMin", fromMillis).put("xMax", toMillis);
    }
  }

  private static ObjectNode overTime(SimulationReport report, TimeAxis time, String yName, Value value, int decimals) {
    ObjectNode spec = time.put(spec("lines")).put("yName", yName).put("step", decimals == 0);
    ArrayNode series = spec.putArray("series");
    for (int i = 0; i < report.runs().size(); i++) {
      PolicyRun run = report.runs().get(i);
      if (run.timeline().isEmpty()) {
        continue;
      }
      ObjectNode s = series.addObject().put("name", run.policy()).put("color", hex(policyColor(i)));
      ArrayNode data = s.putArray("data");
      for (TimelinePoint p : run.timeline()) {
        data.addArray().add(p.at().toEpochMilli()).add(decimal(value.of(p), decimals));
      }
    }
    return spec;
  }

  /**
   * What each application spent so far, under the policy chosen above the chart: when every
   * application's cost was sampled ({@link TimelinePoint#COSTED_APPLICATIONS} at most).
   */
  private static Optional<Chart> applicationCosts(SimulationReport report, TimeAxis time) {
    Set<String> apps = new LinkedHashSet<>();
    report.runs().forEach(r -> r.applications().forEach(a -> apps.add(a.application())));
    boolean sampled = report.runs().stream().allMatch(r -> r.timeline().isEmpty()
        || r.timeline().get(r.timeline().size() - 1).costPerApplication().keySet().containsAll(
            r.applications().stream().map(AppResult::application).toList()));
    if (apps.isEmpty() || apps.size() > TimelinePoint.COSTED_APPLICATIONS || !sampled) {
      return Optional.empty();
    }
    ObjectNode spec = time.put(spec("linesPerPolicy")).put("yName", ReportCharts.costAxis(report));
    ArrayNode policies = spec.putArray("policies");
    for (PolicyRun run : report.runs()) {
      if (run.timeline().isEmpty()) {
        continue;
      }
      ObjectNode p = policies.addObject().put("policy", run.policy());
      ArrayNode series = p.putArray("series");
      for (String app : apps) {
        ArrayNode data = series.addObject().put("name", app).putArray("data");
        // from its arrival on: before it, an application has no cost to draw
        run.timeline().stream().filter(t -> t.costPerApplication().containsKey(app))
            .forEach(t -> data.addArray().add(t.at().toEpochMilli()).add(decimal(t.costPerApplication().get(app), COST_DECIMALS)));
      }
    }
    return Optional.of(new Chart("chart-application-cost", "What each application has spent so far, under the policy chosen above the "
        + "chart (" + report.currency() + "), as the node's dashboard draws it live.", spec));
  }

  private static ObjectNode migrations(SimulationReport report, TimeAxis time) {
    ObjectNode spec = overTime(report, time, "VMs", p -> p.runningMigrations(), 0);
    spec.put("kind", "migrations");
    ArrayNode decisions = spec.putArray("decisions");
    for (int i = 0; i < report.runs().size(); i++) {
      PolicyRun run = report.runs().get(i);
      ObjectNode s = decisions.addObject().put("name", run.policy() + ": decided").put("color", hex(policyColor(i)));
      ArrayNode data = s.putArray("data"); // [time, VMs moved, application, kind, reason]
      run.decisions().stream().filter(d -> d.migrations() > 0).limit(MAX_DECISION_POINTS).forEach(d -> data.addArray()
          .add(d.at().toEpochMilli()).add(d.migrations()).add(d.application()).add(d.kind())
          .add(d.reason().length() > MAX_REASON_CHARS ? d.reason().substring(0, MAX_REASON_CHARS - 1) + "…" : d.reason()));
    }
    return spec;
  }

  private static ObjectNode placement(PolicyRun run, List<SiteBand> bands, TimeAxis time) {
    ObjectNode spec = time.put(spec("placement")).put("policy", run.policy()).put("yName", "VMs hosted");
    ArrayNode series = spec.putArray("series");
    for (SiteBand band : bands) { // bottom first
      ObjectNode s = series.addObject().put("name", band.name()).put("color", hex(band.color()));
      ArrayNode data = s.putArray("data");
      for (TimelinePoint p : run.timeline()) {
        int vms = band.sites().stream().mapToInt(site -> p.vmsPerSite().getOrDefault(site, 0)).sum();
        data.addArray().add(p.at().toEpochMilli()).add(vms);
      }
    }
    return spec;
  }

  private static Color policyColor(int i) {
    return ReportCharts.POLICY_COLORS[i % ReportCharts.POLICY_COLORS.length];
  }

  static String hex(Color c) {
    return String.format(java.util.Locale.ROOT, "#%06x", c.getRGB() & 0xffffff);
  }
}
