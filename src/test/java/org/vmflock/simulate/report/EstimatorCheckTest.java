package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The estimator against the simulator's truth in the report: which applications, the errors and their median. */
class EstimatorCheckTest {

  private static AppResult app(String policy, String name, Optional<AppResult.Estimate> e) {
    return new AppResult(policy, name, "cg.A.4", 4, "time", Instant.EPOCH, Optional.of(Instant.EPOCH.plusSeconds(100)), 100, 0, 0, 0,
        e.isPresent() ? 0 : 1, 0, 0, Optional.empty(), Optional.empty(), e);
  }

  @Test
  void movedApplicationsAreLeftOutAndTheMedianIsOfTheOthers() {
    PolicyRun none = new PolicyRun("none", List.of(app("none", "a", Optional.of(new AppResult.Estimate(110, 100))),
        app("none", "b", Optional.of(new AppResult.Estimate(80, 100))), app("none", "c", Optional.of(new AppResult.Estimate(102, 100)))),
        List.of(), new PolicyRun.RunStats(0, 0, 0, 0, 0, 0));
    PolicyRun vmflock = new PolicyRun("vmflock", List.of(app("vmflock", "a", Optional.empty())), List.of(),
        new PolicyRun.RunStats(0, 0, 0, 0, 0, 0));
    SimulationReport report = new SimulationReport("x", 1, Instant.EPOCH, List.of("s"), List.of(none, vmflock), new TreeMap<>());
    assertEquals(3, EstimatorCheck.checked(report).size());
    // |+10 %|, |-20 %|, |+2 %|: median 10 %
    assertEquals(0.10, EstimatorCheck.medianAbsoluteError(EstimatorCheck.checked(report)), 1e-12);
    ReportSection s = EstimatorCheck.section(report).orElseThrow();
    assertEquals(List.of("none", "b", "cg.A.4", "80", "100", "-20.0"), s.rows().get(1));
    assertTrue(s.note().contains("none 10.0 % (3)") && !s.note().contains("vmflock "), s.note());
    assertTrue(EstimatorCheck.line(report).orElseThrow().contains("median |error| 10.0 % over 3 applications"));
    assertTrue(ReportJson.json(report).contains("\"estimated_s\": 110.000"), ReportJson.json(report));
  }

  @Test
  void aReportWithoutCheckedApplicationsHasNoSection() {
    PolicyRun run = new PolicyRun("none", List.of(app("none", "a", Optional.empty())), List.of(), new PolicyRun.RunStats(0, 0, 0, 0, 0, 0));
    SimulationReport report = new SimulationReport("x", 1, Instant.EPOCH, List.of("s"), List.of(run), new TreeMap<>());
    assertTrue(EstimatorCheck.section(report).isEmpty());
    assertTrue(EstimatorCheck.line(report).isEmpty());
  }
}
