package org.vmflock.simulate.report;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.style.XYStyler;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.export.Heatmap;
import org.vmflock.simulate.report.ReportFormat.TimeUnit;

/**
 * The report's PNG figures, drawn with XChart: where each policy kept the VMs over time, the
 * cumulative cost of each policy, completion times, the cost split, and each profile's traffic.
 * Their content depends only on the report; the pixels may differ with the fonts installed.
 */
final class ReportCharts {

  /** A PNG written into the report's directory, with the caption the page shows under it. */
  record Figure(String file, String caption) {}

  static final int WIDTH = 1000;
  static final int HEIGHT = 560;
  /** Up to this many applications, completion.png has one group of bars per application. */
  static final int MAX_APPLICATIONS_IN_BARS = TimelinePoint.COSTED_APPLICATIONS;
  /** Profiles shown on their own in the aggregated completion.png; the rest are summed up as "other". */
  static final int MAX_PROFILES_IN_BARS = 8;
  /** Traffic heatmaps drawn at most (profiles in name order). */
  static final int MAX_TRAFFIC_HEATMAPS = 12;
  static final String OTHER_PROFILES = "other";

  /** Tableau 10: one per policy. */
  static final Color[] POLICY_COLORS = colors(0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b,
      0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf);
  /**
   * Sites' colours, in site order: Tableau 10, ten hues told apart at a glance when stacked (no
   * light and dark shade of one hue, which read as one site). Beyond ten sites, the nine that host
   * the most VM-hours over the whole report keep a colour each and the others are stacked together
   * as one grey band, the same in every policy's plot.
   */
  static final Color[] SITE_COLORS = POLICY_COLORS;
  /** The band of the sites without a colour of their own (Tableau 10's grey, which no site then has). */
  static final Color OTHER_SITES_COLOR = new Color(0x7f7f7f);
  static final Color[] COST_COLORS = colors(0x4e79a7, 0xf28e2b, 0xe15759);

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true"); // a report is written on servers and in CI
    }
  }

  private ReportCharts() {}

  /** Draws every figure the report has data for into {@code dir}; returns them in page order. */
  static List<Figure> write(SimulationReport report, Path dir) throws IOException {
    List<Figure> figures = new ArrayList<>();
    double lastSecond = timelineSeconds(report);
    TimeUnit axis = TimeUnit.forMax(lastSecond);
    // the same time axis under every policy, so that their plots compare at a glance
    double axisEnd = roundUp(axis.of(lastSecond));
    List<String> stems = ReportFormat.fileStems(report.runs().stream().map(PolicyRun::policy).toList());
    List<SiteBand> bands = siteBands(report);
    String others = bands.stream().filter(b -> b.sites().size() > 1).findFirst()
        .map(b -> " " + b.name() + " (" + String.join(", ", b.sites()) + ") share the grey band.").orElse("");
    for (int i = 0; i < report.runs().size(); i++) {
      PolicyRun run = report.runs().get(i);
      if (!run.timeline().isEmpty() && !bands.isEmpty()) {
        String file = "placement-" + stems.get(i) + ".png";
        save(placement(report, run, bands, axis, axisEnd), dir.resolve(file));
        figures.add(new Figure(file, "Policy " + run.policy() + ": VMs hosted per site over time (stacked)." + others));
      }
    }
    if (report.runs().stream().anyMatch(r -> !r.timeline().isEmpty())) {
      save(cumulativeCost(report, axis), dir.resolve("cumulative-cost.png"));
      figures.add(new Figure("cumulative-cost.png", "Cost spent so far by each policy over time (" + report.currency() + ")."));
    }
    if (report.runs().stream().anyMatch(r -> !r.applications().isEmpty())) {
      CompletionBars bars = completion(report);
      save(bars.chart(), dir.resolve("completion.png"));
      figures.add(new Figure("completion.png", bars.caption()));
      save(costSplit(report), dir.resolve("cost-split.png"));
      figures.add(new Figure("cost-split.png", "Total cost of each policy split into hosting, transfers and migrations ("
          + report.currency() + ")."));
    }
    List<String> profiles = report.trafficByProfile().entrySet().stream()
        .filter(e -> e.getValue().size() > 0).map(Map.Entry::getKey).toList();
    List<String> profileStems = ReportFormat.fileStems(profiles);
    for (int i = 0; i < Math.min(profiles.size(), MAX_TRAFFIC_HEATMAPS); i++) {
      String profile = profiles.get(i);
      TrafficMatrix m = report.trafficByProfile().get(profile);
      String file = "traffic-" + profileStems.get(i) + ".png";
      Heatmap.writePng(dir.resolve(file), m, "Profile " + profile + ": traffic per work second", Heatmap.Quantity.BYTES_PER_SECOND);
      figures.add(new Figure(file, "Profile " + profile + ": what each VM sends each other VM per second of work."));
    }
    return figures;
  }

  /** Profiles with traffic that have no heatmap because of {@link #MAX_TRAFFIC_HEATMAPS}. */
  static int trafficProfilesNotDrawn(SimulationReport report) {
    long n = report.trafficByProfile().values().stream().filter(m -> m.size() > 0).count();
    return (int) Math.max(0, n - MAX_TRAFFIC_HEATMAPS);
  }

  /** {@code x} rounded up to a number an axis ends on well (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten): 3.94 -> 4. */
  static double roundUp(double x) {
    if (!(x > 0)) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(x)));
    for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * magnitude >= x * (1 - 1e-12)) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /** The last instant of any policy's timeline, in seconds since the start: every placement plot's time axis ends there. */
  static double timelineSeconds(SimulationReport report) {
    double max = 0;
    for (PolicyRun run : report.runs()) {
      for (TimelinePoint p : run.timeline()) {
        max = Math.max(max, ReportFormat.secondsBetween(report.start(), p.at()));
      }
    }
    return max;
  }

  /** A band of a placement plot: one site, or the sites without a colour of their own. */
  record SiteBand(String name, List<String> sites, Color color) {}

  /**
   * The bands every placement plot of {@code report} stacks, bottom first, in site order: one per
   * site while there are colours enough ({@link #SITE_COLORS}); else one per site for the sites
   * hosting the most VM-hours over all policies (ties: site order) and one grey band for the others.
   */
  static List<SiteBand> siteBands(SimulationReport report) {
    List<String> sites = ReportCsv.timelineSites(report);
    List<SiteBand> bands = new ArrayList<>();
    if (sites.size() <= SITE_COLORS.length) {
      for (int s = 0; s < sites.size(); s++) {
        bands.add(new SiteBand(sites.get(s), List.of(sites.get(s)), SITE_COLORS[s]));
      }
      return bands;
    }
    Map<String, Double> vmHours = new HashMap<>();
    for (PolicyRun run : report.runs()) {
      List<TimelinePoint> points = run.timeline();
      for (int t = 1; t < points.size(); t++) {
        double hours = ReportFormat.secondsBetween(points.get(t - 1).at(), points.get(t).at()) / 3600;
        points.get(t - 1).vmsPerSite().forEach((site, n) -> vmHours.merge(site, n * hours, Double::sum));
      }
    }
    List<Color> own = new ArrayList<>(List.of(SITE_COLORS));
    own.remove(OTHER_SITES_COLOR);
    Set<String> coloured = new HashSet<>(sites.stream()
        .sorted(Comparator.comparingDouble((String site) -> -vmHours.getOrDefault(site, 0.0)).thenComparingInt(sites::indexOf))
        .limit(own.size()).toList());
    List<String> others = new ArrayList<>();
    for (String site : sites) {
      if (coloured.contains(site)) {
        bands.add(new SiteBand(site, List.of(site), own.get(bands.size())));
      } else {
        others.add(site);
      }
    }
    bands.add(new SiteBand(others.size() + " other sites", others, OTHER_SITES_COLOR));
    return bands;
  }

  static XYChart placement(SimulationReport report, PolicyRun run, List<SiteBand> bands, TimeUnit unit, double axisEnd) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title("VMs per site under " + run.policy() + " (" + report.scenario() + ")")
        .xAxisTitle("time since start (" + unit.symbol + ")").yAxisTitle("VMs hosted (stacked by site)").build();
    style(chart);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setXAxisMax(axisEnd);
    List<TimelinePoint> points = run.timeline();
    int n = points.size();
    double[] x = new double[n];
    double[][] stacked = new double[bands.size()][n];
    for (int t = 0; t < n; t++) {
      TimelinePoint p = points.get(t);
      x[t] = unit.of(ReportFormat.secondsBetween(report.start(), p.at()));
      double below = 0;
      for (int b = 0; b < bands.size(); b++) {
        for (String site : bands.get(b).sites()) {
          below += p.vmsPerSite().getOrDefault(site, 0);
        }
        stacked[b][t] = below;
      }
    }
    // the top of the stack first: each lower band is painted over the ones above it
    for (int b = bands.size() - 1; b >= 0; b--) {
      Color c = bands.get(b).color();
      XYSeries series = chart.addSeries(bands.get(b).name(), x, stacked[b]);
      series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
      series.setMarker(SeriesMarkers.NONE);
      series.setFillColor(c);
      series.setLineColor(c);
      series.setLineStyle(SeriesLines.SOLID);
      series.setLineWidth(4f); // the legend shows the line: thick enough to read its colour
    }
    return chart;
  }

  private static XYChart cumulativeCost(SimulationReport report, TimeUnit unit) {
    XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Cumulative cost per policy (" + report.scenario() + ")")
        .xAxisTitle("time since start (" + unit.symbol + ")").yAxisTitle(costAxis(report)).build();
    style(chart);
    chart.getStyler().setYAxisMin(0.0);
    List<String> names = seriesNames(report.runs().stream().map(PolicyRun::policy).toList());
    for (int i = 0; i < report.runs().size(); i++) {
      List<TimelinePoint> points = report.runs().get(i).timeline();
      if (points.isEmpty()) {
        continue;
      }
      double[] x = new double[points.size()];
      double[] y = new double[points.size()];
      for (int t = 0; t < points.size(); t++) {
        x[t] = unit.of(ReportFormat.secondsBetween(report.start(), points.get(t).at()));
        y[t] = points.get(t).cumulativeCost();
      }
      XYSeries series = chart.addSeries(names.get(i), x, y);
      series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
      series.setMarker(SeriesMarkers.NONE);
      series.setLineColor(POLICY_COLORS[i % POLICY_COLORS.length]);
      series.setLineStyle(SeriesLines.SOLID);
      series.setLineWidth(2f);
    }
    return chart;
  }

  private record CompletionBars(CategoryChart chart, String caption) {}

  /**
   * Completion times in bars: one group per application while there are at most {@link
   * #MAX_APPLICATIONS_IN_BARS}, else the mean and worst over all and per profile group; {@code
   * values} per policy, per category, in {@code unit}.
   */
  record CompletionData(List<String> categories, List<List<Double>> values, TimeUnit unit, String title, String xAxisTitle,
      String caption) {}

  static CompletionData completionData(SimulationReport report) {
    Set<String> apps = new LinkedHashSet<>();
    report.runs().forEach(r -> r.applications().forEach(a -> apps.add(a.application())));
    double worst = report.runs().stream().flatMap(r -> r.applications().stream())
        .mapToDouble(AppResult::completionSeconds).filter(Double::isFinite).max().orElse(0);
    TimeUnit unit = TimeUnit.forMax(worst);
    List<String> categories = new ArrayList<>();
    List<List<Double>> values = new ArrayList<>(); // per policy, per category
    String title;
    String caption;
    if (apps.size() <= MAX_APPLICATIONS_IN_BARS) {
      categories.addAll(apps);
      for (PolicyRun run : report.runs()) {
        Map<String, Double> byApp = new HashMap<>();
        run.applications().forEach(a -> byApp.put(a.application(), a.completionSeconds()));
        values.add(categories.stream().map(a -> unit.of(byApp.getOrDefault(a, 0.0))).toList());
      }
      title = "Completion time per application (" + report.scenario() + ")";
      caption = "Completion time of each application under each policy (an unfinished one: until the end of the "
          + "simulation).";
    } else {
      List<String> groups = profileGroups(report);
      boolean perProfile = groups.size() > 1;
      categories.add("all: mean");
      categories.add("all: worst");
      if (perProfile) {
        groups.forEach(g -> {
          categories.add(g + ": mean");
          categories.add(g + ": worst");
        });
      }
      Set<String> shown = new HashSet<>(groups);
      for (PolicyRun run : report.runs()) {
        List<Double> v = new ArrayList<>();
        PolicySummary all = PolicySummary.of(run);
        v.add(unit.of(orZero(all.meanCompletionSeconds())));
        v.add(unit.of(orZero(all.worstCompletionSeconds())));
        if (perProfile) {
          Map<String, List<AppResult>> byGroup = byProfileGroup(run, shown);
          for (String g : groups) {
            PolicySummary s = PolicySummary.of(run.policy(), byGroup.getOrDefault(g, List.of()), run.stats());
            v.add(unit.of(orZero(s.meanCompletionSeconds())));
            v.add(unit.of(orZero(s.worstCompletionSeconds())));
          }
        }
        values.add(v);
      }
      title = "Mean and worst completion time of " + apps.size() + " applications (" + report.scenario() + ")";
      caption = "Mean and worst completion time under each policy, over all " + apps.size() + " applications"
          + (perProfile ? " and per profile" : "") + " (an unfinished one counts until the end of the simulation).";
    }
    return new CompletionData(categories, values, unit, title, apps.size() <= MAX_APPLICATIONS_IN_BARS ? "application" : "group", caption);
  }

  /** A run's applications by profile, those of a profile not in {@code shown} under {@link #OTHER_PROFILES}. */
  static Map<String, List<AppResult>> byProfileGroup(PolicyRun run, Set<String> shown) {
    Map<String, List<AppResult>> byGroup = new TreeMap<>();
    run.applications().forEach(a -> byGroup.computeIfAbsent(shown.contains(a.profile()) ? a.profile() : OTHER_PROFILES,
        k -> new ArrayList<>()).add(a));
    return byGroup;
  }

  private static CompletionBars completion(SimulationReport report) {
    CompletionData d = completionData(report);
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(d.title())
        .xAxisTitle(d.xAxisTitle()).yAxisTitle("completion time (" + d.unit().symbol + ")").build();
    style(chart);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisLabelRotation(d.categories().size() > 8 ? 45 : 0);
    List<String> names = seriesNames(report.runs().stream().map(PolicyRun::policy).toList());
    for (int i = 0; i < report.runs().size(); i++) {
      CategorySeries series = chart.addSeries(names.get(i), d.categories(), d.values().get(i));
      series.setFillColor(POLICY_COLORS[i % POLICY_COLORS.length]);
    }
    return new CompletionBars(chart, d.caption());
  }

  /** The profiles with the most applications (ties by name), and "other" when there are more. */
  static List<String> profileGroups(SimulationReport report) {
    Map<String, Integer> count = new TreeMap<>();
    report.runs().forEach(r -> r.applications().forEach(a -> count.merge(a.profile(), 1, Integer::sum)));
    List<String> top = count.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .limit(MAX_PROFILES_IN_BARS).map(Map.Entry::getKey).sorted().toList();
    List<String> groups = new ArrayList<>(top);
    if (count.size() > top.size()) {
      groups.add(OTHER_PROFILES);
    }
    return groups;
  }

  private static CategoryChart costSplit(SimulationReport report) {
    CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
        .title("Cost split per policy (" + report.scenario() + ")").xAxisTitle("policy").yAxisTitle(costAxis(report)).build();
    style(chart);
    chart.getStyler().setStacked(true);
    chart.getStyler().setYAxisMin(0.0);
    List<String> policies = seriesNames(report.runs().stream().map(PolicyRun::policy).toList());
    List<PolicySummary> s = PolicySummary.of(report);
    Map<String, List<Double>> parts = new LinkedHashMap<>();
    parts.put("hosting", s.stream().map(PolicySummary::hostingCost).toList());
    parts.put("transfer", s.stream().map(PolicySummary::transferCost).toList());
    parts.put("migration", s.stream().map(PolicySummary::migrationCost).toList());
    int i = 0;
    for (Map.Entry<String, List<Double>> e : parts.entrySet()) {
      chart.addSeries(e.getKey(), policies, e.getValue()).setFillColor(COST_COLORS[i++]);
    }
    return chart;
  }

  /** A cost axis's title, in the report's currency. */
  static String costAxis(SimulationReport report) {
    return "cost (" + report.currency() + ")";
  }

  private static <S extends AxesChartStyler> void style(Chart<S, ?> chart) {
    S styler = chart.getStyler();
    styler.setLocale(Locale.ROOT);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    styler.setLegendBorderColor(Color.LIGHT_GRAY);
    styler.setPlotGridLinesColor(new Color(0xE0E0E0));
    styler.setAntiAlias(true);
    styler.setYAxisDecimalPattern("#,##0.##");
    if (styler instanceof XYStyler xy) {
      xy.setXAxisDecimalPattern("#,##0.##");
    }
  }

  private static void save(Chart<?, ?> chart, Path file) throws IOException {
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Names XChart accepts as series: unique, not empty. */
  private static List<String> seriesNames(List<String> names) {
    Set<String> taken = new HashSet<>();
    List<String> out = new ArrayList<>();
    for (String n : names) {
      String base = n.isBlank() ? "(unnamed)" : n;
      String name = base;
      for (int i = 2; !taken.add(name); i++) {
        name = base + " (" + i + ")";
      }
      out.add(name);
    }
    return out;
  }

  static double orZero(double v) {
    return Double.isFinite(v) ? v : 0;
  }

  private static Color[] colors(int... rgb) {
    Color[] c = new Color[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      c[i] = new Color(rgb[i]);
    }
    return c;
  }
}
