package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmflock.model.Application;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Objective;
import org.vmflock.model.Site;

/** Scenario files: the commented example reads as documented, and every mistake is named with its file, line and setting. */
class ScenarioFileTest {

  @TempDir Path dir;

  @Test
  void theExampleReadsAsItsCommentsSay() {
    Scenario s = ScenarioFile.load(Path.of("simulations", "example.conf"));
    assertEquals(Instant.parse("2026-06-01T12:00:00Z"), s.start());
    assertEquals(3, s.infra().sites().size());
    Site rennes = s.infra().require("rennes");
    assertEquals(8, rennes.capacity().slots());
    assertEquals(0.12, rennes.hosting().pricePerVmHour("small", s.start()));
    assertEquals(0.0, rennes.transferPricePerGbTo("lyon"));
    assertEquals(0.02, rennes.transferPricePerGbTo("cloud"));
    assertEquals(Instant.parse("2026-06-02T00:00:00Z"), rennes.availableUntil(s.start()).orElseThrow());
    Site cloud = s.infra().require("cloud");
    assertEquals(0.03, cloud.hosting().pricePerVmHour("small", s.start()));
    assertEquals(0.09, cloud.hosting().pricePerVmHour("small", Instant.parse("2026-06-01T18:00:00Z")));
    assertEquals(1e9 / 8, s.infra().path("lyon", "cloud").bytesPerSecond(), "the default link");
    assertEquals(10e9 / 8, s.infra().path("rennes", "lyon").bytesPerSecond());
    Application cg = s.application("cg").orElseThrow().app();
    assertEquals(4, cg.vms().size());
    assertEquals("cg-vm1", cg.vms().get(0).name());
    assertEquals(4 * 3600, cg.workload().totalWork());
    assertEquals(3600, cg.workload().doneWork());
    assertEquals(Objective.COST, cg.objective());
    // cg.A.4's vm1 sent vm2 24,516,448 bytes in its 2.1 s run
    assertEquals(24_516_448 / 2.1, cg.workload().trafficPerWork().bytes(0, 1), 1e-6);
    assertEquals("rennes", s.application("cg").orElseThrow().placement().siteOf("cg-vm3").orElseThrow());
    assertTrue(s.application("mg").orElseThrow().placement().siteOfVm().isEmpty(), "mg is new");
    assertEquals(Scenario.CUSTOM, s.application("mg").orElseThrow().profile());
    assertEquals(Duration.ofMinutes(5), s.simulation().period());
    assertEquals(Instant.parse("2026-06-02T12:00:00Z"), s.simulation().end().orElseThrow());
    Scenario.ScenarioApplication is = s.application("is").orElseThrow();
    assertEquals("is.A.4", is.profile());
    assertEquals(List.of("is-vm1", "is-vm2", "is-vm3", "is-vm4"), is.app().vmNames());
    assertEquals(Instant.parse("2026-06-01T15:00:00Z"), is.arrival(s.start()));
    assertEquals(List.of("cg", "mg"), s.atStart().stream().map(a -> a.app().name()).toList(), "is arrives at 15:00");
    assertEquals(8, s.timeline().size(), "one event of each kind");
    assertTrue(s.timeline().contains(new TimelineEvent.SiteFailure(Instant.parse("2026-06-01T14:30:00Z"), "rennes",
        Instant.parse("2026-06-01T14:45:00Z"))), s.timeline().toString());
  }

  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      sites {
        a { capacity { slots = 4 }, price-per-vm-hour = 0.1 }
        b { capacity { slots = 4 }, price-per-vm-hour = 0.2 }
      }
      default-link { latency = 5ms, bandwidth = 1Gbps }
      """;

  private Path write(String content) throws Exception {
    Path f = dir.resolve("bad.conf");
    Files.writeString(f, content);
    return f;
  }

  private void assertRefused(String content, String... fragments) throws Exception {
    Path f = write(content);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ScenarioFile.load(f));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
  }

  @Test
  void pricesAreInTheScenariosCurrencyUsDollarsWhenItNamesNone() throws Exception {
    assertEquals(java.util.Currency.getInstance("USD"), ScenarioFile.load(write(SITES)).currency());
    assertEquals(java.util.Currency.getInstance("EUR"), ScenarioFile.load(write("currency = \"EUR\"\n" + SITES)).currency());
    assertEquals(Scenario.DEFAULT_CURRENCY, ScenarioFile.load(Path.of("simulations", "example.conf")).currency());
  }

  @Test
  void aCurrencyThatIsNoIso4217CodeIsNamedWithItsLine() throws Exception {
    assertRefused(SITES + "currency = \"ABC\"\n", "bad.conf:7: currency", "'ABC' is no ISO 4217 currency code");
    assertRefused(SITES + "currency = euro\n", "bad.conf:7: currency", "an ISO 4217 currency code in capitals", "'euro'");
    assertRefused(SITES + "currency = 978\n", "bad.conf:7: currency", "'978'");
  }

  @Test
  void aLinkToAnUnknownSiteIsNamedWithItsLine() throws Exception {
    assertRefused(SITES + "links = [\n  { between = [a, paris], latency = 5ms, bandwidth = 1Gbps }\n]\n",
        "bad.conf:8: links[0].between", "unknown site 'paris'");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "-1Gbps | invalid rate '-1Gbps'",
      "10 furlongs/s | unknown rate unit 'furlongs/s'",
      "0Gbps | links[0].bandwidth: a bandwidth in bytes per second is between 1000 and 10000000000000, not 0"})
  void aBadBandwidthIsRefused(String bandwidth, String message) throws Exception {
    assertRefused(SITES + "links = [ { between = [a, b], latency = 5ms, bandwidth = \"" + bandwidth + "\" } ]\n", "links[0]", message);
  }

  @Test
  void aSitesNetworkHasItsHostsLinksASwitchAndAnUplink() throws Exception {
    Scenario s = ScenarioFile.load(write(SITES.replace("a { capacity { slots = 4 }, price-per-vm-hour = 0.1 }",
        "a { capacity { slots = 4 }, price-per-vm-hour = 0.1, network { latency = 0.05ms, bandwidth = 25Gbps, backbone = 400Gbps, uplink = 40Gbps } }")));
    Site a = s.infra().require("a");
    assertEquals(25e9 / 8, a.internal().bytesPerSecond());
    assertEquals(new org.vmflock.model.SiteFabric(400e9 / 8, 40e9 / 8), a.fabric());
    assertEquals(org.vmflock.model.SiteFabric.NON_BLOCKING, s.infra().require("b").fabric(), "b says nothing: nothing blocks behind its hosts' links");
    assertEquals(Double.POSITIVE_INFINITY, s.infra().require("b").fabric().uplink());
    String bad = SITES.replace("a { capacity { slots = 4 }, price-per-vm-hour = 0.1 }",
        "a { capacity { slots = 4 }, price-per-vm-hour = 0.1\n  network { latency = 0.05ms, bandwidth = 25Gbps, uplink = -40Gbps } }");
    assertRefused(bad, "bad.conf:4: sites.a.network.uplink", "invalid rate '-40Gbps'");
    assertRefused(SITES.replace("a { capacity { slots = 4 }, price-per-vm-hour = 0.1 }",
        "a { capacity { slots = 4 }, price-per-vm-hour = 0.1, network { latency = 0.05ms, bandwidth = 25Gbps, switch = 1Gbps } }"),
        "sites.a.network", "switch");
  }

  @Test
  void aNegativeBandwidthIsNamedWithItsLine() throws Exception {
    assertRefused(SITES + "links = [\n  { between = [a, b], latency = 5ms, bandwidth = -1Gbps }\n]\n", "bad.conf:8: links[0].bandwidth",
        "invalid rate '-1Gbps'");
    assertRefused(SITES + "timeline = [\n  { at = \"2026-06-01T13:00:00Z\", link { site = a, to = b, latency = 5ms, bandwidth = -1Gbps } }\n]\n",
        "bad.conf:8: timeline[0].link.bandwidth", "invalid rate '-1Gbps'");
  }

  @Test
  void anEventBeforeTimeZeroIsNamedWithItsLine() throws Exception {
    assertRefused(SITES + "timeline = [\n  { at = \"2026-06-01T13:00:00Z\", speed { site = a, cpu-speed = 2 } }\n"
        + "  { at = \"2026-06-01T11:59:59Z\", speed { site = a, cpu-speed = 2 } }\n]\n",
        "bad.conf:9: timeline[1].at", "before time zero", "2026-06-01T12:00:00Z");
  }

  @Test
  void aMissingFieldOfAnEventIsNamedWithItsLine() throws Exception {
    assertRefused(SITES + "timeline = [\n  { at = \"2026-06-01T13:00:00Z\",\n    speed { site = a } }\n]\n",
        "bad.conf:9: timeline[0].speed.cpu-speed", "missing setting");
    assertRefused(SITES + "timeline = [\n  { speed { site = a, cpu-speed = 2 } }\n]\n", "bad.conf:8: timeline[0].at", "missing setting");
  }

  @Test
  void anEventAtAnUnknownSiteIsNamedWithItsLine() throws Exception {
    assertRefused(SITES + "timeline = [\n  { at = \"2026-06-01T13:00:00Z\", fail { site = paris } }\n]\n",
        "bad.conf:8: timeline[0].fail.site", "unknown site 'paris'");
  }

  @Test
  void aMissingFieldIsNamed() throws Exception {
    assertRefused("start = \"2026-06-01T12:00:00Z\"\nsites {\n  a { cpu-speed = 2 }\n}\n", "bad.conf:3: sites.a.capacity", "missing setting");
    assertRefused(SITES + "applications {\n  x { vms = 2 }\n}\n", "applications.x.work", "missing setting");
    assertRefused("sites { a { capacity { slots = 1 } } }\n", "start", "missing setting");
  }

  @Test
  void valuesOutOfRangeAreRefused() throws Exception {
    assertRefused(SITES.replace("price-per-vm-hour = 0.2", "price-per-vm-hour = -0.2"), "bad.conf:4: sites.b.price-per-vm-hour", "a price per VM-hour is between 0 and 10000, not -0.2");
    assertRefused(SITES.replace("a { capacity { slots = 4 }", "a { capacity { slots = 4 }, cpu-speed = 0"), "sites.a.cpu-speed", "a CPU speed is between 0.001 and 1000, not 0");
    assertRefused(SITES.replace("slots = 4 }, price-per-vm-hour = 0.1", "slots = -4 }, price-per-vm-hour = 0.1"), "sites.a.capacity.slots", "a number of VM slots is between 0 and 1000000, not -4");
    assertRefused(SITES.replace("price-per-vm-hour = 0.1 }", "price-per-vm-hour = 0.1, availability = [ { until = \"2026-06-01T00:00:00Z\" } ] }"),
        "sites.a.availability[0].until", "before the scenario starts");
  }

  @Test
  void applicationsAreChecked(@TempDir Path traffic) throws Exception {
    assertRefused(SITES + "applications { x { vms = 2, work = 1h, size = huge } }\n", "applications.x.size", "unknown VM size 'huge'");
    assertRefused(SITES + "applications { x { vms = 2, work = 1h, placement { a = [vm1, vm9] } } }\n", "applications.x.placement.a", "unknown VM 'vm9'");
    assertRefused(SITES + "applications { x { vms = 2, work = 1h, placement = paris } }\n", "applications.x.placement", "unknown site 'paris'");
    assertRefused(SITES + "applications { x { vms = 2, work = 1h, done = 2h } }\n", "applications.x.done", "more work done");
    assertRefused(SITES + "applications { x { vms = 2, work = 1h, objective = fastest } }\n", "applications.x.objective", "unknown objective 'fastest'");
    Path matrix = traffic.resolve("t.csv");
    Files.writeString(matrix, "src\\dst,vm1,vm2,vm3\nvm1,0,1,1\nvm2,1,0,1\nvm3,1,1,0\n");
    assertRefused(SITES + "applications { x { vms = 2, work = 1h, traffic = \"" + matrix + "\" } }\n", "applications.x.traffic", "has 3 VMs, the application 2");
  }

  @Test
  void aSyntaxErrorNamesTheFile() throws Exception {
    assertRefused("sites { a { capacity { slots = 1 }\n", "bad.conf");
  }

  @Test
  void aScenarioNeedsSites() throws Exception {
    assertRefused("start = \"2026-06-01T12:00:00Z\"\nsites {}\n", "sites", "at least one site");
  }
}
