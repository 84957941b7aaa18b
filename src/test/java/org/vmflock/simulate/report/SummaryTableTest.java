package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTableTest {

  private final String text = ReportWriter.summaryTable(SampleReports.small());
  private final List<String> lines = Arrays.asList(text.split("\n"));

  @Test
  void summarizesEachPolicyInAlignedColumns() {
    assertEquals("Scenario two <sites> & a third, seed 42: 3 policies, 3 applications", lines.get(0));
    assertEquals("policy         done  mean (min)  worst (min)  cost EUR  hosting  transfer  migration  migr     moved  "
        + "dl met  dl missed  checks  evac  rb", lines.get(1));
    assertEquals("none            2/3        84.4        110.0    6.5000   6.2000    0.3000     0.0000     0       0 B  "
        + "     1          1    1440     0   0", lines.get(3));
    assertEquals("price-chasing   3/3        80.6         90.0    5.4333   4.8000    0.5833     0.0500     5  29.88 GB  "
        + "     1          1    1440     1   2", lines.get(4));
    assertEquals("vmflock         3/3        72.8         81.7    5.2450   5.1500    0.0600     0.0350     3  17.18 GB  "
        + "     2          0    1440     0   0", lines.get(5));
    for (int i = 2; i <= 5; i++) {
      assertEquals(lines.get(1).length(), lines.get(i).length(), "line " + i + " aligned");
    }
  }

  @Test
  void namesTheCheapestAndFastestPolicyPerProfileAndObjective() {
    int at = lines.indexOf("Best policy per group");
    assertTrue(at > 0, text);
    assertEquals("group           applications  cheapest       cost EUR  fastest  mean (min)", lines.get(at + 1));
    assertEquals("profile lu                 1  price-chasing    2.5200  vmflock        81.7", lines.get(at + 5));
    assertEquals("objective time             1  vmflock          1.6600  vmflock        78.3", lines.get(at + 7));
  }

  @Test
  void notesFitATerminal() {
    lines.stream().filter(l -> l.startsWith("(") || !l.contains("  ")).forEach(l ->
        assertTrue(l.length() <= 100, l));
    assertTrue(text.endsWith("\n"));
  }

  @Test
  void onePolicyHasNoBestSectionAndNoDeadlines() {
    String one = ReportWriter.summaryTable(SampleReports.single());
    assertFalse(one.contains("Best policy"), one);
    assertTrue(one.contains("\npolicy   done  mean (s)  worst (s)  cost USD"), one);
    assertTrue(one.contains("\nvmflock   1/1      90.0       90.0    0.0100   0.0100    0.0000     0.0000     0    0 B  "
        + "     -          -      18     0   0\n"), one);
  }
}
