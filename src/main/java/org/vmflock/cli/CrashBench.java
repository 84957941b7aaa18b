package org.vmflock.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vmflock.model.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "crash",
    mixinStandardHelpOptions = true,
    description = {
      "Kills a `run` node (kill -9) at seeded random moments and checks it comes back as the node that crashed.",
      "The node runs a scenario of three sites and two applications in a JVM of its own, 60 times faster than real time",
      "(data directory in a temporary folder). Before each kill, a burst of events over HTTP (prices that move the",
      "applications back and forth, submissions, capacity changes) and the migrations it starts; one kill in five strikes",
      "the node while it starts again instead. After each restart on the same data directory, once migrations have",
      "settled: every VM in exactly one place, the same in the manager, the site actors' books and the simulated",
      "hypervisors; no reservation leaked; the running applications progressing; no accepted event lost (submissions,",
      "site changes, the scenario's timeline); no decision or migration id taken twice. A line per kill point; last line:",
      "crash: N kill points, V VMs lost, D decisions doubled, E events lost. Exit 1 if anything did not hold."
    })
public final class CrashBench implements Callable<Integer> {

  @Option(names = "--kills", defaultValue = "50", paramLabel = "N", description = "Kill points (default ${DEFAULT-VALUE}).")
  int kills;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Seed of the kill moments and events (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--time-scale", defaultValue = "60", paramLabel = "X", description = "The node's scenario time runs X times faster (default ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(names = "--keep", description = "Keep the node's data directory and scenario (printed) instead of deleting them.")
  boolean keep;

  @Option(names = "--node-set", paramLabel = "KEY=VALUE", description = "A setting of the node (as run --set), repeatable.")
  java.util.List<String> nodeSettings = new java.util.ArrayList<>();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (kills < 1 || kills > 10_000) {
      throw new InvalidInputException("--kills", "must be in 1..10000, not " + kills);
    }
    if (!(timeScale >= 1 && timeScale <= 1000)) {
      throw new InvalidInputException("--time-scale", "must be in 1..1000, not " + timeScale);
    }
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("vmflock-bench-crash");
    CrashTrial.Result r;
    try {
      r = new CrashTrial(new CrashTrial.Settings(kills, seed, dir, timeScale, nodeSettings), out).run();
    } finally {
      if (keep) {
        out.println("kept: " + dir);
      } else {
        deleteQuietly(dir);
      }
    }
    out.printf(Locale.ROOT, "reservations leaked: %d, applications stalled: %d, migrations that never ended: %d%n", r.reservationsLeaked(),
        r.appsStalled(), r.migrationsUnsettled());
    out.printf(Locale.ROOT, "events lost that were answered within %d ms of a kill: %d (a journal that acknowledges before its write is on disk)%n",
        CrashTrial.JOURNAL_WINDOW.toMillis(), r.journalLosses().size());
    out.printf(Locale.ROOT, "crash: %d kill points, %d VMs lost, %d decisions doubled, %d events lost%n", r.points().size(), r.vmsLost(),
        r.decisionsDoubled(), r.eventsLost());
    out.flush();
    return r.violations().isEmpty() && r.journalLosses().isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it eventually
    }
  }
}
