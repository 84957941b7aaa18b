package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every cost of a report says its currency, the scenario's (SampleReports.small is in euros). */
class ReportCurrencyTest {

  @TempDir
  Path dir;

  @Test
  void thePageTheTablesAndTheFiguresNameTheScenariosCurrency() throws Exception {
    SimulationReport report = SampleReports.small();
    List<String> written = ReportWriter.write(report, dir);
    String page = Files.readString(dir.resolve(ReportWriter.INDEX_HTML));
    assertTrue(page.contains("<th>cost (EUR)</th><th>hosting (EUR)</th><th>transfer (EUR)</th><th>migration (EUR)</th>"), page);
    assertTrue(page.contains("Costs in EUR."), "the page says it once at the top");
    assertTrue(page.contains("<th>cost (EUR)</th><th>migrations</th>"), "the applications' table too");
    assertTrue(page.contains("Cost spent so far by each policy over time (EUR)."), page);
    assertFalse(page.contains("price units"), page);
    String summary = ReportWriter.summaryTable(report);
    assertTrue(summary.contains("cost EUR"), summary);
    assertTrue(summary.contains("costs in EUR (the scenario's currency)"), summary);
    assertEquals("cost (EUR)", ReportCharts.costAxis(report));
    assertTrue(written.contains("cumulative-cost.png") && written.contains("cost-split.png"));
    assertTrue(ReportWriter.resultsCsv(report).lines().skip(1).allMatch(l -> l.endsWith(",EUR")));
  }

  @Test
  void aReportThatNamesNoCurrencyIsInUsDollars() {
    SimulationReport single = SampleReports.single();
    assertEquals("USD", single.currency());
    assertTrue(ReportWriter.summaryTable(single).contains("cost USD"));
  }
}
