package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A report says which sites host for free, and which policies ran only there: why a policy costs 0. */
class FreeSitesNoteTest {

  @Test
  void thePageAndTheTerminalNameTheFreeSites() {
    SimulationReport report = SampleReports.small(); // nancy free; every policy also used lyon and rennes
    String note = "Free site (hosting price 0 all along): nancy.";
    assertEquals(note, SummaryTable.freeSitesNote(report));
    assertTrue(ReportWriter.summaryTable(report).contains(note), ReportWriter.summaryTable(report));
    assertTrue(ReportPage.html(report, List.of(), List.of(), List.of(), List.of()).contains("<p class=\"note\">" + note + "</p>"));
  }

  @Test
  void aPolicyThatKeptEveryVmOnFreeSitesIsSaidToPayNothingForHosting() {
    SimulationReport small = SampleReports.small();
    PolicyRun onGrid = new PolicyRun("none", small.runs().get(0).applications(),
        List.of(new TimelinePoint("none", SampleReports.START, new TreeMap<>(Map.of("grenoble", 8, "cloud", 0)), 0, 0, 0),
            new TimelinePoint("none", SampleReports.START.plusSeconds(300), new TreeMap<>(Map.of("lyon", 8)), 0, 0, 0)),
        small.runs().get(0).stats());
    PolicyRun paying = new PolicyRun("vmflock", small.runs().get(2).applications(),
        List.of(new TimelinePoint("vmflock", SampleReports.START, new TreeMap<>(Map.of("grenoble", 4, "cloud", 4)), 0, 0, 0)),
        small.runs().get(2).stats());
    SimulationReport r = new SimulationReport("grid", 1, SampleReports.START, List.of("cloud", "grenoble", "lyon"), List.of(onGrid, paying),
        new TreeMap<>(), "USD", List.of("grenoble", "lyon"));
    assertEquals("Free sites (hosting price 0 all along): grenoble, lyon. none kept every VM on them, so it paid nothing for hosting.",
        SummaryTable.freeSitesNote(r));
  }

  @Test
  void noFreeSiteNoNote() {
    SimulationReport single = SampleReports.single();
    assertEquals("", SummaryTable.freeSitesNote(single));
    assertFalse(ReportWriter.summaryTable(single).contains("Free site"));
    assertFalse(ReportPage.html(single, List.of(), List.of(), List.of(), List.of()).contains("Free site"));
  }
}
