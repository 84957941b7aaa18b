package org.vmflock.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.vmflock.execute.faults.FaultRun;
import org.vmflock.execute.faults.FaultTally;
import org.vmflock.execute.faults.SagaFaultHarness;
import org.vmflock.model.InvalidInputException;
import org.vmflock.node.NodeConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Migrations through the real saga path with faults (issue 11): per run, the saga actor and two
 * site actors on the H2 journal, with the faults of the run's seed; after each run its checks.
 */
@Command(
    name = "faults",
    mixinStandardHelpOptions = true,
    description = {
      "Runs seeded migrations through the saga actor, real site actors and the H2 journal, with faults:",
      "actuator failures and timeouts, lost and repeated messages, journal write failures, saga crashes.",
      "After each run: every VM in exactly one place, no reservation left, the sites' books equal to a",
      "recount, the outcome reported once and recorded; some seeds are run twice and must give the same run.",
      "Last line: faults: N runs, L VMs lost, D duplicated, R reservations leaked, B books wrong (exit 1 unless all 0",
      "and every check passed). A run is reproduced alone with --runs 1 --seed ITS_SEED."
    })
public final class FaultsBench implements Callable<Integer> {

  private static final int MAX_RUNS = 10_000_000;
  private static final int FAILURES_SHOWN = 10;

  @Option(names = "--runs", defaultValue = "10000", description = "Seeded runs (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--seed", defaultValue = "1", description = "The first run's seed; the others follow (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--repeat-every", defaultValue = "100",
      description = "Every so many seeds, the run is made again and must be the same (0: never) (default ${DEFAULT-VALUE}).")
  int repeatEvery;

  @Option(names = "--parallel", defaultValue = "48", description = "Runs at once (default ${DEFAULT-VALUE}).")
  int parallel;

  @Option(names = "--warmup", defaultValue = "96", description = "Runs of other seeds first, not counted: the JVM warms up (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--signatures", hidden = true, description = "Writes each run's seed and history to this file (to compare two invocations).")
  Path signatures;

  @Mixin NodeOptions node;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (runs < 1 || runs > MAX_RUNS) {
      throw new InvalidInputException("--runs", "between 1 and " + MAX_RUNS + ", not " + runs);
    }
    if (repeatEvery < 0 || warmup < 0 || parallel < 1 || parallel > 1000) {
      throw new InvalidInputException("--repeat-every/--warmup/--parallel", "--repeat-every and --warmup at least 0, --parallel between 1 and 1000");
    }
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = new Progress(false);
    Path journal = Files.createTempDirectory("vmflock-bench-faults");
    Map<String, Object> overrides = new HashMap<>(NodeConfig.h2JournalAt(journal));
    overrides.put("pekko.remote.artery.canonical.port", 0);
    SagaFaultHarness.Settings settings = SagaFaultHarness.Settings.DEFAULTS.withParallelism(parallel);
    SagaFaultHarness.silenceActorLogs();
    long t0 = System.nanoTime();
    FaultTally tally = new FaultTally();
    List<String> different = new ArrayList<>();
    int repeated = 0;
    List<FaultRun> all;
    com.typesafe.config.Config config = node.load(overrides);
    org.vmflock.node.JournalCheck.prepare(config);
    try (SagaFaultHarness harness = new SagaFaultHarness(config, settings)) {
      out.printf(Locale.ROOT, "faults bench: %,d seeded runs from seed %d, %d at a time; each a saga actor and two site actors on"
          + " pekko-persistence-jdbc (H2 in %s)%n", runs, seed, parallel, journal);
      out.flush();
      if (warmup > 0) {
        progress.line(String.format(Locale.ROOT, "faults: %d warm-up runs (seeds %d to -1)", warmup, -warmup));
        harness.runAll(-warmup, warmup, r -> {});
      }
      AtomicInteger done = new AtomicInteger();
      all = harness.runAll(seed, runs, r -> {
        tally.add(r);
        int n = done.incrementAndGet();
        if (n % Math.max(1, runs / 100) == 0 || n == runs) {
          progress.inPlace(String.format(Locale.ROOT, "faults: %d/%d runs, %d failed, %.0f s", n, runs, tally.all().failedRuns(),
              (System.nanoTime() - t0) / 1e9));
        }
      });
      progress.done("");
      if (repeatEvery > 0) {
        List<FaultRun> once = all.stream().filter(r -> (r.seed() - seed) % repeatEvery == 0).toList();
        List<FaultRun> twice = harness.runAll(once.stream().map(FaultRun::seed).toList(), r -> {});
        repeated = once.size();
        for (int i = 0; i < once.size(); i++) {
          if (!once.get(i).signature().equals(twice.get(i).signature())) {
            different.add("seed " + once.get(i).seed() + " (" + once.get(i).kind().label() + ") gave another run the second time");
          }
        }
      }
    } finally {
      deleteQuietly(journal);
    }
    tally.table().forEach(out::println);
    out.println("digest of the runs: " + digest(all));
    if (signatures != null) {
      StringBuilder b = new StringBuilder();
      all.forEach(r -> b.append("seed ").append(r.seed()).append('\n').append(r.signature()).append('\n'));
      Files.writeString(signatures, b);
    }
    out.println(tally.checks());
    if (repeatEvery > 0) {
      out.printf(Locale.ROOT, "same seed, same run: %d of %d seeds run twice gave the same saga events, world and books%n",
          repeated - different.size(), repeated);
    }
    List<FaultRun> failures = tally.failures();
    for (FaultRun f : failures.subList(0, Math.min(FAILURES_SHOWN, failures.size()))) {
      out.printf(Locale.ROOT, "failed: seed %d (%s), ended %s: %s%n", f.seed(), f.kind().label(),
          f.outcome().map(Object::toString).orElse("without an outcome"), String.join("; ", f.violations()));
    }
    different.forEach(d -> out.println("failed: " + d));
    out.printf(Locale.ROOT, "took %.0f s%n", (System.nanoTime() - t0) / 1e9);
    out.println(tally.summary());
    out.flush();
    return failures.isEmpty() && different.isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }

  /** A fingerprint of every run's history, in seed order: the same seeds give the same digest. */
  private static String digest(List<FaultRun> runs) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      for (FaultRun r : runs) {
        sha.update((r.seed() + "\n" + r.signature() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      return java.util.HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it eventually
    }
  }
}
