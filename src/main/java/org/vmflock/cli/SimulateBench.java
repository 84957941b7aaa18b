package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.simulate.Experiment;
import org.vmflock.simulate.Inputs;
import org.vmflock.control.Policy;
import org.vmflock.simulate.Simulation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Times the simulator and its MAPE loop on a scenario (default simulations/large.conf).",
      "The policy (default vmflock) against a reference in the same run: the same scenario under",
      "policy none (the simulated world with the loop placing new applications only). Prints simulated",
      "seconds per wall second and the loop's cycle times (Monitor to Plan: mean, p99, worst, worst",
      "periodic full re-plan). Last line: simulate: Nx real time, worst cycle M ms."
    })
public final class SimulateBench implements Callable<Integer> {

  /** What the issue asks of the loop on large.conf. */
  static final double TARGET_SPEED = 1000;
  static final double TARGET_WORST_CYCLE_MS = 2000;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO", description = "Scenario file (default simulations/large.conf).")
  Path scenario;

  @Option(names = "--policy", defaultValue = "vmflock", description = "Policy timed (default ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--quiet", description = "No progress bar.")
  boolean quiet;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Policy.validate("--policy", List.of(policy));
    Config config = node.load(Map.of());
    Path file = scenario != null ? scenario : Samples.installed("simulations", "large.conf");
    Simulation.Input input = Inputs.of(ScenarioFile.load(file));
    out.printf(Locale.ROOT, "scenario: %s, %d sites, %,d applications, %,d VMs, loop every %s, seed %d%n", input.name(), input.infra().sites().size(),
        input.arrivals().size(), input.arrivals().stream().mapToInt(a -> a.app().vms().size()).sum(), input.period(), seed);
    out.flush();
    Simulation.Outcome reference = run(input, "none", config);
    Simulation.Outcome timed = run(input, policy, config);
    double refSpeed = speed(reference);
    double speed = speed(timed);
    out.printf(Locale.ROOT, "reference (none): %.1f s wall, %.0fx real time, %,d cycles%n", reference.timing().wallNanos() / 1e9, refSpeed,
        reference.run().stats().cycles());
    List<Long> cycles = timed.timing().cycleNanos();
    List<Long> sorted = new ArrayList<>(cycles);
    Collections.sort(sorted);
    double mean = cycles.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
    double p99 = sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1e6;
    double worst = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6;
    double worstFull = 0;
    for (int i = 0; i < cycles.size(); i++) {
      if (timed.timing().fullReplans().get(i)) {
        worstFull = Math.max(worstFull, cycles.get(i) / 1e6);
      }
    }
    out.printf(Locale.ROOT, "%s: %.1f s wall for %.0f simulated s, %.0fx real time; %,d decisions, %,d migrations; %d/%d applications finished%n", policy,
        timed.timing().wallNanos() / 1e9, timed.run().stats().simulatedSeconds(), speed, timed.run().stats().decisions(),
        timed.run().applications().stream().mapToInt(a -> a.migrations()).sum(),
        timed.run().applications().stream().filter(a -> a.finishedAt().isPresent()).count(), timed.run().applications().size());
    out.printf(Locale.ROOT, "MAPE cycles: %,d; mean %.1f ms, p99 %.1f ms, worst %.1f ms, worst full re-plan %.1f ms%n", cycles.size(), mean, p99, worst,
        worstFull);
    out.printf(Locale.ROOT, "%s wall / reference wall = %.2f%n", policy, timed.timing().wallNanos() / (double) reference.timing().wallNanos());
    out.printf(Locale.ROOT, "targets: >= %.0fx real time %s; worst cycle < %.0f ms %s%n", TARGET_SPEED, speed >= TARGET_SPEED ? "met" : "MISSED",
        TARGET_WORST_CYCLE_MS, worst < TARGET_WORST_CYCLE_MS ? "met" : "MISSED");
    out.printf(Locale.ROOT, "simulate: %.0fx real time, worst cycle %.0f ms%n", speed, worst);
    out.flush();
    return ExitCode.OK;
  }

  private Simulation.Outcome run(Simulation.Input input, String name, Config config) {
    SimulateCommand.ProgressBar bar = new SimulateCommand.ProgressBar(new Progress(quiet), 1);
    Simulation.Outcome o = Experiment.run(input, List.of(name), seed, config, 0, false, bar::update).outcomes().get(0);
    bar.finish();
    return o;
  }

  private static double speed(Simulation.Outcome o) {
    return o.run().stats().simulatedSeconds() / (o.timing().wallNanos() / 1e9);
  }
}
