package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Site;

/** The {@code generate} block: seeded sites, links and profile applications with the counts it states. */
class ScenarioGeneratorTest {

  private static final Instant START = Instant.parse("2026-06-01T00:00:00Z");
  private static final String GENERATE = """
      start = "2026-06-01T00:00:00Z"
      generate {
        seed = 7
        sites = 5
        applications = 30
        vms = 120
        profiles = [
          { profile = "cg.A.4", applications = 10 }
          { profile = "mg.A.4", applications = 15 }
          { profile = "ep.A.4", applications = 5 }
        ]
        running = 0.8
        arrive-within = 6h
        reservations = 0.4
        reservation-ends = [1h, 3h]
        work = [30m, 2h]
        objectives = [cost]
      }
      """;

  @TempDir Path dir;

  private Scenario load(String text) throws Exception {
    Path f = dir.resolve("g.conf");
    Files.writeString(f, text);
    return ScenarioFile.load(f);
  }

  /** What a generated scenario is, in a comparable form. */
  private static String summary(Scenario s) {
    return s.infra().sites().stream().map(x -> x.name() + " " + x.cpuSpeed() + " " + x.hosting() + " " + x.availability())
        .collect(Collectors.joining("\n")) + "\n" + s.infra().links() + "\n" + s.applications().stream()
        .map(a -> a.app().name() + " " + a.profile() + " " + a.app().workload().totalWork() + " " + a.app().workload().doneWork() + " "
            + a.app().objective() + " " + a.placement() + " " + a.arrives())
        .collect(Collectors.joining("\n"));
  }

  @Test
  void theCountsAreThoseOfTheProfiles() throws Exception {
    Scenario s = load(GENERATE);
    assertEquals(List.of("site01", "site02", "site03", "site04", "site05"), s.infra().sites().stream().map(Site::name).toList());
    assertEquals(10, s.infra().links().size(), "a link between every two sites");
    assertEquals(30, s.applications().size());
    assertEquals(120, s.applications().stream().mapToInt(a -> a.app().vms().size()).sum());
    Map<String, Long> byProfile = s.applications().stream().collect(Collectors.groupingBy(Scenario.ScenarioApplication::profile, TreeMap::new,
        Collectors.counting()));
    assertEquals(Map.of("cg.A.4", 10L, "ep.A.4", 5L, "mg.A.4", 15L), byProfile);
    assertEquals("app0001", s.applications().get(0).app().name());
    assertEquals("app0030-vm4", s.applications().get(29).app().vmNames().get(3));
    assertTrue(s.applications().stream().allMatch(a -> a.app().objective().toString().equals("cost")));
  }

  @Test
  void sitesHaveRoomForTheMarginAndSomeHaveAReservationThatEnds() throws Exception {
    Scenario s = load(GENERATE);
    for (Site site : s.infra().sites()) {
      assertEquals((int) Math.ceil(120 * 1.4 / 5), site.capacity().slots());
      assertTrue(site.cpuSpeed() >= 0.8 && site.cpuSpeed() <= 1.5, site.toString());
    }
    // 0.4 of 5 sites, spread evenly: the third and the fifth
    List<String> reserved = s.infra().sites().stream().filter(x -> !x.availability().isEmpty()).map(Site::name).toList();
    assertEquals(List.of("site03", "site05"), reserved);
    for (String name : reserved) {
      Instant until = s.infra().require(name).availableUntil(START).orElseThrow();
      assertTrue(!until.isBefore(START.plus(Duration.ofHours(1))) && !until.isAfter(START.plus(Duration.ofHours(3))), until.toString());
    }
  }

  @Test
  void runningApplicationsFitAndTheOthersArriveWithinTheWindow() throws Exception {
    Scenario s = load(GENERATE);
    Map<String, Integer> used = new TreeMap<>();
    int running = 0;
    for (Scenario.ScenarioApplication a : s.applications()) {
      double work = a.app().workload().totalWork();
      assertTrue(work >= 1800 && work <= 7200 && work % 60 == 0, "whole minutes in [30m, 2h]: " + work);
      if (a.placement().siteOfVm().isEmpty()) {
        assertEquals(0, a.app().workload().doneWork());
        Instant t = a.arrival(START);
        assertTrue(!t.isBefore(START) && !t.isAfter(START.plus(Duration.ofHours(6))), t.toString());
      } else {
        running++;
        assertTrue(a.placement().places(a.app().vmNames()));
        assertEquals(1, a.placement().siteOfVm().values().stream().distinct().count(), "one site per application");
        a.placement().siteOfVm().values().forEach(site -> used.merge(site, 1, Integer::sum));
        assertTrue(a.app().workload().doneWork() <= work / 2);
        assertTrue(a.arrives().isEmpty());
      }
    }
    used.forEach((site, vms) -> assertTrue(vms <= s.infra().require(site).capacity().slots(), site + " holds " + vms));
    assertTrue(running >= 15 && running <= 30, "about 0.8 of 30 run: " + running);
  }

  @Test
  void theSameSeedGivesTheSameScenarioAndAnotherSeedAnother() throws Exception {
    String a = summary(load(GENERATE));
    assertEquals(a, summary(load(GENERATE)));
    assertNotEquals(a, summary(load(GENERATE.replace("seed = 7", "seed = 8"))));
  }

  @Test
  void generatedSitesJoinWrittenOnesAndLinksWrittenOutAreKept() throws Exception {
    Scenario s = load(GENERATE + """
        sites { cloud { capacity { slots = 10 }, price-per-vm-hour = 0.3 } }
        links = [ { between = [cloud, site02], latency = 42ms, bandwidth = 1Gbps } ]
        applications { mine { profile = "is.A.4", placement = cloud } }
        timeline = [ { at = "2026-06-01T01:00:00Z", fail { site = site04 } } ]
        """);
    assertEquals(6, s.infra().sites().size());
    assertEquals(15, s.infra().links().size(), "6 sites, every pair linked");
    assertEquals(Duration.ofMillis(42), s.infra().path("site02", "cloud").latency());
    assertEquals(31, s.applications().size());
    assertEquals("site04", s.timeline().get(0).site());
  }

  private void assertRefused(String text, String... fragments) throws Exception {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> load(text));
    assertTrue(e.getMessage().startsWith(dir.resolve("g.conf") + ":"), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
  }

  @Test
  void mistakesAreNamedWithTheirLineAndSetting() throws Exception {
    assertRefused(GENERATE.replace("vms = 120", "vms = 100"), "g.conf:6: generate.vms", "the profiles give 120 VMs, not 100");
    assertRefused(GENERATE.replace("applications = 30", "applications = 31"), "g.conf:5: generate.applications",
        "the profiles give 30 applications, not 31");
    assertRefused(GENERATE.replace("\"ep.A.4\"", "\"ep.A.5\""), "g.conf:10: generate.profiles[2].profile", "unknown profile 'ep.A.5'");
    assertRefused(GENERATE.replace("applications = 5 }", "applications = 0 }"), "generate.profiles[2].applications", "a number of generated applications is between 1 and 10000, not 0");
    assertRefused(GENERATE.replace("work = [30m, 2h]", "work = [2h, 30m]"), "generate.work", "min <= max");
    assertRefused(GENERATE.replace("running = 0.8", "running = 1.5"), "generate.running", "between 0 and 1");
    assertRefused(GENERATE.replace("sites = 5", "sites = 5\n  site-name = \"s\""), "generate.site-name", "the same name");
    assertRefused(GENERATE.replace("sites = 5", "sites = 0"), "generate.sites", "a number of generated sites is between 1 and 1000, not 0");
    assertRefused(GENERATE + "sites { site02 { capacity { slots = 1 } } }\n", "generate.site-name", "site02", "also written");
    assertRefused(GENERATE.replace("objectives = [cost]", "objectives = [speed]"), "generate.objectives", "unknown objective 'speed'");
  }
}
