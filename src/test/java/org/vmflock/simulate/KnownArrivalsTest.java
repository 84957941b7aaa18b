package org.vmflock.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.InvalidInputException;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.simulate.report.DecisionLine;

/**
 * Arrivals known in advance hold room (P3): {@code announced = D} on an application that arrives
 * later tells the manager D before; until it arrives the planner keeps room for it where it would
 * place it, so the others do not fill it.
 */
class KnownArrivalsTest {

  @TempDir
  Path dir;

  /**
   * cheap (8 slots, 0.05) is empty; job (2 VMs, cost) runs on dear (0.50) and would move to cheap;
   * big (8 VMs, cost) arrives an hour in and fits only on cheap.
   */
  private Path scenario(String announced) throws Exception {
    Path f = dir.resolve("arrivals" + announced.length() + ".conf");
    Files.writeString(f, """
        start = "2026-06-01T12:00:00Z"
        simulation { period = 5m, end = "2026-06-03T12:00:00Z" }
        sites {
          cheap { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
          dear { capacity { slots = 2, cores = 8, memory = 16GiB }, price-per-vm-hour = 0.50, transfer-price-per-gb = 0 }
        }
        links = [ { between = [cheap, dear], latency = 5ms, bandwidth = 10Gbps } ]
        applications {
          job { vms = 2, size = small, dirty-rate = 20MB/s, work = 10h, objective = cost, placement = dear }
          big { vms = 8, size = small, dirty-rate = 20MB/s, work = 4h, objective = cost, arrives = "2026-06-01T13:00:00Z" %s }
        }
        """.formatted(announced));
    return f;
  }

  private static List<DecisionLine> decisions(Path scenario) {
    Experiment.Result r = Experiment.run(ScenarioFile.load(scenario), List.of("vmflock"), 1, ConfigFactory.load(), 0, p -> {});
    return r.report().runs().get(0).decisions();
  }

  @Test
  void theRoomOfAnAnnouncedArrivalIsHeldForIt() throws Exception {
    // not announced: job moves to cheap at once; big, arriving, finds 6 slots there and is split
    // over both sites (2 VMs on dear, 10 times the price)
    List<DecisionLine> blind = decisions(scenario(""));
    assertTrue(blind.stream().anyMatch(d -> d.application().equals("job") && d.kind().equals("migrate") && d.at().isBefore(ARRIVAL)),
        "job moves at the start: " + blind);
    assertTrue(placement(blind, "big").contains("on dear"), "big split: " + placement(blind, "big"));
    // announced two hours before (so at the start): cheap's room is held for big, which starts whole
    // there when it arrives; job stays on dear meanwhile
    List<DecisionLine> announced = decisions(scenario(", announced = 2h"));
    assertTrue(announced.stream().noneMatch(d -> d.application().equals("job") && d.kind().equals("migrate") && d.at().isBefore(ARRIVAL)),
        "job waits: " + announced);
    String big = placement(announced, "big");
    assertTrue(big.contains("on cheap") && !big.contains("on dear"), "big whole on cheap: " + big);
  }

  @Test
  void anAnnouncementIsChecked() throws Exception {
    Scenario s = ScenarioFile.load(scenario(", announced = 2h"));
    Scenario.ScenarioApplication big = s.applications().stream().filter(a -> a.app().name().equals("big")).findFirst().orElseThrow();
    assertEquals(Optional.of(START), big.announced(), "never before the start");
    Path bad = dir.resolve("bad.conf");
    Files.writeString(bad, Files.readString(scenario("")).replace("placement = dear }", "placement = dear, announced = 1h }"));
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> ScenarioFile.load(bad));
    assertTrue(e.getMessage().contains("job.announced") && e.getMessage().contains("arrives after the start"), e.getMessage());
    Path zero = dir.resolve("zero.conf");
    Files.writeString(zero, Files.readString(scenario("")).replace("arrives = \"2026-06-01T13:00:00Z\"", "arrives = \"2026-06-01T13:00:00Z\", announced = 0s"));
    assertThrows(InvalidInputException.class, () -> ScenarioFile.load(zero));
  }

  private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  private static final Instant ARRIVAL = Instant.parse("2026-06-01T13:00:00Z");

  /** The reason of the application's initial placement ("... on cheap, [...] on dear"). */
  private static String placement(List<DecisionLine> decisions, String app) {
    return decisions.stream().filter(d -> d.application().equals(app) && d.kind().equals("place")).map(DecisionLine::reason).findFirst()
        .orElse("never placed");
  }
}
