package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.Application;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Vm;

/** Applications built from NAS-like profiles, arriving later, and the simulation settings of a scenario. */
class ScenarioApplicationsTest {

  private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      sites {
        a { capacity { slots = 40 }, price-per-vm-hour = 0.1 }
        b { capacity { slots = 40 }, price-per-vm-hour = 0.2 }
      }
      default-link { latency = 5ms, bandwidth = 1Gbps }
      """;

  @TempDir Path dir;

  private Path write(String more) throws Exception {
    Path f = dir.resolve("s.conf");
    Files.writeString(f, SITES + more);
    return f;
  }

  private Scenario load(String more) throws Exception {
    return ScenarioFile.load(write(more));
  }

  @Test
  void aProfileSetsTheVmsTheirSizeTheBarriersTheTrafficAndTheWork() throws Exception {
    Profile cg = NpbProfiles.lookup("cg.A.4").orElseThrow();
    Scenario.ScenarioApplication a = load("applications { x { profile = \"cg.A.4\", placement = a } }\n").application("x").orElseThrow();
    Application app = a.app();
    assertEquals("cg.A.4", a.profile());
    assertEquals(List.of("x-vm1", "x-vm2", "x-vm3", "x-vm4"), app.vmNames());
    Vm vm = app.vms().get(0);
    assertEquals(cg.size(), vm.size());
    assertEquals(1, vm.cores(), "a small VM");
    assertEquals(cg.dirtyBytesPerSecond(), vm.dirtyBytesPerSecond());
    assertEquals(cg.syncsPerWork(), app.workload().syncsPerWork());
    assertEquals(cg.defaultWorkSeconds(), app.workload().totalWork());
    assertEquals(cg.trafficPerWork().bytes(0, 1), app.workload().trafficPerWork().bytes(0, 1));
    assertEquals(cg.trafficPerWork().packets(2, 3), app.workload().trafficPerWork().packets(2, 3));
    assertEquals(app.vmNames(), app.workload().trafficPerWork().vms());
    assertEquals(Optional.empty(), a.arrives());
    assertEquals(START, a.arrival(START));
  }

  @Test
  void theSettingsOfTheApplicationOverrideThoseOfItsProfile() throws Exception {
    Profile mg = NpbProfiles.lookup("mg.A.4").orElseThrow();
    Application app = load("""
        applications {
          x { profile = "mg.A.4", vms = [r0, r1, r2, r3], size = medium, dirty-rate = 5MB/s, syncs-per-second = 7, work = 2h }
        }
        """).application("x").orElseThrow().app();
    assertEquals(List.of("x-r0", "x-r1", "x-r2", "x-r3"), app.vmNames());
    assertEquals("medium", app.vms().get(0).size());
    assertEquals(2, app.vms().get(0).cores());
    assertEquals(5e6, app.vms().get(0).dirtyBytesPerSecond());
    assertEquals(7, app.workload().syncsPerWork());
    assertEquals(7200, app.workload().totalWork());
    // rank order: r1 is the profile's vm2
    assertEquals(mg.trafficPerWork().bytes(1, 0), app.workload().trafficPerWork().bytes(1, 0));
  }

  @Test
  void aWrittenOutApplicationIsCustom() throws Exception {
    assertEquals(Scenario.CUSTOM, load("applications { x { vms = 2, work = 1h } }\n").application("x").orElseThrow().profile());
  }

  @Test
  void anApplicationArrivingLaterIsNotThereAtTheStart() throws Exception {
    Scenario s = load("""
        applications {
          now { profile = "ep.A.4", placement = a }
          atStart { profile = "is.A.4", arrives = "2026-06-01T12:00:00Z", placement = b }
          later { profile = "cg.A.4", arrives = "2026-06-01T15:30:00Z" }
        }
        """);
    assertEquals(Instant.parse("2026-06-01T15:30:00Z"), s.application("later").orElseThrow().arrival(START));
    assertEquals(List.of("atStart", "now"), s.atStart().stream().map(a -> a.app().name()).toList());
    assertEquals(2, s.problem(Map.of()).apps().size(), "the planning problem at the start leaves later arrivals out");
  }

  @Test
  void theSimulationSettingsHaveDefaults() throws Exception {
    assertSame(SimulationSettings.DEFAULT, load("").simulation());
    assertEquals(new SimulationSettings(Duration.ofSeconds(30), Optional.empty()), load("simulation { period = 30s }\n").simulation());
    assertEquals(new SimulationSettings(Duration.ofMinutes(5), Optional.of(Instant.parse("2026-06-02T00:00:00Z"))),
        load("simulation { end = \"2026-06-02T00:00:00Z\" }\n").simulation());
  }

  /** The four captured profiles only, so that the messages do not depend on which others exist. */
  private static final ProfileCatalog CAPTURED = new ProfileCatalog() {
    private final List<String> names = List.of("cg.A.4", "ep.A.4", "is.A.4", "mg.A.4");

    @Override
    public Optional<Profile> lookup(String name) {
      return names.contains(name) ? NpbProfiles.lookup(name) : Optional.empty();
    }

    @Override
    public List<String> names() {
      return names;
    }
  };

  private void assertRefused(String more, String... fragments) throws Exception {
    Path f = write(more);
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ScenarioFile.load(f, CAPTURED));
    assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
  }

  @Test
  void mistakesAreNamedWithTheirLineAndSetting() throws Exception {
    assertRefused("applications {\n  x { profile = \"cg.A.8\" }\n}\n", "s.conf:8: applications.x.profile", "unknown profile 'cg.A.8'",
        "cg.A exists for [4] VMs");
    assertRefused("applications {\n  x { profile = \"cg.Z.4\" }\n}\n", "applications.x.profile", "cg exists in classes [A]");
    assertRefused("applications {\n  x { profile = \"xx.A.4\" }\n}\n", "applications.x.profile", "benchmarks: [cg, ep, is, mg]");
    assertRefused("applications {\n  x { profile = \"cg\" }\n}\n", "applications.x.profile", "<benchmark>.<class>.<vms>", "cg.A.4");
    assertRefused("applications {\n  x { profile = \"cg.A.4\", vms = 8 }\n}\n", "s.conf:8: applications.x.vms", "runs on 4 VMs, not 8");
    assertRefused("applications {\n  x { profile = \"cg.A.4\", vms = [p, q] }\n}\n", "applications.x.vms", "runs on 4 VMs, not 2");
    assertRefused("applications {\n  x { profile = \"cg.A.4\", traffic = \"t.csv\" }\n}\n", "applications.x.traffic", "remove traffic or profile");
    assertRefused("applications {\n  x { profile = \"cg.A.4\", arrives = \"2026-06-01T11:00:00Z\" }\n}\n", "s.conf:8: applications.x.arrives",
        "before the scenario starts");
    assertRefused("applications {\n  x { profile = \"cg.A.4\", arrives = \"2026-06-01T13:00:00Z\", placement = a }\n}\n",
        "applications.x.placement", "runs nowhere yet");
    assertRefused("simulation { period = 0s }\n", "s.conf:7: simulation.period", "at least 1 s, not 0 ns");
    assertRefused("simulation {\n  end = \"2026-06-01T11:00:00Z\"\n}\n", "s.conf:8: simulation.end", "before it starts");
  }

  @Test
  void aSubmittedApplicationMayNameAProfileButArrivesWhenSubmitted() throws Exception {
    Scenario s = load("");
    Scenario.ScenarioApplication a = ScenarioFile.application("submitted", dir, "{ name = y, profile = \"is.A.4\" }", s.infra());
    assertEquals("is.A.4", a.profile());
    assertEquals(4, a.app().vms().size());
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> ScenarioFile.application("submitted", dir, "{ name = y, profile = \"is.A.4\", arrives = \"2026-06-01T13:00:00Z\" }", s.infra()));
    assertTrue(e.getMessage().contains("arrives when it is submitted"), e.getMessage());
  }
}
