package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.HeadlessChromium;

/**
 * The report's index.html opened from file:// in a real headless Chromium, offline by
 * construction: every chart is drawn by echarts with the series the report's data has, the charts
 * of time share one axis, the heatmap switches profile, nothing is loaded from anywhere but the
 * report's directory, and the page throws nothing. Its screenshot goes to {@code target/report.png}
 * ({@code -Dreport.screenshot=docs/report.png} to refresh the README's).
 */
class ReportInBrowserTest {

  @TempDir Path dir;

  @Test
  void everyChartOfTheReportIsDrawnFromItsOwnFiles() throws Exception {
    Optional<Path> chromium = HeadlessChromium.executable();
    Assumptions.assumeTrue(chromium.isPresent(), "no chromium on the PATH: apt-get install chromium (bin/test installs it as root)");
    ReportWriter.write(SampleReports.small(), dir);
    try (HeadlessChromium browser = HeadlessChromium.start(chromium.get(), 1400, 1000, Duration.ofSeconds(60))) {
      browser.navigate(dir.resolve("index.html").toUri().toString());
      assertTrue(browser.await("typeof echarts !== 'undefined' && [...document.querySelectorAll('.chart')]"
          + ".every(e => echarts.getInstanceByDom(e) !== undefined && e.querySelector('canvas') !== null)", Duration.ofSeconds(30)),
          "every chart drawn: " + browser.console());

      // per chart, the series the small report has: 3 policies, 3 sites, 3 profiles
      Map<String, Integer> expected = new LinkedHashMap<>();
      expected.put("chart-completion", 3);
      expected.put("chart-cost", 3);
      expected.put("chart-cost-split", 3);
      expected.put("chart-spans", 6); // per policy, the offset to the submission and the run
      expected.put("chart-cumulative-cost", 3);
      expected.put("chart-application-cost", 3); // one policy's applications at a time
      expected.put("chart-finished", 3);
      expected.put("chart-migrations", 6); // per policy, VMs migrating and the decisions
      expected.put("chart-placement-none", 3);
      expected.put("chart-placement-price-chasing", 3);
      expected.put("chart-placement-vmflock", 3);
      expected.put("chart-traffic", 1);
      JsonNode series = browser.evaluate("Object.fromEntries([...document.querySelectorAll('.chart')]"
          + ".map(e => [e.id, echarts.getInstanceByDom(e).getOption().series.length]))");
      Map<String, Integer> drawn = new LinkedHashMap<>();
      series.fields().forEachRemaining(f -> drawn.put(f.getKey(), f.getValue().asInt()));
      assertEquals(expected, drawn);

      // the points are the report's: vmflock's placement at lyon, nancy's band coloured as in the PNGs
      assertEquals("[[1709251200000,8],[1709253000000,6],[1709254800250,2]]", browser.evaluate("JSON.stringify(echarts.getInstanceByDom("
          + "document.getElementById('chart-placement-vmflock')).getOption().series[0].data)").asText());
      assertEquals("[\"lyon\",\"rennes\",\"nancy\"]", browser.evaluate("JSON.stringify(echarts.getInstanceByDom("
          + "document.getElementById('chart-placement-none')).getOption().series.map(s => s.name))").asText());
      assertEquals(ReportInteractive.hex(ReportCharts.SITE_COLORS[2]), browser.evaluate("echarts.getInstanceByDom("
          + "document.getElementById('chart-placement-none')).getOption().series[2].color").asText());
      // one time axis under every policy, to 80 min as the PNGs; the bands stacked: 16 VMs at the start
      long end = SampleReports.START.plusSeconds(80 * 60).toEpochMilli();
      assertEquals("[" + end + "," + end + "," + end + "]", browser.evaluate("JSON.stringify(['none', 'price-chasing', 'vmflock']"
          + ".map(p => echarts.getInstanceByDom(document.getElementById('chart-placement-' + p)).getOption().xAxis[0].max))").asText());
      assertTrue(browser.evaluate("echarts.getInstanceByDom(document.getElementById('chart-placement-none')).getModel()"
          + ".getComponent('yAxis').axis.scale.getExtent()[1]").asDouble() >= 16, "stacked, not overlaid");

      // the heatmap shows one profile at a time, chosen in its list
      assertEquals("cg,ft,lu", browser.evaluate("[...document.querySelectorAll('#chart-traffic-profile option')].map(o => o.text).join()").asText());
      String cg = browser.evaluate("document.getElementById('chart-traffic').dataset.maxBytesPerSecond").asText();
      browser.evaluate("const s = document.getElementById('chart-traffic-profile'); s.value = '1'; s.dispatchEvent(new Event('change'))");
      String ft = browser.evaluate("document.getElementById('chart-traffic').dataset.maxBytesPerSecond").asText();
      assertNotEquals(cg, ft, "ft's traffic is not cg's");

      // the applications' costs over time: vmflock's when chosen
      browser.evaluate("const p = document.getElementById('chart-application-cost-policy'); p.value = '2'; p.dispatchEvent(new Event('change'))");
      assertEquals("[[1709253000000,0.25],[1709254800250,0.75]]", browser.evaluate("JSON.stringify(echarts.getInstanceByDom("
          + "document.getElementById('chart-application-cost')).getOption().series[1].data)").asText());

      // the page's scripts: the four files beside it, and nothing else loaded from anywhere
      String base = dir.toUri().toString();
      JsonNode loaded = browser.evaluate("[...document.querySelectorAll('[src]')].map(e => e.src)");
      assertEquals(ReportInteractive.FILES.stream().map(f -> base + f).toList().toString().replace(" ", ""),
          loaded.toString().replace("\"", ""), loaded.toString());
      loaded.forEach(u -> assertTrue(u.asText().startsWith(base), u.asText()));

      Path shot = Path.of(System.getProperty("report.screenshot", "target/report.png"));
      Files.createDirectories(shot.toAbsolutePath().getParent());
      Files.write(shot, browser.screenshot());
      assertTrue(browser.console().stream().noneMatch(l -> l.startsWith("exception") || l.startsWith("error")), browser.console().toString());
    }
  }
}
