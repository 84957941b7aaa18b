package org.vmflock.simulate;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.Policy;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.scenario.Scenario;
import org.vmflock.simulate.report.PolicyRun;
import org.vmflock.simulate.report.PolicySummary;
import org.vmflock.simulate.report.SeedSummary;
import org.vmflock.simulate.report.SimulationReport;

/**
 * One experiment (S2): a scenario run under each of the chosen policies with the same seed (or
 * several seeds, summed up with confidence intervals), and the report that compares them. Each run is independent of the others and of the machine: the same
 * scenario, policies and seed give the same report.
 */
public final class Experiment {

  /** The longest a run may go on when the scenario sets no end: a month of simulated time. */
  public static final Duration DEFAULT_MAX_HORIZON = Duration.ofDays(30);

  /** What the experiment showed, and what each run took in wall time (never in the report). */
  public record Result(SimulationReport report, List<Simulation.Outcome> outcomes, Optional<SeedSummary> seeds) {

    public Result(SimulationReport report, List<Simulation.Outcome> outcomes) {
      this(report, outcomes, Optional.empty());
    }
  }

  private Experiment() {}

  /**
   * Runs {@code input} under each policy of {@code policies} (names from {@link Policy#NAMES}),
   * telling {@code progress} as they go.
   *
   * @param faultProbability the chance that a step of a migration fails once (a transient fault)
   * @param priceForesight whether the manager knows the sites' future prices (see {@link Simulation.Settings})
   */
  public static Result run(Simulation.Input input, List<String> policies, long seed, Config config, double faultProbability,
      boolean priceForesight, Consumer<Simulation.Progress> progress) {
    if (policies.isEmpty()) {
      throw new InvalidInputException("--policy", "no policy to run");
    }
    if (!(faultProbability >= 0 && faultProbability < 1)) {
      throw new InvalidInputException("--faults", "the fault probability must be in [0, 1), not " + faultProbability);
    }
    ManagerSettings manager = ManagerSettings.from(config);
    List<Policy> chosen = policies.stream().map(p -> Policy.of(p, manager)).toList();
    Simulation.Settings settings = new Simulation.Settings(manager, faultProbability, DEFAULT_MAX_HORIZON, priceForesight);
    List<Simulation.Outcome> outcomes = new ArrayList<>();
    for (Policy p : chosen) {
      outcomes.add(new Simulation(input, p, seed, settings).run(progress));
    }
    List<PolicyRun> runs = outcomes.stream().map(Simulation.Outcome::run).toList();
    return new Result(new SimulationReport(input.name(), seed, input.start(), input.infra().sites().stream().map(Site::name).toList(), runs,
        trafficByProfile(input), input.currency().getCurrencyCode(), Inputs.freeSites(input.infra(), input.timeline())), List.copyOf(outcomes));
  }

  /**
   * Runs {@code input} under each policy with each of {@code seeds} seeds from {@code seed} on: the
   * report of the first seed, and the figures of every seed summed up with their confidence
   * intervals ({@link SeedSummary}, present with two seeds or more).
   */
  public static Result run(Simulation.Input input, List<String> policies, long seed, int seeds, Config config, double faultProbability,
      boolean priceForesight, Consumer<Simulation.Progress> progress) {
    if (seeds < 1) {
      throw new InvalidInputException("--seeds", "at least 1 seed, not " + seeds);
    }
    Result first = run(input, policies, seed, config, faultProbability, priceForesight, progress);
    if (seeds == 1) {
      return first;
    }
    Map<String, List<PolicySummary>> byPolicy = new LinkedHashMap<>();
    List<Long> used = new ArrayList<>();
    used.add(seed);
    first.report().runs().forEach(r -> byPolicy.computeIfAbsent(r.policy(), k -> new ArrayList<>()).add(PolicySummary.of(r)));
    List<Simulation.Outcome> outcomes = new ArrayList<>(first.outcomes());
    for (int i = 1; i < seeds; i++) {
      long s = seed + i;
      used.add(s);
      Consumer<Simulation.Progress> labelled = p -> progress.accept(new Simulation.Progress(p.policy() + " seed " + s, p.now(), p.start(),
          p.horizon(), p.cycles(), p.finished(), p.applications(), p.ended()));
      Result next = run(input, policies, s, config, faultProbability, priceForesight, labelled);
      next.report().runs().forEach(r -> byPolicy.get(r.policy()).add(PolicySummary.of(r)));
      outcomes.addAll(next.outcomes());
    }
    return new Result(first.report(), outcomes, Optional.of(new SeedSummary(used, byPolicy)));
  }

  /** Runs scenario {@code s} as {@link #run(Simulation.Input, List, long, Config, double, boolean, Consumer)}, prices revealed as they change. */
  public static Result run(Scenario s, List<String> policies, long seed, Config config, double faultProbability,
      Consumer<Simulation.Progress> progress) {
    return run(Inputs.of(s), policies, seed, config, faultProbability, false, progress);
  }

  /** Each profile's traffic per work second, from its first application (an application of its own for a custom one). */
  static TreeMap<String, TrafficMatrix> trafficByProfile(Simulation.Input input) {
    TreeMap<String, TrafficMatrix> out = new TreeMap<>();
    for (Simulation.Arrival a : input.arrivals()) {
      String key = a.profile().equals(Scenario.CUSTOM) ? a.app().name() : a.profile();
      out.putIfAbsent(key, a.app().workload().trafficPerWork());
    }
    return out;
  }
}
