package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.vmflock.model.InvalidInputException;

/**
 * Every mistake in a scenario is refused on its line, naming the setting: misspelled keys, values of
 * the wrong type, numbers out of their range (model/Limits), a placement over capacity, files that
 * never end. Before, each of these was ignored, exited 1 with a stack trace, or hung.
 */
class ScenarioBoundsTest {

  private static final String SCENARIO = """
      start = "2026-06-01T12:00:00Z"
      sites {
        a { capacity { slots = 8 }, price-per-vm-hour = 0.1, cpu-speed = 1.0 }
        b { capacity { slots = 8 }, price-per-vm-hour = 0.2 }
      }
      default-link { latency = 5ms, bandwidth = 1Gbps }
      applications {
        x { vms = 4, work = 2h, syncs-per-second = 10, placement = a, objective = time }
      }
      simulation { period = 5m }
      """;

  @TempDir Path dir;

  private InvalidInputException refused(String from, String to) throws Exception {
    assertTrue(SCENARIO.contains(from), from);
    Path f = dir.resolve("s.conf");
    Files.writeString(f, SCENARIO.replace(from, to));
    return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(InvalidInputException.class, () -> ScenarioFile.load(f)));
  }

  @Test
  void theScenarioAsWrittenIsRead() throws Exception {
    Path f = dir.resolve("ok.conf");
    Files.writeString(f, SCENARIO);
    assertEquals(1, ScenarioFile.load(f).applications().size());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "syncs-per-second = 10 | syncs-per-secondx = 10 | s.conf:8: applications.x.syncs-per-secondx: unknown setting 'syncs-per-secondx'",
      "placement = a | placementx = a | s.conf:8: applications.x.placementx: unknown setting 'placementx'",
      "work = 2h | work = 2h, trafficx = \"m.csv\" | s.conf:8: applications.x.trafficx: unknown setting 'trafficx'",
      "cpu-speed = 1.0 | cpu-speedx = 1.0 | s.conf:3: sites.a.cpu-speedx: unknown setting 'cpu-speedx'",
      "period = 5m | periodx = 5m | s.conf:10: simulation.periodx: unknown setting 'periodx'",
      "default-link | defaultlink | s.conf:6: defaultlink: unknown setting 'defaultlink'",
      "slots = 8 }, price-per-vm-hour = 0.1 | slots = 8, slot = 9 }, price-per-vm-hour = 0.1 | s.conf:3: sites.a.capacity.slot: unknown setting"})
  void aMisspelledSettingIsRefusedNotIgnored(String from, String to, String message) throws Exception {
    InvalidInputException e = refused(from, to);
    assertTrue(e.getMessage().startsWith(dir.resolve(message.substring(0, message.indexOf(':'))) + message.substring(message.indexOf(':'))),
        e.getMessage());
  }

  @Test
  void aValueOfTheWrongTypeIsRefusedOnItsLine() throws Exception {
    InvalidInputException e = refused("objective = time", "objective = [cost]");
    assertTrue(e.getMessage().startsWith(dir.resolve("s.conf") + ":8: applications.x.objective: expected a text, not list"), e.getMessage());
    InvalidInputException site = refused("b { capacity { slots = 8 }, price-per-vm-hour = 0.2 }", "b = 5");
    assertTrue(site.getMessage().startsWith(dir.resolve("s.conf") + ":4: "), site.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "cpu-speed = 1.0 | cpu-speed = 1e308 | sites.a.cpu-speed: a CPU speed is between 0.001 and 1000, not 1.0E308",
      "cpu-speed = 1.0 | cpu-speed = 1e-300 | sites.a.cpu-speed: a CPU speed is between 0.001 and 1000, not 1.0E-300",
      "price-per-vm-hour = 0.1 | price-per-vm-hour = 1e308 | sites.a.price-per-vm-hour: a price per VM-hour is between 0 and 10000, not 1.0E308",
      "vms = 4 | vms = 1000000000 | applications.x.vms: an application's number of VMs is between 1 and 1024, not 1000000000",
      "syncs-per-second = 10 | syncs-per-second = 1e300 | applications.x.syncs-per-second: a number of syncs per second is between 0 and 1000000",
      "period = 5m | period = 1ns | simulation.period: at least 1 s, not 1 ns",
      "work = 2h | work = 100000d | applications.x.work: an amount of work in seconds is between 0 and 100000000",
      "cpu-speed = 1.0 | cpu-speed = \"0x1p3\" | sites.a.cpu-speed: not a number: '0x1p3'",
      "cpu-speed = 1.0 | cpu-speed = \"2f\" | sites.a.cpu-speed: not a number: '2f'",
      "bandwidth = 1Gbps | bandwidth = 0Gbps | default-link.bandwidth: a bandwidth in bytes per second is between 1000"})
  void aNumberOutOfItsRangeIsRefusedNamingIt(String from, String to, String message) throws Exception {
    InvalidInputException e = refused(from, to);
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertTrue(e.getMessage().matches(".*s\\.conf:\\d+: .*"), "on its line: " + e.getMessage());
  }

  @Test
  void aPlacementOverCapacityIsRefusedAtLoad() throws Exception {
    InvalidInputException e = refused("vms = 4, work", "vms = 12, work");
    assertTrue(e.getMessage().contains("applications.x.placement: the applications placed at site a take 12 slots"), e.getMessage());
    assertTrue(e.getMessage().contains("more than its capacity (8 slots"), e.getMessage());
  }

  @Test
  void aTrafficFileThatNeverEndsIsRefused() throws Exception {
    InvalidInputException e = refused("work = 2h,", "work = 2h, traffic = \"/dev/zero\",");
    assertTrue(e.getMessage().contains("applications.x.traffic: /dev/zero: larger than 64 MiB"), e.getMessage());
  }

  @Test
  void anIncludeIsRefused() throws Exception {
    InvalidInputException e = refused("simulation { period = 5m }", "include \"/etc/hostname\"");
    assertTrue(e.getMessage().contains("include is not allowed"), e.getMessage());
  }

  @Test
  void aSimulationOfMoreThanAMillionPeriodsIsRefused() throws Exception {
    InvalidInputException e = refused("simulation { period = 5m }", "simulation { period = 1s, end = \"2100-01-01T00:00:00Z\" }");
    assertTrue(e.getMessage().contains("simulation.end: the simulation would run"), e.getMessage());
  }

  @Test
  void aSubmittedApplicationNamesNoFileUnlessTheNodeHasATrafficDirectory() throws Exception {
    Path f = dir.resolve("ok.conf");
    Files.writeString(f, SCENARIO);
    Scenario s = ScenarioFile.load(f);
    String app = "{ name = y, vms = 2, work = 1h, traffic = \"/etc/shadow\" }";
    InvalidInputException none = assertThrows(InvalidInputException.class,
        () -> ScenarioFile.application("submitted", Optional.empty(), app, s.infra()));
    assertTrue(none.getMessage().contains("this node reads no file named in a request"), none.getMessage());
    InvalidInputException outside = assertThrows(InvalidInputException.class,
        () -> ScenarioFile.application("submitted", Optional.of(dir), app, s.infra()));
    assertTrue(outside.getMessage().contains("'/etc/shadow' is not a file name under the traffic directory"), outside.getMessage());
    InvalidInputException up = assertThrows(InvalidInputException.class,
        () -> ScenarioFile.application("submitted", Optional.of(dir), app.replace("/etc/shadow", "../../etc/shadow"), s.infra()));
    assertTrue(up.getMessage().contains("is not a file name under the traffic directory"), up.getMessage());
    Files.writeString(dir.resolve("y.csv"), "src\\dst,vm1,vm2\nvm1,0,5\nvm2,7,0\n");
    assertEquals(5, ScenarioFile.application("submitted", Optional.of(dir), app.replace("/etc/shadow", "y.csv"), s.infra())
        .app().workload().trafficPerWork().bytes(0, 1));
    String inline = "{ name = y, vms = 2, work = 1h, traffic-csv = \"src\\\\dst,vm1,vm2\\nvm1,0,5\\nvm2,7,0\\n\" }";
    assertEquals(7, ScenarioFile.application("submitted", Optional.empty(), inline, s.infra()).app().workload().trafficPerWork().bytes(1, 0));
  }
}
