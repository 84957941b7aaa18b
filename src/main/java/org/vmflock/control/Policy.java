package org.vmflock.control;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.vmflock.analyze.ApplicationGroups;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.model.InvalidInputException;
import org.vmflock.plan.ExecutionTimeEstimator;
import org.vmflock.plan.PlacementBlindModel;
import org.vmflock.plan.PlannerConfig;

/**
 * How a federation is managed (S2): what each cycle of the loop decides, from the manager's
 * knowledge. {@code vmflock} is the manager's own loop; the others are the baselines it is compared
 * with. The migration manager runs the one its settings name ({@code vmflock.manager.policy}); the
 * simulator runs each in turn.
 */
public interface Policy {

  /** The policies, in the order {@code --compare} runs them. */
  List<String> NAMES = List.of("none", "price-chasing", "report-grouping", "vmflock");

  String name();

  /** The execution-time model the knowledge's calibration follows. */
  ExecutionTimeEstimator model();

  /** One cycle: what was analyzed, decided and ordered, and why (symptoms per application). */
  ControlLoop.Cycle decide(Knowledge k, ObservedTraffic observed, Instant now, long cycle, Set<String> triggers);

  /** Refuses a name that is not a policy's, before anything runs; {@code where} names the setting. */
  static void validate(String where, List<String> names) {
    for (String n : names) {
      if (!NAMES.contains(n)) {
        throw new InvalidInputException(where, "unknown policy '" + n + "' (expected one of " + NAMES + ")");
      }
    }
  }

  /** The policy named {@code name}, with the manager's settings read from {@code config}. */
  static Policy of(String name, com.typesafe.config.Config config) {
    return of(name, ManagerSettings.from(config));
  }

  /** The policy named {@code name}, with the manager's settings. */
  static Policy of(String name, ManagerSettings settings) {
    PlannerConfig planning = settings.planning();
    return switch (name) {
      case "vmflock" -> new LoopPolicy(name, settings.controlLoop(), true);
      case "none" -> new LoopPolicy(name, settings.controlLoop(), false);
      case "report-grouping" -> {
        PlannerConfig report = new PlannerConfig(planning.planner(), planning.migration(), planning.priorSigma(), planning.smoothing(), "report",
            planning.prices());
        yield new LoopPolicy(name, new ControlLoop(report, ApplicationGroups.detector("report", settings.grouping()), settings.loop(),
            new PlacementBlindModel()), true);
      }
      case "price-chasing" -> new PriceChasing(planning.migration(), settings.loop().defaultLink());
      default -> {
        validate("policy", List.of(name));
        throw new IllegalStateException("policy " + name);
      }
    };
  }

  /**
   * The manager's control loop: {@code vmflock} with its settings, {@code report-grouping} with the
   * report's groups and no estimator. Without {@code migrates} ({@code none}) only the initial
   * placements are carried out: its other decisions are left out.
   */
  record LoopPolicy(String name, ControlLoop loop, boolean migrates) implements Policy {

    @Override
    public ExecutionTimeEstimator model() {
      return loop.model();
    }

    @Override
    public ControlLoop.Cycle decide(Knowledge k, ObservedTraffic observed, Instant now, long cycle, Set<String> triggers) {
      if (!migrates && k.applications().values().stream().noneMatch(a -> a.status() == AppStatus.SUBMITTED)) {
        return ControlLoop.Cycle.NOTHING; // nothing to place, and nothing else it would carry out
      }
      ControlLoop.Cycle c = loop.run(k, observed, now, cycle, triggers);
      if (migrates) {
        return c;
      }
      return new ControlLoop.Cycle(c.events().stream()
          .filter(e -> !(e instanceof KnowledgeEvent.DecisionMade d) || d.decision().kind() != DecisionKind.MIGRATE)
          .toList(), c.symptoms(), c.plan());
    }
  }
}
