package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.web.WebAssets;

class ReportWriterTest {

  /** index.html of the big report stays under this: a summary and 100 rows, not 4,000. */
  private static final long BIG_PAGE_MAX_BYTES = 100_000;
  /** report-data.js of the big report: its timelines and grouped bars, not 4,000 rows. */
  private static final long BIG_DATA_MAX_BYTES = 1_000_000;

  @TempDir
  Path dir;

  @Test
  void writesTheDataFilesEveryFigureAndThePage() throws IOException {
    List<String> written = ReportWriter.write(SampleReports.small(), dir);
    assertEquals(List.of("results.csv", "results.json", "timeline.csv", "decisions.csv", "placement-none.png",
        "placement-price-chasing.png", "placement-vmflock.png", "cumulative-cost.png", "completion.png", "cost-split.png",
        "traffic-cg.png", "traffic-ft.png", "traffic-lu.png", "echarts.min.js", "charts.js", "report-data.js", "report.js", "index.html"),
        written);
    assertEquals(written.stream().sorted().toList(), filesIn(dir));
    for (String f : written) {
      if (f.endsWith(".png")) {
        BufferedImage png = ImageIO.read(dir.resolve(f).toFile());
        assertNotNull(png, f + " decodes");
        assertTrue(png.getWidth() >= 640 && png.getHeight() >= 400, f + " is " + png.getWidth() + "x" + png.getHeight());
      }
    }
    assertEquals(ReportWriter.resultsCsv(SampleReports.small()), Files.readString(dir.resolve("results.csv")));
    assertArrayEquals(WebAssets.resource(WebAssets.ECHARTS_DIST + "echarts.min.js"), Files.readAllBytes(dir.resolve("echarts.min.js")),
        "the webjar's library, as the dashboard serves it");
    assertArrayEquals(WebAssets.resource("dashboard/charts.js"), Files.readAllBytes(dir.resolve("charts.js")), "the dashboard's chart code");
  }

  @Test
  void theChartsDataIsTheReportsFigures() throws IOException {
    SimulationReport small = SampleReports.small();
    ReportWriter.write(small, dir);
    JsonNode charts = chartsData(dir);
    Map<String, JsonNode> byId = new LinkedHashMap<>();
    charts.forEach(c -> byId.put(c.get("id").asText(), c));
    assertEquals(List.of("chart-completion", "chart-cost", "chart-cost-split", "chart-spans", "chart-cumulative-cost",
        "chart-application-cost", "chart-finished",
        "chart-migrations", "chart-placement-none", "chart-placement-price-chasing", "chart-placement-vmflock", "chart-traffic"),
        List.copyOf(byId.keySet()));
    // completion in minutes per application, under none: cg-1 60, ft-1 110 (unfinished), lu 83.333
    JsonNode completion = byId.get("chart-completion");
    assertEquals("[\"cg-1\",\"ft-1\",\"lu \\\"big\\\", 8\"]", completion.get("categories").toString());
    assertEquals("none", completion.at("/series/0/name").asText());
    assertEquals(List.of(60.0, 110.0, 83.333), doubles(completion.at("/series/0/data")));
    assertEquals("completion time (min)", completion.get("yName").asText());
    // the cost split is the summary's: price-chasing hosting 4.8, transfer 0.5833, migration 0.05
    JsonNode split = byId.get("chart-cost-split");
    assertEquals(List.of(6.2, 4.8, 5.15), doubles(split.at("/series/0/data")));
    assertEquals(0.05, split.at("/series/2/data/1").asDouble(), 1e-9);
    assertEquals("cost (EUR)", split.get("yName").asText());
    // placement: a band per site in the PNGs' colours, on the time axis every policy shares
    JsonNode placement = byId.get("chart-placement-price-chasing");
    assertEquals("nancy", placement.at("/series/2/name").asText());
    assertEquals(ReportInteractive.hex(ReportCharts.SITE_COLORS[2]), placement.at("/series/2/color").asText());
    // (epoch milliseconds: the start, 30 min later, 60 min 0.25 s later)
    assertEquals("[[1709251200000,0],[1709253000000,1],[1709254800250,5]]", placement.at("/series/2/data").toString());
    for (String p : List.of("none", "price-chasing", "vmflock")) {
      assertEquals(SampleReports.START.toEpochMilli(), byId.get("chart-placement-" + p).get("xMin").asLong(), p);
      assertEquals(SampleReports.START.plusSeconds(80 * 60).toEpochMilli(), byId.get("chart-placement-" + p).get("xMax").asLong(),
          p + ": to 80 min, as the PNGs");
    }
    // the traffic per work second of each profile, as the PNG heatmaps
    JsonNode traffic = byId.get("chart-traffic");
    assertEquals("ft", traffic.at("/matrices/1/profile").asText());
    assertEquals(3.5e7, traffic.at("/matrices/1/bytesPerSecond/0/1").asDouble());
    assertEquals(1.75e7, traffic.at("/matrices/1/bytesPerSecond/1/0").asDouble());
    // each application's cost over time, per policy: ft-1 from its arrival on
    JsonNode costs = byId.get("chart-application-cost");
    assertEquals("vmflock", costs.at("/policies/2/policy").asText());
    assertEquals("ft-1", costs.at("/policies/2/series/1/name").asText());
    assertEquals("[[1709253000000,0.25],[1709254800250,0.75]]", costs.at("/policies/2/series/1/data").toString());
    assertEquals(0.5, costs.at("/policies/2/series/2/data/2/1").asDouble(), 1e-9, "lu under vmflock: 1.5 - 2 x 0.5");
    // each application's run: ft-1 under none from 10 min, unfinished at 120 min
    assertEquals("[10.0,120.0,false,2.25]", byId.get("chart-spans").at("/series/0/data/1").toString());
  }

  @Test
  void theSameReportGivesByteIdenticalCsvJsonAndHtmlWhateverTheLocaleAndZone(@TempDir Path again) throws IOException {
    ReportWriter.write(SampleReports.small(), dir);
    Locale locale = Locale.getDefault();
    TimeZone zone = TimeZone.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY); // decimal comma
      TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kolkata"));
      ReportWriter.write(SampleReports.small(), again);
    } finally {
      Locale.setDefault(locale);
      TimeZone.setDefault(zone);
    }
    for (String f : List.of("results.csv", "results.json", "timeline.csv", "decisions.csv", "report-data.js", "report.js", "charts.js",
        "echarts.min.js", "index.html")) {
      assertArrayEquals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
    }
  }

  @Test
  void thePageLinksEveryFileShowsTheSummaryAndEscapesText() throws IOException {
    ReportWriter.write(SampleReports.small(), dir);
    String html = Files.readString(dir.resolve("index.html"));
    for (String f : filesIn(dir)) {
      if (!f.equals("index.html")) {
        assertTrue(html.contains("href=\"" + f + "\"") || html.contains("<script src=\"" + f + "\"></script>"), "links or loads " + f);
      }
      if (f.endsWith(".png")) {
        assertTrue(html.contains("<img src=\"" + f + "\""), "shows " + f);
      }
    }
    for (String reference : named(html, "(?:href|src)=\"([^\"]+)\"")) {
      assertTrue(Files.exists(dir.resolve(reference)), "references a file that exists: " + reference);
    }
    assertTrue(html.contains("<h1>Simulation of two &lt;sites&gt; &amp; a third</h1>"));
    assertFalse(html.contains("<sites>"));
    assertTrue(html.contains("Seed <b>42</b>"));
    // the summary: none finished 2 of 3, price-chasing's total cost, bytes moved, an evacuation
    assertTrue(html.contains("<tr><td>none</td><td class=\"n\">2/3</td><td class=\"n\">84.4</td><td class=\"n\">110.0</td>"
        + "<td class=\"n\">6.5000</td>"), html);
    assertTrue(html.contains("<tr><td>price-chasing</td><td class=\"n\">3/3</td><td class=\"n\">80.6</td>"
        + "<td class=\"n\">90.0</td><td class=\"n\">5.4333</td><td class=\"n\">4.8000</td><td class=\"n\">0.5833</td>"
        + "<td class=\"n\">0.0500</td><td class=\"n\">5</td><td class=\"n\">29.88 GB</td><td class=\"n\">1</td>"
        + "<td class=\"n\">1</td><td class=\"n\">1440</td><td class=\"n\">1</td><td class=\"n\">2</td></tr>"), html);
    assertTrue(html.contains("<tr><td>profile lu</td><td class=\"n\">1</td><td>price-chasing</td><td class=\"n\">2.5200</td>"
        + "<td>vmflock</td><td class=\"n\">81.7</td></tr>"), html);
    assertTrue(html.contains("<td>lu &quot;big&quot;, 8</td>"));
    assertTrue(html.contains("<td class=\"n\">110.0* (late)</td>"), "unfinished and late under none");
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("//cdn"), "nothing from elsewhere");
    assertEquals(List.of("echarts.min.js", "charts.js", "report-data.js", "report.js"), named(html, "<script src=\"([^\"]+)\"></script>"),
        "the scripts, all beside the page");
    assertEquals(count(html, "<script"), 4, "no script but those");
    for (JsonNode chart : chartsData(dir)) {
      assertTrue(html.contains("<div class=\"chart\" id=\"" + chart.get("id").asText() + "\"></div>"), "a place for " + chart.get("id"));
    }
  }

  @Test
  void onePolicyWithOneApplicationAndNoTraffic() throws IOException {
    List<String> written = ReportWriter.write(SampleReports.single(), dir);
    assertEquals(List.of("results.csv", "results.json", "timeline.csv", "decisions.csv", "placement-vmflock.png", "cumulative-cost.png",
        "completion.png", "cost-split.png", "echarts.min.js", "charts.js", "report-data.js", "report.js", "index.html"), written);
    for (String f : written) {
      if (f.endsWith(".png")) {
        assertNotNull(ImageIO.read(dir.resolve(f).toFile()), f);
      }
    }
    assertEquals(2, Files.readAllLines(dir.resolve("results.csv")).size());
    String html = Files.readString(dir.resolve("index.html"));
    assertFalse(html.contains("Best policy"), "nothing to compare with one policy");
    assertTrue(html.contains("<details open><summary>1 application</summary>"));
  }

  @Test
  void aRunWithoutTimelineHasNoPlacementFigureAndTheFigureCountIsCapped() throws IOException {
    SimulationReport small = SampleReports.small();
    List<PolicyRun> runs = new ArrayList<>(small.runs());
    PolicyRun none = runs.get(0);
    runs.set(0, new PolicyRun(none.policy(), none.applications(), List.of(), none.stats()));
    TreeMap<String, TrafficMatrix> traffic = new TreeMap<>();
    for (int p = 0; p < ReportCharts.MAX_TRAFFIC_HEATMAPS + 3; p++) {
      TrafficMatrix m = TrafficMatrix.zero(List.of("a", "b"));
      m.bytes()[0][1] = 1000 * (p + 1);
      traffic.put(String.format(Locale.ROOT, "p/%02d", p), m);
    }
    traffic.put("empty", TrafficMatrix.zero(List.of()));
    SimulationReport r = new SimulationReport(small.scenario(), small.seed(), small.start(), small.sites(), runs, traffic);

    List<String> written = ReportWriter.write(r, dir);
    assertFalse(written.contains("placement-none.png"));
    assertTrue(written.contains("placement-vmflock.png"));
    JsonNode costs = null;
    for (JsonNode c : chartsData(dir)) {
      costs = c.get("id").asText().equals("chart-application-cost") ? c : costs;
    }
    assertEquals(2, costs.get("policies").size(), "the applications' costs over time of the runs with a timeline");
    List<String> heatmaps = written.stream().filter(f -> f.startsWith("traffic-")).toList();
    assertEquals(ReportCharts.MAX_TRAFFIC_HEATMAPS, heatmaps.size());
    assertEquals("traffic-p_00.png", heatmaps.get(0), "a file-safe name");
    String html = Files.readString(dir.resolve("index.html"));
    assertTrue(html.contains("3 more are not"), "says which heatmaps are left out");
    List<String> timeline = Files.readAllLines(dir.resolve("timeline.csv"));
    assertEquals(1 + 2 * 3, timeline.size());
    assertTrue(timeline.stream().noneMatch(l -> l.startsWith("none,")), "no timeline row for none");
  }

  @Test
  void aThousandApplicationsUnderFourPoliciesStayASmallPage() throws IOException {
    SimulationReport big = SampleReports.big(1000, 300, 20);
    List<String> written = ReportWriter.write(big, dir);
    assertEquals(4001, Files.readAllLines(dir.resolve("results.csv")).size());
    List<String> timeline = Files.readAllLines(dir.resolve("timeline.csv"));
    assertEquals(1 + 4 * 300, timeline.size());
    assertEquals(6 + 20, timeline.get(0).split(",").length);
    assertTrue(written.containsAll(List.of("placement-report-grouping.png", "completion.png", "traffic-mg.png")));
    BufferedImage completion = ImageIO.read(dir.resolve("completion.png").toFile());
    assertNotNull(completion);

    long pageBytes = Files.size(dir.resolve("index.html"));
    assertTrue(pageBytes < BIG_PAGE_MAX_BYTES, "index.html is " + pageBytes + " bytes");
    String html = Files.readString(dir.resolve("index.html"));
    assertTrue(html.contains("The first 100 of 1000 applications; all of them are in <a href=\"results.csv\">"));
    assertEquals(ReportPage.APPLICATION_ROWS, count(html, "<tr><td>app-"));
    assertTrue(html.contains("<td class=\"n\">989/1000</td>"), "unfinished ones counted");
    long dataBytes = Files.size(dir.resolve("report-data.js"));
    assertTrue(dataBytes < BIG_DATA_MAX_BYTES, "report-data.js is " + dataBytes + " bytes");
    JsonNode bars = chartsData(dir).get(0);
    assertEquals("[\"all: mean\",\"all: worst\",\"bt: mean\",\"bt: worst\",\"cg: mean\",\"cg: worst\",\"ft: mean\",\"ft: worst\","
        + "\"lu: mean\",\"lu: worst\",\"mg: mean\",\"mg: worst\"]", bars.get("categories").toString(), "groups, not 1,000 bars");
  }

  /** The charts of the report's report-data.js ({@code var vmflockReport = {...};}). */
  private static JsonNode chartsData(Path dir) throws IOException {
    String js = Files.readString(dir.resolve("report-data.js"));
    String prefix = "var vmflockReport = ";
    int at = js.indexOf(prefix);
    assertTrue(at >= 0 && js.endsWith(";\n"), js.substring(0, Math.min(200, js.length())));
    return new ObjectMapper().readTree(js.substring(at + prefix.length(), js.length() - 2)).get("charts");
  }

  private static List<Double> doubles(JsonNode array) {
    List<Double> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asDouble()));
    return out;
  }

  private static List<String> filesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** What the page's links and sources name ({@code regex}'s first group where it matches). */
  private static List<String> named(String html, String regex) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile(regex).matcher(html);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
