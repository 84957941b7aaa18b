package org.vmflock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.HeadlessChromium;
import org.vmflock.testing.LiveEvents;
import org.vmflock.testing.NodeProcess;
import org.vmflock.testing.TestData;

/**
 * The dashboard of a real node ({@code vmflock run} in its own JVM) in a real browser: headless
 * Chromium loads {@code /}, shows the sites, and a price rise typed into its inject form, with the
 * node's token, makes vmflock decide to move the application; the decision is on the page within
 * 2 s of the node publishing it; its heatmap shows the traffic the manager observed. The page's screenshot goes to {@code target/dashboard.png}
 * ({@code -Ddashboard.screenshot=docs/dashboard.png} to refresh the README's).
 */
class DashboardInBrowserTest {

  private static final Duration PATIENCE = Duration.ofSeconds(120);
  /** From the node's publishing a decision to the page showing it. */
  private static final Duration ON_THE_PAGE = Duration.ofSeconds(2);

  @TempDir Path dir;

  @Test
  void aPriceRiseInjectedThroughTheFormShowsItsDecisionWithinTwoSeconds() throws Exception {
    Optional<Path> chromium = HeadlessChromium.executable();
    Assumptions.assumeTrue(chromium.isPresent(), "no chromium on the PATH: apt-get install chromium (bin/test installs it as root)");
    Path scenario = TestData.twoSitesScenario(dir);
    try (NodeProcess node = NodeProcess.run(PATIENCE, "--scenario", scenario.toString(), "--time-scale", "60", "--period", "10s",
            "--set", "vmflock.data-dir=" + dir.resolve("data"), "--set", "vmflock.manager.full-replan-every=0");
        HeadlessChromium browser = HeadlessChromium.start(chromium.get(), 1400, 1000, Duration.ofSeconds(60));
        LiveEvents published = LiveEvents.open(node.url() + "/api/stream", node::log)) {
      published.next(e -> e.path("type").asText().equals("subscribed"), Duration.ofSeconds(30));
      browser.navigate(node.url() + "/");

      // the sites, as the node describes them, and the application's VMs where they run
      assertTrue(browser.await("document.querySelectorAll('.site').length === 2", Duration.ofSeconds(30)), "sites: " + browser.console());
      assertEquals("0.05 per VM-hour", browser.evaluate("document.querySelector('[data-site=lyon] .price').textContent").asText());
      assertTrue(browser.await("document.querySelectorAll('[data-site=lyon] [data-vm]').length === 4", Duration.ofSeconds(30)),
          "cg's four VMs at lyon: " + browser.console());
      assertTrue(browser.await("document.getElementById('stream-state').textContent === 'stream: live'", Duration.ofSeconds(30)));
      assertTrue(browser.await("window.echarts !== undefined && document.querySelector('#cost-chart canvas') !== null",
          Duration.ofSeconds(30)), "the chart library, from the node's webjar, drew");

      // a price rise at lyon, typed into the form with the token, as a user would
      browser.type("#token", node.token().authorization().substring("Bearer ".length()));
      browser.evaluate("document.getElementById('event-type').value = 'price'; document.getElementById('event-type').dispatchEvent(new Event('change'));"
          + "document.getElementById('event-site').value = 'lyon'");
      browser.type("[name=perVmHour]", "0.50");
      browser.evaluate("document.querySelector('#inject button[type=submit]').click()");
      assertTrue(browser.await("document.getElementById('inject-result').className === 'ok'", Duration.ofSeconds(30)),
          "the form's answer: " + browser.evaluate("document.getElementById('inject-result').textContent").asText());
      assertEquals(browser.evaluate("sessionStorage.getItem('vmflock-token')").asText(), node.token().authorization().substring(7),
          "the token is kept for the tab");

      JsonNode decision = published.next(e -> e.path("type").asText().equals("decision") && e.path("kind").asText().equals("migrate"), PATIENCE);
      long publishedAt = System.nanoTime();
      assertTrue(browser.await("document.querySelector('#decisions tr[data-decision=\"" + decision.get("id").asLong() + "\"]') !== null",
          ON_THE_PAGE), "decision " + decision + " not on the page within " + ON_THE_PAGE + "; console: " + browser.console());
      Duration seen = Duration.ofNanos(System.nanoTime() - publishedAt);
      String row = browser.evaluate("document.querySelector('#decisions tr[data-decision=\"" + decision.get("id").asLong() + "\"]').textContent").asText();
      assertTrue(row.contains("migrate") && row.contains("nancy"), row);
      // the price the form set, on the site's card
      assertTrue(browser.await("document.querySelector('[data-site=lyon] .price').textContent === '0.5 per VM-hour'", Duration.ofSeconds(10)));

      // the VMs move: a migration in flight, or already done with the VMs at nancy
      assertTrue(browser.await("document.querySelectorAll('#migrations tr[data-migration]').length > 0"
          + " || document.querySelectorAll('[data-site=nancy] [data-vm]').length > 0", PATIENCE), "migrations: " + browser.console());
      // and all four end at nancy, the page following the migrations to their end
      assertTrue(browser.await("document.querySelectorAll('[data-site=nancy] [data-vm]').length === 4"
          + " && document.querySelectorAll('#migrations tr[data-migration]').length === 0", PATIENCE), "cg at nancy: " + browser.console());

      // the VM x VM heatmap: the traffic the manager observed between cg's VMs (the NAS CG's partners talk, the others not)
      assertTrue(browser.await("document.getElementById('traffic-at').textContent.startsWith('observed')"
          + " && Number(document.getElementById('traffic-chart').dataset.maxBytesPerSecond) > 0", PATIENCE),
          "the heatmap: " + browser.evaluate("document.getElementById('traffic-at').textContent").asText());
      JsonNode traffic = browser.evaluate("fetch('/api/traffic?app=cg').then(r => r.json())");
      assertEquals("[\"cg-vm1\",\"cg-vm2\",\"cg-vm3\",\"cg-vm4\"]", traffic.get("vms").toString(), traffic.toString());
      assertTrue(traffic.get("bytesPerSecond").get(0).get(1).asDouble() > 0, traffic.toString());
      assertEquals(0, traffic.get("bytesPerSecond").get(0).get(0).asDouble(), traffic.toString());
      assertEquals(404, browser.evaluate("fetch('/api/traffic?app=atlantis').then(r => r.status)").asInt());
      assertTrue(browser.evaluate("document.querySelector('#traffic-chart canvas') !== null").asBoolean());

      Path shot = Path.of(System.getProperty("dashboard.screenshot", "target/dashboard.png"));
      Files.createDirectories(shot.toAbsolutePath().getParent());
      Files.write(shot, browser.screenshot());
      System.out.printf("decision %d on the page %d ms after the node published it; screenshot %s%n", decision.get("id").asLong(),
          seen.toMillis(), shot);
      assertTrue(browser.console().stream().noneMatch(l -> l.startsWith("exception") || l.startsWith("error")), browser.console().toString());
    }
  }
}
