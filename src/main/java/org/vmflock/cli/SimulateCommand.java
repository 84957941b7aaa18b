package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.vmflock.model.InvalidInputException;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.scenario.ScenarioReview;
import org.vmflock.simulate.Experiment;
import org.vmflock.simulate.Inputs;
import org.vmflock.control.Policy;
import org.vmflock.simulate.Simulation;
import org.vmflock.simulate.report.ReportWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Simulates a federation of sites and its applications under each policy, and compares them (S1, S2).",
      "A deterministic discrete-event run of the scenario (sites, links, applications, timeline) with the",
      "manager's own analysis, estimation, planning and migration sagas; only time, traffic and the hypervisors",
      "are simulated. Writes results.csv, results.json, timeline.csv, PNG plots and index.html into --out, and",
      "prints the summary table. Without arguments: simulations/grid5000-npb.conf, every policy, into reports/.",
      "Policies: none (initial placement only), price-chasing (cheapest site per VM, blind to traffic),",
      "report-grouping (the report's groups, group moves, no estimator), vmflock (all of it)."
    })
public final class SimulateCommand implements Callable<Integer> {

  /** The scenario run without arguments. */
  static final String DEFAULT_SCENARIO = "grid5000-npb.conf";

  @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO",
      description = "Scenario file (HOCON; see simulations/). Default: simulations/" + DEFAULT_SCENARIO + ".")
  Path scenario;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the run (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "1",
      description = "Run every policy with N seeds from --seed on: the report is of the first, results.json, seeds.csv, index.html and"
          + " the summary add each policy's figures over the N seeds with 95 %% confidence intervals (default ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "reports",
      description = "Where the report goes (default ${DEFAULT-VALUE}); a previous report there is replaced.")
  Path out;

  @ArgGroup(exclusive = true)
  Choice choice;

  static final class Choice {
    @Option(names = "--policy", paramLabel = "P", split = ",", description = "Only these policies (comma-separated): none, price-chasing, report-grouping, vmflock.")
    List<String> policies;

    @Option(names = "--compare", description = "Every policy on the same seed (the default).")
    boolean compare;
  }

  @Option(names = "--faults", paramLabel = "P", defaultValue = "0",
      description = "Probability that a step of a migration fails once (transient faults; default ${DEFAULT-VALUE}).")
  double faults;

  @Option(names = "--price-foresight",
      description = "The manager knows every site's future prices from the start (default: each price change reaches it when it happens).")
  boolean priceForesight;

  @Option(names = "--force", description = "Replace --out even if it holds something other than a report.")
  boolean force;

  /** Seeds one invocation may run at most. */
  static final int MAX_SEEDS = 1000;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Option(names = "--dry-run", description = "Check the scenario and show what would run (each application's work and how long that is), then stop.")
  boolean dryRun;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Path file = scenario != null ? scenario : Samples.installed("simulations", DEFAULT_SCENARIO);
    List<String> policies = choice == null || choice.compare ? Policy.NAMES : List.copyOf(new LinkedHashSet<>(choice.policies));
    Config config = node.load(Map.of());
    Scenario s = ScenarioFile.load(file);
    Simulation.Input input = Inputs.of(s);
    PrintWriter err = spec.commandLine().getErr();
    ScenarioReview.warnings(s).forEach(w -> err.println("simulate: warning: " + w));
    if (dryRun) {
      PrintWriter stdout = spec.commandLine().getOut();
      stdout.printf(Locale.ROOT, "%s: %d sites, %d applications, %,d VMs, %d timeline events, seed %d, policies %s; nothing run (--dry-run)%n",
          file, s.infra().sites().size(), s.applications().size(), input.arrivals().stream().mapToInt(a -> a.app().vms().size()).sum(),
          s.timeline().size(), seed, policies);
      ScenarioReview.applications(s, org.vmflock.scenario.ProfileCatalog.NPB).forEach(l -> stdout.println("  " + l));
      stdout.flush();
      err.flush();
      return ExitCode.OK;
    }
    Policy.validate("--policy", policies);
    Progress progress = new Progress(quiet);
    if (seeds < 1 || seeds > MAX_SEEDS) {
      throw new InvalidInputException("--seeds", "from 1 to " + MAX_SEEDS + " seeds, not " + seeds);
    }
    ProgressBar bar = new ProgressBar(progress, policies.size() * seeds);
    try (OutputDirectory output = OutputDirectory.prepare(out, force || holdsAReport(out))) {
      progress.line(String.format(Locale.ROOT, "simulate: %s, %d sites, %d applications, %,d VMs, %s, policies %s",
          input.name(), input.infra().sites().size(), input.arrivals().size(),
          input.arrivals().stream().mapToInt(a -> a.app().vms().size()).sum(), seeds == 1 ? "seed " + seed
              : seeds + " seeds from " + seed, policies));
      Experiment.Result result = Experiment.run(input, policies, seed, seeds, config, faults, priceForesight, bar::update);
      bar.finish();
      List<String> written = ReportWriter.write(result.report(), result.seeds(), output.staging(), List.of(), List.of());
      output.commit();
      PrintWriter stdout = spec.commandLine().getOut();
      stdout.print(ReportWriter.summaryTable(result.report()));
      org.vmflock.simulate.report.EstimatorCheck.line(result.report()).ifPresent(stdout::print);
      result.seeds().ifPresent(over -> stdout.print(over.table(result.report().currency())));
      stdout.flush();
      // each policy's wall time and speed over all its seeds
      Map<String, double[]> byPolicy = new java.util.LinkedHashMap<>();
      for (Simulation.Outcome o : result.outcomes()) {
        double[] t = byPolicy.computeIfAbsent(o.run().policy(), k -> new double[2]);
        t[0] += o.timing().wallNanos() / 1e9;
        t[1] += o.run().stats().simulatedSeconds();
      }
      List<String> timing = new ArrayList<>();
      byPolicy.forEach((policy, t) -> timing.add(String.format(Locale.ROOT, "%s %.1f s (%.0fx)", policy, t[0], t[1] / Math.max(t[0], 1e-9))));
      progress.done("simulate: " + written.size() + " files in " + output.target() + " (" + String.join(", ", timing) + "); open "
          + output.target().resolve(ReportWriter.INDEX_HTML));
    }
    return ExitCode.OK;
  }

  /** A directory that holds a previous report (or nothing) may be replaced without --force. */
  static boolean holdsAReport(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> entries = s.toList();
      return entries.isEmpty() || entries.contains(dir.resolve(ReportWriter.RESULTS_CSV));
    }
  }

  /** A progress bar on stderr: redrawn in place on a terminal, a line every tenth otherwise. */
  static final class ProgressBar {
    private static final int WIDTH = 30;
    private final Progress progress;
    private final int policies;
    private final boolean terminal = System.console() != null;
    private String policy;
    private int index;
    private int lastTenth = -1;
    private long lastDraw;

    ProgressBar(Progress progress, int policies) {
      this.progress = progress;
      this.policies = policies;
    }

    void update(Simulation.Progress p) {
      if (!p.policy().equals(policy)) {
        if (policy != null && terminal) {
          progress.line("");
        }
        policy = p.policy();
        index++;
        lastTenth = -1;
      }
      double f = p.fraction();
      String text = String.format(Locale.ROOT, "[%d/%d] %-16s [%s] %3.0f%%  %s  %,d cycles  %d/%d finished", index, policies, p.policy(),
          bar(f), f * 100, p.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), p.cycles(), p.finished(), p.applications());
      if (terminal) {
        long now = System.nanoTime();
        if (now - lastDraw > 100_000_000L || f >= 1) {
          progress.inPlace(text);
          lastDraw = now;
        }
      } else {
        int tenth = (int) Math.floor(f * 10);
        if (tenth != lastTenth) {
          lastTenth = tenth;
          progress.line(text);
        }
      }
    }

    void finish() {
      if (terminal && policy != null) {
        progress.line("");
      }
    }

    private static String bar(double f) {
      int n = (int) Math.round(f * WIDTH);
      return "#".repeat(n) + ".".repeat(WIDTH - n);
    }
  }
}
