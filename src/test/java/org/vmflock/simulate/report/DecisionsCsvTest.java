package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** decisions.csv: what each policy decided that changed something, with its reason and predictions. */
class DecisionsCsvTest {

  @TempDir Path dir;

  private static SimulationReport withDecisions() {
    Instant t0 = SampleReports.START;
    PolicyRun run = new PolicyRun("vmflock",
        List.of(SampleReports.single().runs().get(0).applications().get(0)),
        List.of(new TimelinePoint("vmflock", t0, new TreeMap<>(Map.of("lyon", 2)), 0, 0, 0)),
        new PolicyRun.RunStats(90, 9, 2, 18, 0, 0),
        List.of(new DecisionLine(t0, "only", "place", 0, Optional.of(85.5), Optional.of(0.0125), Optional.empty(), Optional.empty(),
            "only: initial placement on lyon"),
            new DecisionLine(t0.plusSeconds(30), "only", "migrate", 2, Optional.of(40.0), Optional.of(0.5), Optional.of(60.25),
                Optional.of(Double.POSITIVE_INFINITY),
                "only: move [only-vm1, only-vm2] lyon -> rennes; gains 20 s, \"net\"")));
    return new SimulationReport("single", 1, t0, List.of("lyon"), List.of(run), new TreeMap<>());
  }

  @Test
  void oneLinePerDecisionWithItsPredictionsAndReason() {
    String csv = ReportWriter.decisionsCsv(withDecisions());
    assertEquals("policy,at,application,kind,migrations,predicted_remaining_s,predicted_cost,stay_remaining_s,stay_cost,currency,reason\n"
        + "vmflock,2024-03-01T00:00:00Z,only,place,0,85.500,0.012500,,,USD,only: initial placement on lyon\n"
        + "vmflock,2024-03-01T00:00:30Z,only,migrate,2,40.000,0.500000,60.250,,USD,"
        + "\"only: move [only-vm1, only-vm2] lyon -> rennes; gains 20 s, \"\"net\"\"\"\n", csv);
  }

  @Test
  void writtenBesideTheResultsAndLinkedFromThePage() throws Exception {
    List<String> files = ReportWriter.write(withDecisions(), dir);
    assertTrue(files.contains(ReportWriter.DECISIONS_CSV), files.toString());
    assertEquals(ReportWriter.decisionsCsv(withDecisions()), Files.readString(dir.resolve(ReportWriter.DECISIONS_CSV)));
    assertTrue(Files.readString(dir.resolve(ReportWriter.INDEX_HTML)).contains("href=\"decisions.csv\""));
  }
}
