package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Site;

/**
 * The scenarios of {@code simulations/}: each loads, and the figures their comments derive from the
 * data of {@code simulations/data} are the ones the data gives.
 *
 * <p>They name generated NPB profiles ({@code lu.B.16}, {@code ft.C.64}...) that {@link NpbProfiles}
 * may not have yet; they are loaded with {@link StandInProfiles}, and one test checks, when all
 * exist, that they load with the product's profiles.
 */
class SimulationScenariosTest {

  private static final Path FOLDER = Path.of("simulations");
  private static final Path SITES_CSV = FOLDER.resolve("data/grid5000/grid5000-sites.csv");
  private static final Path ONDEMAND_CSV = FOLDER.resolve("data/cloud-prices/cloud-ondemand-prices.csv");
  private static final double GB_PER_SECOND_10G = 10e9 / 8;
  /** The scenarios write latencies rounded to 0.01 ms. */
  private static final double HALF_OF_A_HUNDREDTH_MS = 0.005 + 1e-9;

  private static List<Path> scenarios() throws IOException {
    try (Stream<Path> files = Files.list(FOLDER)) {
      return files.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
    }
  }

  /** The real programs an emulation scenario names (simulations/emulation.conf). */
  private static final ProfileCatalog PROGRAMS = org.vmflock.emulate.ProgramCatalog.INSTANCE;

  private static Scenario load(String name) {
    return ScenarioFile.load(FOLDER.resolve(name), StandInProfiles.INSTANCE);
  }

  @Test
  void everyScenarioLoadsAndItsEventsFallWithinIt() throws IOException {
    List<Path> files = scenarios();
    assertTrue(files.stream().map(f -> f.getFileName().toString()).toList()
        .containsAll(List.of("cloud-prices.conf", "evacuation.conf", "example.conf", "grid5000-npb.conf", "large.conf")), files.toString());
    for (Path f : files) {
      Scenario s = ScenarioFile.load(f, StandInProfiles.INSTANCE, PROGRAMS);
      assertFalse(s.infra().sites().isEmpty(), f.toString());
      assertFalse(s.applications().isEmpty(), f.toString());
      Instant end = s.simulation().end().orElse(Instant.MAX);
      for (TimelineEvent e : s.timeline()) {
        assertTrue(!e.at().isBefore(s.start()) && e.at().isBefore(end), f + ": " + e);
      }
      for (Scenario.ScenarioApplication a : s.applications()) {
        assertTrue(a.arrival(s.start()).isBefore(end), f + ": " + a.app().name() + " arrives after the end");
      }
    }
  }

  @Test
  void theProfilesTheScenariosNameExist() throws IOException {
    Set<String> named = new TreeSet<>();
    for (Path f : scenarios()) {
      // the programs of an emulation have their measured profiles, not NPB's
      ScenarioFile.load(f, StandInProfiles.INSTANCE, PROGRAMS).applications().stream().filter(a -> a.program().isEmpty())
          .forEach(a -> named.add(a.profile()));
    }
    named.remove(Scenario.CUSTOM);
    Set<String> missing = new TreeSet<>(named);
    missing.removeAll(NpbProfiles.names());
    Assumptions.assumeTrue(missing.isEmpty(), "profiles the scenarios name that NpbProfiles does not have yet: " + missing);
    for (Path f : scenarios()) {
      ScenarioFile.load(f, org.vmflock.scenario.ProfileCatalog.NPB, PROGRAMS);
    }
  }

  /** The 2024-06-28 row of a cluster in grid5000-sites.csv, by column name. */
  private static Map<String, String> cluster(String site, String name) throws IOException {
    return cluster("2024-06-28", site, name);
  }

  /** The row of the cluster in the snapshot of {@code date} (2020-06-19: the last with benchmarked flops). */
  private static Map<String, String> cluster(String date, String site, String name) throws IOException {
    List<String> lines = Files.readAllLines(SITES_CSV);
    List<String> header = csv(lines.get(0));
    for (String line : lines.subList(1, lines.size())) {
      List<String> row = csv(line);
      if (row.get(0).equals(date) && row.get(1).equals(site) && row.get(4).equals(name)) {
        Map<String, String> byName = new TreeMap<>();
        for (int i = 0; i < header.size(); i++) {
          byName.put(header.get(i), row.get(i));
        }
        return byName;
      }
    }
    throw new AssertionError("no " + date + " row for " + site + "/" + name);
  }

  private static List<String> csv(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    for (char ch : line.toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        fields.add(f.toString());
        f.setLength(0);
      } else {
        f.append(ch);
      }
    }
    fields.add(f.toString());
    return fields;
  }

  @Test
  void grid5000SitesAreReservationsOfTheirClusterAtTheSpeedOfItsCores() throws IOException {
    Scenario s = load("grid5000-npb.conf");
    // the speed of a core with every core busy, benchmarked (node GFlop/s of 2020 over cores), against paravance's
    Map<String, String> paravance = cluster("2020-06-19", "rennes", "paravance");
    double reference = Double.parseDouble(paravance.get("node_gflops")) / Double.parseDouble(paravance.get("cores_per_node"));
    assertEquals(245.3 / 16, reference);
    Map<String, Object[]> reserved = Map.of(   // site: cluster, nodes reserved
        "rennes", new Object[] {"paravance", 8},
        "nantes", new Object[] {"ecotype", 6},
        "lyon", new Object[] {"nova", 8},
        "grenoble", new Object[] {"dahu", 4},
        "nancy", new Object[] {"gros", 8});
    for (Map.Entry<String, Object[]> e : reserved.entrySet()) {
      Map<String, String> row = cluster(e.getKey(), (String) e.getValue()[0]);
      int nodes = (Integer) e.getValue()[1];
      assertTrue(nodes <= Integer.parseInt(row.get("nodes_in_refrepo")), e.getKey());
      Site site = s.infra().require(e.getKey());
      int cores = nodes * Integer.parseInt(row.get("cores_per_node"));
      assertEquals(cores, site.capacity().slots(), e.getKey() + ": one slot a core");
      assertEquals(cores, site.capacity().cores(), e.getKey());
      assertEquals(nodes * Long.parseLong(row.get("ram_gib")) << 30, site.capacity().memoryBytes(), e.getKey());
      Map<String, String> benchmarked = cluster("2020-06-19", e.getKey(), (String) e.getValue()[0]);
      assertEquals(row.get("cores_per_node"), benchmarked.get("cores_per_node"), e.getKey() + ": the same nodes in 2020");
      assertEquals(Double.parseDouble(benchmarked.get("node_gflops")) / Double.parseDouble(benchmarked.get("cores_per_node")) / reference,
          site.cpuSpeed(), 1e-4, e.getKey());
      assertEquals(0, site.hosting().pricePerVmHour("small", s.start()), e.getKey() + " is free");
    }
    assertEquals(128, s.infra().require("rennes").capacity().slots());
    // dahu's AVX-512 peak (67.2 / 38.4 = 1.75) is not what its benchmark gives
    assertEquals(0.8742, s.infra().require("grenoble").cpuSpeed());
    Instant start = s.start();
    assertEquals(start.plus(Duration.ofHours(6)), s.infra().require("rennes").availableUntil(start).orElseThrow());
    assertFalse(s.infra().require("nantes").availableAt(start), "nantes's reservation starts at 10:00");
    assertTrue(s.infra().require("nantes").availableAt(start.plus(Duration.ofHours(2))));
  }

  @Test
  void grid5000PathsFollowTheBackboneAndTheCloudsTheirTraces() {
    Scenario s = load("grid5000-npb.conf");
    // rennes-nantes-lyon-paris-nancy: 92 + 515 + 395 + 280 km, 1.2 x km / 200 + 0.5 ms, written to 0.01 ms
    assertEquals(1.2 * 1282 / 200 + 0.5, s.infra().path("rennes", "nancy").latencySeconds() * 1e3, HALF_OF_A_HUNDREDTH_MS);
    assertEquals(GB_PER_SECOND_10G, s.infra().path("rennes", "nancy").bytesPerSecond());
    // every pair: backbone km (hops rennes-nantes 92, nantes-lyon 515, lyon-grenoble 95, lyon-paris 395, paris-nancy 280)
    Map<String, Integer> backboneKm = Map.of("rennes nantes", 92, "rennes lyon", 607, "rennes grenoble", 702, "rennes nancy", 1282,
        "nantes lyon", 515, "nantes grenoble", 610, "nantes nancy", 1190, "lyon grenoble", 95, "lyon nancy", 675, "grenoble nancy", 770);
    backboneKm.forEach((pair, km) -> {
      String[] ab = pair.split(" ");
      assertEquals(1.2 * km / 200 + 0.5, s.infra().path(ab[0], ab[1]).latencySeconds() * 1e3, HALF_OF_A_HUNDREDTH_MS, pair);
      assertEquals(GB_PER_SECOND_10G, s.infra().path(ab[0], ab[1]).bytesPerSecond(), pair);
    });
    // great circle to the clouds
    Map<String, Integer> cloudKm = Map.of("rennes gcp-paris", 308, "nantes gcp-paris", 337, "lyon gcp-paris", 395, "grenoble gcp-paris", 483,
        "nancy gcp-paris", 280, "rennes aws-virginia", 5940, "nantes aws-virginia", 5983, "lyon aws-virginia", 6497,
        "grenoble aws-virginia", 6589, "nancy aws-virginia", 6450);
    cloudKm.forEach((pair, km) -> {
      String[] ab = pair.split(" ");
      assertEquals(1.5 * km / 200 + 1, s.infra().path(ab[0], ab[1]).latencySeconds() * 1e3, HALF_OF_A_HUNDREDTH_MS, pair);
      assertEquals(1e9 / 8, s.infra().path(ab[0], ab[1]).bytesPerSecond(), pair);
    });
    assertEquals(1.5 * 5940 / 200 + 1, s.infra().path("rennes", "aws-virginia").latencySeconds() * 1e3, HALF_OF_A_HUNDREDTH_MS);
    Instant start = s.start();
    Site aws = s.infra().require("aws-virginia");
    assertEquals(0.0197, aws.hosting().pricePerVmHour("small", start));
    assertEquals(0.0493, aws.hosting().pricePerVmHour("medium", start));
    assertEquals(0.0493, aws.hosting().pricePerVmHour("medium", start.plus(Duration.ofSeconds(7 * 60 + 53))));
    assertEquals(0.0545, aws.hosting().pricePerVmHour("medium", start.plus(Duration.ofSeconds(7 * 60 + 54))));
    assertEquals(0.21, aws.hosting().pricePerVmHour("medium", start.plus(Duration.ofSeconds(3600 + 8 * 60 + 59))));
    assertEquals(2 * 0.0493, aws.hosting().pricePerVmHour("large", start), 1e-12);
    Site gcp = s.infra().require("gcp-paris");
    Instant change = start.plus(Duration.ofHours(24).plusMinutes(24).plusSeconds(27));
    assertEquals(0.026768, gcp.hosting().pricePerVmHour("small", change.minusSeconds(1)));
    assertEquals(0.028052, gcp.hosting().pricePerVmHour("small", change));
    assertEquals(0.107072 / 2, gcp.hosting().pricePerVmHour("medium", start), 1e-12);
    assertEquals(0.12, gcp.transferPricePerGbTo("rennes"));
    assertEquals(0, s.infra().require("lyon").transferPricePerGbTo("gcp-paris"));
  }

  @Test
  void grid5000ApplicationsArriveAndTheTimelineChangesTheSites() {
    Scenario s = load("grid5000-npb.conf");
    assertEquals(new SimulationSettings(Duration.ofMinutes(5), java.util.Optional.of(Instant.parse("2026-06-03T08:00:00Z"))), s.simulation());
    assertEquals(8, s.applications().size());
    assertEquals(5, s.atStart().size());
    assertEquals(Set.of("cg.B.16", "ep.B.8", "lu.B.16", "ft.C.64", "mg.C.32", "cg.A.4", "bt.B.16", "is.B.32"),
        new TreeSet<>(s.applications().stream().map(Scenario.ScenarioApplication::profile).toList()));
    assertEquals(64, s.application("ft-c64").orElseThrow().app().vms().size());
    assertEquals(188, s.applications().stream().mapToInt(a -> a.app().vms().size()).sum());
    assertEquals(Instant.parse("2026-06-01T14:00:00Z"), s.application("is-b32").orElseThrow().arrival(s.start()));
    assertEquals(4, s.timeline().size());
    assertEquals(new TimelineEvent.SiteFailure(Instant.parse("2026-06-01T17:00:00Z"), "nancy", Instant.parse("2026-06-01T17:30:00Z")),
        s.timeline().get(2));
  }

  /** The on-demand price of a type in a region, from cloud-ondemand-prices.csv (the first row that has it). */
  private static double onDemand(String provider, String region, String type) throws IOException {
    for (String line : Files.readAllLines(ONDEMAND_CSV)) {
      List<String> row = csv(line);
      if (row.get(0).equals(provider) && row.get(1).equals(region) && row.get(2).equals(type)) {
        return Double.parseDouble(row.get(4));
      }
    }
    throw new AssertionError("no on-demand price for " + type + " in " + region);
  }

  @Test
  void cloudSitesFollowTheirSpotTracesAndTheirOnDemandPrices() throws IOException {
    Scenario s = load("cloud-prices.conf");
    Instant start = s.start();
    assertEquals(7, s.infra().sites().size());
    assertEquals(0.0197, s.infra().require("aws-use1a").hosting().pricePerVmHour("small", start));
    assertEquals(0.0348, s.infra().require("aws-use1e").hosting().pricePerVmHour("medium", start));
    Site od = s.infra().require("aws-use1-od");
    assertEquals(onDemand("aws", "us-east-1", "r3.large"), od.hosting().pricePerVmHour("small", start));
    assertEquals(onDemand("aws", "us-east-1", "c3.xlarge"), od.hosting().pricePerVmHour("medium", start));
    Site gcpOd = s.infra().require("gcp-euw1-od");
    assertEquals(onDemand("gcp", "europe-west1", "n2-standard-2"), gcpOd.hosting().pricePerVmHour("small", start));
    assertEquals(onDemand("gcp", "europe-west1", "n2-standard-8") / 2, gcpOd.hosting().pricePerVmHour("medium", start), 1e-12);
    Instant change = start.plus(Duration.ofDays(1).plusHours(8).plusMinutes(24).plusSeconds(27));
    Site euw1 = s.infra().require("gcp-euw1");
    assertEquals(0.018544, euw1.hosting().pricePerVmHour("small", change.minusSeconds(1)));
    assertEquals(0.017604, euw1.hosting().pricePerVmHour("small", change));
    assertEquals(0.01, euw1.transferPricePerGbTo("gcp-euw1-od"));
    assertEquals(0.02, euw1.transferPricePerGbTo("gcp-euw9"));
    assertEquals(0.08, euw1.transferPricePerGbTo("gcp-usc1"));
    assertEquals(0.12, euw1.transferPricePerGbTo("aws-use1a"));
    assertEquals(0.09, s.infra().require("aws-use1a").transferPricePerGbTo("gcp-euw9"));
    assertEquals(1.5 * 1578 / 200 + 1, s.infra().path("aws-use1a", "gcp-usc1").latencySeconds() * 1e3, 1e-9);
    assertEquals(3, s.applications().stream().filter(a -> a.arrives().isPresent()).count());
    assertEquals(120, s.applications().stream().mapToInt(a -> a.app().vms().size()).sum());
  }

  @Test
  void theEvacuationFailsTheSiteItsApplicationsRunOn() {
    Scenario s = ScenarioFile.load(FOLDER.resolve("evacuation.conf"));
    assertEquals(Duration.ofMinutes(1), s.simulation().period());
    assertEquals(List.of(new TimelineEvent.SiteFailure(Instant.parse("2026-06-01T12:30:00Z"), "rennes", Instant.parse("2026-06-01T12:40:00Z"))),
        s.timeline());
    assertEquals("rennes", s.application("cg").orElseThrow().placement().siteOf("cg-vm1").orElseThrow());
    assertEquals("rennes", s.application("mg").orElseThrow().placement().siteOf("mg-vm4").orElseThrow());
    assertEquals(Instant.parse("2026-06-01T14:00:00Z"), s.infra().require("lyon").availableUntil(s.start()).orElseThrow());
  }

  @Test
  void theLargeScenarioHasTheStatedSizeAndItsGenerationIsDeterministic() {
    // how fast it is generated is a benchmark's business (bin/vmflock bench simulate), not a test's
    Scenario s = load("large.conf");
    assertEquals(s.applications(), load("large.conf").applications(), "the same file gives the same applications");
    assertEquals(20, s.infra().sites().size());
    assertEquals(190, s.infra().links().size());
    assertEquals(1000, s.applications().size());
    assertEquals(30000, s.applications().stream().mapToInt(a -> a.app().vms().size()).sum());
    assertEquals(2100, s.infra().require("site01").capacity().slots());
    assertEquals(List.of("site05", "site10", "site15", "site20"),
        s.infra().sites().stream().filter(x -> !x.availability().isEmpty()).map(Site::name).toList());
    assertEquals(Duration.ofMinutes(5), s.simulation().period());
    assertEquals(3, s.timeline().size());
  }
}
