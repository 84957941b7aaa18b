package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.emulate.hypervisors.HypervisorsServer;
import org.vmflock.execute.FaultPlan;
import org.vmflock.http.ApiToken;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.Site;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.stats.SitePeriod;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.testing.TestConfigs;

/**
 * A cluster node's monitoring plane with the hypervisors in a server of their own (issue 15): the
 * node senses the sites of {@code vmflock.node.sites} from the hypervisors' traffic counters; an
 * application's traffic appears in its site's collector, period after period, every period complete,
 * and in the traffic the manager observes ({@code GET /api/traffic}); the node stopped and started
 * again on its journal, the periods it was down are reported too (none lost), with the traffic the
 * hypervisors metered meanwhile.
 */
class ClusterSensingTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration PERIOD = Duration.ofSeconds(2);
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  /** Two sites, east cheap at first: those of the process cluster's tests. */
  private static final String SITES = ProcessCluster.SITES;

  /** A NAS-like profile (its VMs is-vm1..4 exchange traffic), placed on east, the cheaper site: it stays there. */
  private static final String APP = """
      {"type": "submit", "application": {"name": "is", "profile": "is.A.4", "work": "8h", "objective": "cost", "placement": "east"}}""";

  private static Map<String, Object> config(Path dir) {
    Map<String, Object> o = new HashMap<>();
    o.put("vmflock.data-dir", dir.resolve("node").toString());
    o.put("vmflock.node.sites", List.of("east", "west"));
    o.put("vmflock.monitor.period", PERIOD.toMillis() + "ms");
    o.put("vmflock.monitor.flush-interval", "200ms");
    o.put("vmflock.monitor.watermark-lag", "200ms");
    o.put("vmflock.monitor.report-retry-interval", "500ms");
    o.put("vmflock.collector.grace", "1s");
    o.put("vmflock.collector.tick-interval", "200ms");
    o.put("vmflock.manager.window-periods", 2);
    return o;
  }

  private static SimulatedFederation federation(Scenario scenario, com.typesafe.config.Config config) {
    SimulatedFederation federation = new SimulatedFederation(Clock.system(), ManagerSettings.from(config).planning().migration(),
        scenario.infra()::path, FaultPlan.none(), 1);
    for (Site site : scenario.infra().sites()) {
      federation.site(site.name(), site.capacity());
    }
    return federation;
  }

  @Test
  void theTrafficOfAnApplicationReachesItsSitesCollectorEveryPeriodCompleteAcrossARestart(@TempDir Path dir) throws Exception {
    Scenario scenario = ScenarioFile.load(Files.writeString(dir.resolve("sites.conf"), SITES));
    com.typesafe.config.Config config = TestConfigs.node(dir.resolve("journal"), config(dir));
    SimulatedFederation federation = federation(scenario, config);
    PeriodGrid grid = PeriodGrid.of(PERIOD);
    try (HypervisorsServer hypervisors = HypervisorsServer.start(federation, Optional.of(scenario.infra()), Clock.system(), 1000, "127.0.0.1", 0)) {
      long firstPeriod;
      long lastBeforeStop;
      try (ClusterNode node = ClusterNode.start(config, hypervisors.uri(), Optional.of(scenario), 0)) {
        assertEquals(200, post(node, dir, APP).statusCode());
        Awaitility.await("the application's VMs booted at the hypervisors").atMost(PATIENCE).until(() -> federation.placement().siteOfVm().size() == 4);
        // three periods of east complete, every VM reporting what it received from the others
        long booted = grid.periodOf(Clock.system().now());
        Awaitility.await("three complete periods of east with the application's traffic").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
            .until(() -> complete(node, "east", booted + 1, booted + 3, 4));
        SitePeriod p = periods(node, "east", booted + 2, booted + 2).periods().get(0);
        for (String vm : List.of("is-vm1", "is-vm2", "is-vm3", "is-vm4")) {
          List<PeerTraffic> peers = p.reports().get(vm).traffic().received();
          assertTrue(!peers.isEmpty() && peers.stream().allMatch(t -> t.bytes() > 0), vm + " received traffic in period " + p.period() + ": " + peers);
        }
        // the manager plans with it: its observed traffic between the application's VMs
        Awaitility.await("the manager observed the traffic").atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() -> {
          JsonNode t = get(node, dir, "/api/traffic?app=is");
          double total = 0;
          for (JsonNode row : t.get("bytesPerSecond")) {
            for (JsonNode cell : row) {
              total += cell.asDouble();
            }
          }
          return t.get("observed").asBoolean() && total > 0;
        });
        // as the API shows them
        JsonNode api = get(node, dir, "/api/sites/east/periods?last=5");
        assertEquals("east", api.get("site").asText());
        assertEquals(4, api.get("roster").size(), api.toString());
        assertTrue(api.get("current").asLong() >= booted + 3 && api.get("periodSeconds").asDouble() == 2.0, api.toString());
        JsonNode third = null;
        for (JsonNode q : api.get("periods")) {
          if (q.get("period").asLong() == booted + 2) {
            third = q;
          }
        }
        assertTrue(third != null && third.get("state").asText().equals("complete") && third.get("reported").size() == 4, api.toString());
        assertEquals(400, HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.endpoint().port() + "/api/sites/east/periods?last=0"))
            .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        // west senses too: no VM there, nothing expected
        assertTrue(periods(node, "west", booted, booted + 3).roster().isEmpty(), "no VM registered at west");
        firstPeriod = booted + 1;
        lastBeforeStop = grid.periodOf(Clock.system().now());
      }
      // down for two periods: the hypervisors' VMs exchange traffic meanwhile
      long down = grid.periodOf(Clock.system().now());
      Awaitility.await("two periods pass").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
          .until(() -> grid.periodOf(Clock.system().now()) >= down + 2);
      try (ClusterNode node = ClusterNode.start(config, hypervisors.uri(), Optional.of(scenario), 0)) {
        long restarted = grid.periodOf(Clock.system().now());
        Awaitility.await("every period of east complete, from before the stop to after the start").atMost(PATIENCE)
            .pollInterval(Duration.ofMillis(200)).until(() -> complete(node, "east", firstPeriod, restarted + 1, 4));
        for (long q = lastBeforeStop; q < restarted; q++) {
          SitePeriod sp = periods(node, "east", q, q).periods().get(0);
          assertTrue(sp.reports().get("is-vm1").traffic().receivedBytes() > 0, "the traffic of period " + q + ", while the node was down: " + sp);
        }
        Set<String> hosts = new TreeSet<>();
        periods(node, "east", restarted, restarted).roster().forEach(e -> hosts.add(e.host()));
        assertEquals(1, hosts.size(), "the host the first incarnation left leaves the roster: " + hosts);
      }
    }
  }

  @Test
  void aVmThatMovesIsSensedAtItsNewSiteEachOfItsPeriodsReportedOnceByOneSite(@TempDir Path dir) throws Exception {
    Scenario scenario = ScenarioFile.load(Files.writeString(dir.resolve("sites.conf"), SITES));
    com.typesafe.config.Config config = TestConfigs.node(dir.resolve("journal"), config(dir));
    SimulatedFederation federation = federation(scenario, config);
    PeriodGrid grid = PeriodGrid.of(PERIOD);
    List<String> vms = List.of("is-vm1", "is-vm2", "is-vm3", "is-vm4");
    try (HypervisorsServer hypervisors = HypervisorsServer.start(federation, Optional.of(scenario.infra()), Clock.system(), 1000, "127.0.0.1", 0);
        ClusterNode node = ClusterNode.start(config, hypervisors.uri(), Optional.of(scenario), 0)) {
      assertEquals(200, post(node, dir, APP).statusCode());
      Awaitility.await("the application's VMs booted at the hypervisors").atMost(PATIENCE).until(() -> federation.placement().siteOfVm().size() == 4);
      long booted = grid.periodOf(Clock.system().now());
      Awaitility.await("a complete period of east").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
          .until(() -> complete(node, "east", booted + 1, booted + 1, 4));
      // east five times dearer: the application moves to west, VM after VM
      assertEquals(200, post(node, dir, "{\"type\": \"price\", \"site\": \"east\", \"perVmHour\": 0.5}").statusCode());
      Awaitility.await("every VM at west").atMost(PATIENCE).pollInterval(Duration.ofMillis(100))
          .until(() -> federation.placement().siteOfVm().values().stream().allMatch("west"::equals));
      long moved = grid.periodOf(Clock.system().now());
      Awaitility.await("two complete periods of west with the four VMs").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
          .until(() -> complete(node, "west", moved + 1, moved + 2, 4));
      Awaitility.await("east's roster empty: its hosts left").atMost(PATIENCE).pollInterval(Duration.ofMillis(200))
          .until(() -> periods(node, "east", moved, moved).roster().isEmpty());
      // each period from before the move to after: every VM reported once, by one site, none missing at either
      SiteSnapshot east = periods(node, "east", booted + 1, moved + 2);
      SiteSnapshot west = periods(node, "west", booted + 1, moved + 2);
      for (long q = booted + 1; q <= moved + 2; q++) {
        Map<String, String> reportedBy = new HashMap<>();
        for (SiteSnapshot site : List.of(east, west)) {
          for (SitePeriod sp : site.periods()) {
            if (sp.period() == q) {
              assertTrue(sp.closed() && sp.missing().isEmpty(), site.site() + "'s period " + q + " complete: " + sp);
              for (String vm : sp.reports().keySet()) {
                assertEquals(null, reportedBy.put(vm, site.site()), vm + "'s period " + q + " reported by one site");
              }
            }
          }
        }
        assertEquals(new TreeSet<>(vms), new TreeSet<>(reportedBy.keySet()), "every VM's period " + q + " reported: " + reportedBy);
      }
    }
  }

  /** Whether every period {@code from..to} of {@code site} is closed with {@code vms} VMs reporting and none missing. */
  private static boolean complete(ClusterNode node, String site, long from, long to, int vms) {
    SiteSnapshot s = periods(node, site, from, to);
    if (s.periods().size() != to - from + 1) {
      return false;
    }
    return s.periods().stream().allMatch(p -> p.closed() && p.missing().isEmpty() && p.reports().size() == vms);
  }

  private static SiteSnapshot periods(ClusterNode node, String site, long from, long to) {
    return VmflockNode.await(AskPattern.ask(node.node().collectors().apply(site),
        (ActorRef<SiteSnapshot> r) -> new Collector.GetPeriods(from, to, r), Duration.ofSeconds(10), node.node().system().scheduler()),
        "asking the collector of " + site);
  }

  private static HttpResponse<String> post(ClusterNode node, Path dir, String event) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.endpoint().port() + "/api/events"))
        .header("Content-Type", "application/json").header("Authorization", ApiToken.ofNode(dir.resolve("node")).authorization())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode get(ClusterNode node, Path dir, String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.endpoint().port() + path))
        .header("Authorization", ApiToken.ofNode(dir.resolve("node")).authorization()).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }
}
