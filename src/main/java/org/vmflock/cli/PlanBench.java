package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmflock.analyze.ApplicationGroups;
import org.vmflock.analyze.GroupDetector;
import org.vmflock.analyze.GroupingSettings;
import org.vmflock.plan.AppDecision;
import org.vmflock.plan.Plan;
import org.vmflock.plan.PlacementChecker;
import org.vmflock.plan.PlacementEvaluator;
import org.vmflock.plan.Planner;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.plan.PlanningContext;
import org.vmflock.plan.PlanningProblem;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.SyntheticScenario;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Times grouping and planning on a seeded synthetic instance.",
      "Grouping (the planner's algorithm) of every application's traffic, then one planning round over",
      "all of them; against a reference in the same run: evaluating each application's current placement",
      "once. Last line: analyze+plan: N ms."
    })
public final class PlanBench implements Callable<Integer> {

  @Option(names = "--vms", defaultValue = "30000", description = "VMs (default ${DEFAULT-VALUE}).")
  int vms;

  @Option(names = "--sites", defaultValue = "20", description = "Sites (default ${DEFAULT-VALUE}).")
  int sites;

  @Option(names = "--apps", defaultValue = "1000", description = "Applications (default ${DEFAULT-VALUE}).")
  int apps;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the instance (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--warmup", defaultValue = "2", description = "Untimed rounds first, for the JIT (default ${DEFAULT-VALUE}).")
  int warmup;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    Config config = node.load(Map.of());
    PlannerConfig pc = PlannerConfig.from(config);
    Optional<GroupDetector> detector = ApplicationGroups.detector(pc.grouping(), GroupingSettings.from(config));
    Scenario s = SyntheticScenario.generate(vms, sites, apps, seed);
    out.printf(Locale.ROOT, "instance: %,d VMs, %d sites, %,d applications (%d new), seed %d%n", vms, sites, apps,
        s.applications().stream().filter(a -> a.placement().siteOfVm().isEmpty()).count(), seed);
    for (int i = 0; i < warmup; i++) {
      round(s, pc, detector);
    }
    Round r = round(s, pc, detector);
    long exhaustive = r.plan.decisions().stream().filter(d -> d.method().equals("exhaustive")).count();
    long evaluated = r.plan.decisions().stream().mapToLong(AppDecision::placementsEvaluated).sum();
    long moved = r.plan.decisions().stream().filter(AppDecision::moves).count();
    out.printf(Locale.ROOT, "reference: each application's current placement evaluated once: %d ms%n", r.referenceMillis);
    out.printf(Locale.ROOT, "grouping (%s): %d ms%n", pc.grouping(), r.groupingMillis);
    out.printf(Locale.ROOT, "planning: %d ms (%d exhaustive, %d heuristic; %,d placements evaluated; %d applications placed or moved, %d migrations)%n",
        r.planningMillis, exhaustive, apps - exhaustive, evaluated, moved, r.plan.steps().size());
    out.printf(Locale.ROOT, "checker: %d violations%n", r.violations.size());
    out.printf(Locale.ROOT, "analyze+plan / reference = %.1f%n", (double) (r.groupingMillis + r.planningMillis) / Math.max(1, r.referenceMillis));
    out.printf(Locale.ROOT, "analyze+plan: %d ms%n", r.groupingMillis + r.planningMillis);
    out.flush();
    return r.violations.isEmpty() ? ExitCode.OK : ExitCode.FAILURE;
  }

  private record Round(long referenceMillis, long groupingMillis, long planningMillis, Plan plan, List<PlacementChecker.Violation> violations) {}

  private static Round round(Scenario s, PlannerConfig pc, Optional<GroupDetector> detector) {
    long t0 = System.nanoTime();
    PlanningContext alone = PlanningContext.alone(s.infra(), s.start(), pc.estimator(), pc.migration());
    double sink = 0;
    for (Scenario.ScenarioApplication a : s.applications()) {
      if (!a.placement().siteOfVm().isEmpty()) {
        sink += new PlacementEvaluator(a.app(), a.placement(), alone).evaluate(a.placement()).remainingSeconds();
      }
    }
    long t1 = System.nanoTime();
    Map<String, List<List<String>>> groups = ApplicationGroups.ofAll(s.applications().stream().map(Scenario.ScenarioApplication::app).toList(), detector);
    long t2 = System.nanoTime();
    PlanningProblem problem = s.problem(groups);
    Planner planner = pc.planner(pc.estimator());
    Plan plan = planner.plan(problem);
    long t3 = System.nanoTime();
    List<PlacementChecker.Violation> violations = new ArrayList<>(PlacementChecker.check(problem, plan, pc.planner()));
    if (Double.isNaN(sink)) {
      violations.add(new PlacementChecker.Violation("*", "a current placement evaluated to NaN"));
    }
    return new Round((t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000, plan, violations);
  }
}
