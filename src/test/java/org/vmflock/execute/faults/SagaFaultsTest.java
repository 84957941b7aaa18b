package org.vmflock.execute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.execute.SagaPhase;
import org.vmflock.testing.TestConfigs;

/**
 * Migrations through the real saga path with faults (issue 11, E1): the saga actor, two site
 * actors and the H2 journal, with actuator failures and timeouts on any attempt, lost and repeated
 * messages, journal write failures and saga crashes. After every run no VM is lost or duplicated,
 * nothing is left reserved, the sites' books equal a recount of the world, and the saga reported
 * its end once, as its journal records it; the same seed gives the same run. The seeds that found
 * each defect are kept.
 */
class SagaFaultsTest {

  /** Seeded runs in {@code bin/test}; {@code bin/vmflock bench faults} runs 10,000. */
  private static final int RUNS = 350;
  private static final long FIRST_SEED = 1_000_001;
  private static final int FAILURES_SHOWN = 5;
  private static final int WARMUP = 48;

  @TempDir static Path journal;
  private static SagaFaultHarness harness;
  private static AutoCloseable silenced;

  @BeforeAll
  static void start() {
    silenced = SagaFaultHarness.silenceActorLogs();
    com.typesafe.config.Config config = TestConfigs.node(journal, Map.of());
    org.vmflock.node.JournalCheck.prepare(config);
    harness = new SagaFaultHarness(config, SagaFaultHarness.Settings.DEFAULTS);
    // a cold JVM is slow to restart an actor after a failed write: warm it up first, as the bench does
    harness.runAll(-WARMUP, WARMUP, r -> {});
  }

  @AfterAll
  static void stop() throws Exception {
    harness.close();
    silenced.close();
  }

  @Test
  void noVmIsLostOrDuplicatedAndNothingLeaksWhateverFails() {
    FaultTally tally = new FaultTally();
    harness.runAll(FIRST_SEED, RUNS, tally::add);
    String report = String.join("\n", tally.table()) + "\n" + tally.checks();
    System.out.println(report);

    List<String> failures = tally.failures().stream().limit(FAILURES_SHOWN)
        .map(f -> "seed " + f.seed() + " (" + f.kind() + "): " + f.violations()).toList();
    assertEquals(List.of(), failures, report);
    assertEquals("faults: " + RUNS + " runs, 0 VMs lost, 0 duplicated, 0 reservations leaked, 0 books wrong", tally.summary());
    for (FaultKind k : FaultKind.values()) {
      assertTrue(tally.of(k).runs() > 0, k + " never ran\n" + report);
    }
    FaultTally.Counts all = tally.all();
    assertTrue(all.completed() > 0 && all.rolledBack() > 0 && all.stuck() > 0, "completed, rolled back and stuck sagas all occur\n" + report);
  }

  @Test
  void aSeedGivesTheSameRun() {
    List<Long> seeds = LongStream.rangeClosed(1, FaultKind.values().length * 2L).boxed().toList();
    List<FaultRun> first = harness.runAll(seeds, r -> {});
    List<FaultRun> second = harness.runAll(seeds, r -> {});
    for (int i = 0; i < seeds.size(); i++) {
      assertEquals(first.get(i).signature(), second.get(i).signature(), "seed " + seeds.get(i) + " (" + first.get(i).kind() + ")");
    }
  }

  /** The seeds whose runs failed before the fix, and what they found; each run passes now. */
  private static final Map<Long, String> DEFECTS_FOUND = new TreeMap<>(Map.ofEntries(
      Map.entry(286L, "the answers to a reservation were lost after the site wrote it: the rollback did not release it"
          + " (no answer counted as a refusal)"),
      Map.entry(152L, "the same, among other faults"),
      Map.entry(20L, "the saga's first write failed: it came back from its journal and never started"),
      Map.entry(39L, "the same"),
      Map.entry(21L, "the write of an attempt failed: the saga came back and waited for that attempt forever"),
      Map.entry(78L, "the same"),
      Map.entry(3L, "the same"),
      Map.entry(4L, "a crashed saga resumed twice (a Resume, then a Start) reported its end twice"),
      Map.entry(23L, "the same"),
      Map.entry(12L, "a step the actuator never answered: the saga waited forever (there was no step timeout)"),
      Map.entry(16L, "the same"),
      Map.entry(96L, "the same"),
      Map.entry(214L, "a copy of the reservation request arrived after the rollback released it: the site held the room again"),
      Map.entry(108L, "the same")));

  @Test
  void theRunsThatFoundDefectsPass() {
    List<String> failed = new ArrayList<>();
    for (FaultRun r : harness.runAll(List.copyOf(DEFECTS_FOUND.keySet()), x -> {})) {
      if (!r.passed() || r.reported() != 1 || !r.outcome().map(SagaPhase::ended).orElse(false)) {
        failed.add("seed " + r.seed() + " (" + DEFECTS_FOUND.get(r.seed()) + "): " + r.outcome() + " " + r.violations());
      }
    }
    assertEquals(List.of(), failed);
  }
}
