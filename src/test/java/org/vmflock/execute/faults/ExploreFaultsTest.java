package org.vmflock.execute.faults;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.TestConfigs;

class ExploreFaultsTest {
  @TempDir Path dir;

  @Test
  void explore() {
    long first = Long.getLong("faults.seed", 1);
    int runs = Integer.getInteger("faults.runs", 100);
    FaultTally tally = new FaultTally();
    long t0 = System.nanoTime();
    try (SagaFaultHarness h = new SagaFaultHarness(TestConfigs.node(dir, Map.of()), new SagaFaultHarness.Settings(100, java.time.Duration.ofMillis(1500), java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(10), 24))) {
      h.runAll(first, runs, tally::add);
    }
    System.out.println("took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    tally.table().forEach(System.out::println);
    System.out.println(tally.checks());
    System.out.println(tally.summary());
    for (FaultRun r : tally.failures()) {
      System.out.println("FAIL seed " + r.seed() + " " + r.kind() + " " + r.outcome() + " " + r.reason() + " faults " + r.faults());
      r.violations().forEach(v -> System.out.println("   " + v));
      if (Boolean.getBoolean("faults.verbose")) {
        System.out.println(r.signature().replace("), ", "),\n   "));
      }
    }
  }
}
