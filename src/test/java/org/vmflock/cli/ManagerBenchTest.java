package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.vmflock.testing.Cli;

/** {@code vmflock bench manager} runs its events through a real node and prints its figures (not a timing test). */
class ManagerBenchTest {

  @Test
  void nearestRankPercentiles() {
    double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, ManagerBench.percentile(sorted, 50));
    assertEquals(10, ManagerBench.percentile(sorted, 99));
    assertEquals(1, ManagerBench.percentile(sorted, 1));
    assertEquals(7, ManagerBench.percentile(new double[] {7}, 99));
  }

  @Test
  void everyPriceEventLeadsToAMigrationCommandAndTheFiguresArePrinted() {
    Cli.Run run = Cli.run("bench", "manager", "--events", "4", "--warmup", "1");
    assertEquals(ExitCode.OK, run.exitCode(), run.err());
    assertTrue(run.out().contains("reference: persisted site change answered"), run.out());
    assertTrue(run.out().contains("(4 events; debounce"), run.out());
    String[] lines = run.out().strip().split("\n");
    Matcher last = Pattern.compile("^event->command p99: (\\d+) ms$").matcher(lines[lines.length - 1]);
    assertTrue(last.matches(), run.out());
    assertTrue(Long.parseLong(last.group(1)) > 0, run.out());
  }

  @Test
  void aBenchWithoutEventsIsRefused() {
    Cli.Run run = Cli.run("bench", "manager", "--events", "0");
    assertEquals(ExitCode.INVALID_INPUT, run.exitCode());
    assertTrue(run.err().contains("--events"), run.err());
  }
}
