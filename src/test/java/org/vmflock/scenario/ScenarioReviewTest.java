package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees of a scenario before running it: its applications' work, and the timeline events that cannot matter. */
class ScenarioReviewTest {

  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      sites {
        lyon  { capacity { slots = 32, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
        nancy { capacity { slots = 32, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.06, transfer-price-per-gb = 0, cpu-speed = 0.5 }
      }
      links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 10Gbps } ]
      """;

  private static Scenario load(Path dir, String text) throws Exception {
    Path f = dir.resolve("s.conf");
    Files.writeString(f, text);
    return ScenarioFile.load(f);
  }

  @Test
  void aProfilesDefaultWorkIsShownWithHowLongItRuns(@TempDir Path dir) throws Exception {
    Scenario s = load(dir, SITES + """
        applications {
          cg { profile = "cg.B.16", objective = time, placement = lyon }
          ep { profile = "ep.A.4", work = 3h, objective = cost, placement = nancy }
        }
        """);
    double cgWork = NpbProfiles.lookup("cg.B.16").orElseThrow().defaultWorkSeconds();
    List<String> lines = ScenarioReview.applications(s, ProfileCatalog.NPB);
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("cg: cg.B.16, 16 VM(s), work " + ScenarioReview.human(cgWork) + " (the profile's default), about "
        + ScenarioReview.human(cgWork) + " there; on lyon"), lines.get(0));
    assertEquals("ep: ep.A.4, 4 VM(s), work 3.0 h, about 6.0 h there; on nancy", lines.get(1), "at nancy's half speed");
  }

  @Test
  void anEventAfterTheEndOrAfterEveryApplicationFinishedIsAWarning(@TempDir Path dir) throws Exception {
    Scenario s = load(dir, SITES + """
        simulation { end = "2026-06-02T12:00:00Z" }
        applications { ep { profile = "ep.A.4", work = 2h, objective = cost, placement = lyon } }
        timeline = [
          { at = "2026-06-01T13:00:00Z", price { site = lyon, per-vm-hour = 0.20 } }
          { at = "2026-06-01T17:00:00Z", speed { site = lyon, cpu-speed = 1.1 } }
        ]
        """);
    List<String> w = ScenarioReview.warnings(s);
    // 2 h of work at the slowest speed (nancy's 0.5): done by 16:00 at the latest, running from the start
    assertEquals(1, w.size(), w.toString());
    assertTrue(w.get(0).startsWith("timeline event 1 (speed at lyon, 2026-06-01T17:00:00Z) comes after every application would have finished")
        && w.get(0).contains("2026-06-01T16:00:00Z"), w.get(0));
  }

  @Test
  void anEventAfterTheSimulationsEndIsAWarning(@TempDir Path dir) throws Exception {
    Scenario s = load(dir, SITES + """
        simulation { end = "2026-06-01T14:00:00Z" }
        applications { ep { profile = "ep.A.4", work = 20h, objective = cost, placement = lyon } }
        timeline = [ { at = "2026-06-01T15:00:00Z", price { site = lyon, per-vm-hour = 0.20 } } ]
        """);
    assertEquals(List.of("timeline event 0 (price at lyon, 2026-06-01T15:00:00Z) comes after the simulation's end (2026-06-01T14:00:00Z): it never happens"),
        ScenarioReview.warnings(s));
  }

  @Test
  void theShippedExampleWarnsOfNothing() {
    Scenario s = ScenarioFile.load(Path.of("simulations", "example.conf"));
    assertEquals(List.of(), ScenarioReview.warnings(s));
  }
}
