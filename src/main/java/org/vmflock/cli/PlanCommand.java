package org.vmflock.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmflock.analyze.ApplicationGroups;
import org.vmflock.analyze.GroupDetector;
import org.vmflock.analyze.GroupingSettings;
import org.vmflock.model.Application;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Objective;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Workload;
import org.vmflock.monitor.export.StatisticsDocument;
import org.vmflock.plan.AppDecision;
import org.vmflock.plan.Migration;
import org.vmflock.plan.Plan;
import org.vmflock.plan.PlacementChecker;
import org.vmflock.plan.Planner;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.plan.PlanningProblem;
import org.vmflock.plan.Prediction;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = {
      "Plans the placement of a scenario's applications (P3, P4).",
      "For each application: the placement per VM, its predicted finish and cost, and the migrations,",
      "compared with staying put. An application's observed run on one site sets its traffic and rounds:",
      "--capture PCAP... --vms VMS.csv (rounds read from the capture), or --traffic BYTES.csv [--packets PACKETS.csv]",
      "--duration D (rounds assumed from the frames, and said so on stderr)."
    })
public final class PlanCommand implements Callable<Integer> {

  @Option(names = "--scenario", required = true, paramLabel = "FILE", description = "Scenario file (HOCON); see simulations/example.conf.")
  Path scenario;

  @Mixin ObservedRunOptions observed;

  @Option(names = "--app", paramLabel = "NAME", description = "The application --capture or --traffic is for.")
  String app;

  @Option(names = "--objective", paramLabel = "time|cost|balanced[:W]", description = "Overrides every application's objective.")
  String objective;

  @Option(names = "--pareto", description = "Also print each application's Pareto front of finish time and cost.")
  boolean pareto;

  @Mixin OutputFormat output;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    boolean json = output.json();
    Config config = node.load(Map.of());
    PlannerConfig pc = PlannerConfig.from(config);
    Optional<GroupDetector> detector = ApplicationGroups.detector(pc.grouping(), GroupingSettings.from(config));
    Scenario s = ScenarioFile.load(scenario);
    org.vmflock.scenario.ScenarioReview.warnings(s).forEach(w -> spec.commandLine().getErr().println("plan: warning: " + w));
    if (s.atStart().isEmpty()) {
      throw new InvalidInputException(scenario.toString(), "the scenario has no application to plan (at its start)");
    }
    if (observed.names()) {
      s = withObserved(s);
    } else {
      observed.read(); // refuses --packets or --vms alone
    }
    if (objective != null) {
      Objective o;
      try {
        o = Objective.parse(objective);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("--objective", e.getMessage());
      }
      for (Scenario.ScenarioApplication a : s.applications()) {
        s = s.withApplication(a.withApp(a.app().withObjective(o)));
      }
    }
    Map<String, List<List<String>>> groups = ApplicationGroups.ofAll(s.applications().stream().map(Scenario.ScenarioApplication::app).toList(), detector);
    PlanningProblem problem = s.problem(groups);
    Planner planner = pc.planner(pc.estimator());
    Plan plan;
    try {
      plan = planner.plan(problem);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(scenario.toString(), e.getMessage());
    }
    List<PlacementChecker.Violation> violations = PlacementChecker.check(problem, plan, pc.planner());
    Map<String, List<Prediction>> fronts = new HashMap<>();
    if (pareto) {
      s.atStart().forEach(a -> fronts.put(a.app().name(), planner.paretoFront(problem, a.app().name())));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(json(plan, groups, violations, fronts, s.currency().getCurrencyCode()).toPrettyString());
    } else {
      table(plan, groups, violations, fronts, s.currency().getCurrencyCode(), out);
    }
    out.flush();
    if (!violations.isEmpty()) {
      spec.commandLine().getErr().println("plan: the plan breaks constraints (a bug): " + violations);
      return ExitCode.FAILURE;
    }
    return ExitCode.OK;
  }

  /** The application's traffic and rounds from its observed run on one site, per work second of that run. */
  private Scenario withObserved(Scenario s) {
    Scenario.ScenarioApplication target;
    String option = observed.source();
    if (app != null) {
      target = s.application(app).orElseThrow(() -> new InvalidInputException("--app " + app, "no such application in " + scenario));
    } else if (s.applications().size() == 1) {
      target = s.applications().get(0);
    } else {
      throw new InvalidInputException(option, "the scenario has several applications: say which with --app");
    }
    ObservedRun run = observed.read().orElseThrow();
    Application a = target.app();
    TrafficMatrix m = run.perSecond();
    if (m.size() != a.vms().size()) {
      throw new InvalidInputException(option, "the observed run has " + m.size() + " VMs, application " + a.name() + " has " + a.vms().size());
    }
    // positions map the observed VMs onto the application's, in order
    TrafficMatrix perWork = new TrafficMatrix(a.vmNames(), m.packets(), m.bytes());
    List<String> assumed = new ArrayList<>(run.assumptions());
    double syncs = run.rounds().roundsPerWork();
    if (!run.rounds().known()) {
      syncs = a.workload().syncsPerWork();
      assumed.add(String.format(Locale.ROOT, "the scenario's %.1f barriers per work second among every pair that talks", syncs));
    }
    assumed.forEach(x -> spec.commandLine().getErr().println("plan: " + a.name() + ": assumed: " + x));
    spec.commandLine().getErr().flush();
    return s.withApplication(target.withApp(a.withWorkload(new Workload(a.workload().totalWork(), a.workload().doneWork(), syncs,
        perWork, run.rounds()))));
  }

  private static ObjectNode json(Plan plan, Map<String, List<List<String>>> groups, List<PlacementChecker.Violation> violations,
      Map<String, List<Prediction>> fronts, String currency) {
    ObjectNode root = StatisticsDocument.json().createObjectNode();
    root.put("at", plan.at().toString());
    root.put("currency", currency);
    ArrayNode apps = root.putArray("applications");
    for (AppDecision d : plan.decisions()) {
      ObjectNode a = apps.addObject();
      a.put("name", d.application());
      a.put("decision", !d.moves() ? "stay" : d.stay().placement().siteOfVm().isEmpty() ? "place" : "migrate");
      a.put("reason", d.reason());
      a.put("method", d.method());
      a.put("placementsEvaluated", d.placementsEvaluated());
      a.set("groups", a.pojoNode(groups.getOrDefault(d.application(), List.of())));
      a.set("placement", a.pojoNode(d.chosen().placement().siteOfVm()));
      a.set("predicted", prediction(a, d.chosen()));
      a.set("stay", prediction(a, d.stay()));
      if (fronts.containsKey(d.application())) {
        ArrayNode f = a.putArray("pareto");
        fronts.get(d.application()).forEach(p -> f.add(prediction(a, p).set("placement", a.pojoNode(p.placement().siteOfVm()))));
      }
    }
    ArrayNode steps = root.putArray("migrations");
    for (Plan.Step step : plan.steps()) {
      Migration m = step.migration();
      ObjectNode o = steps.addObject();
      o.put("order", step.order());
      o.put("application", m.application());
      o.put("vm", m.vm());
      o.put("from", m.from());
      o.put("to", m.to());
      o.put("temporary", step.temporary());
      o.put("seconds", m.estimate().totalSeconds());
      o.put("downtimeSeconds", m.estimate().downtimeSeconds());
      o.put("bytes", m.estimate().bytesMoved());
      o.put("rounds", m.estimate().rounds());
      o.put("converged", m.estimate().converged());
      o.put("cost", m.cost());
    }
    root.set("violations", root.pojoNode(violations.stream().map(Object::toString).toList()));
    return root;
  }

  private static ObjectNode prediction(ObjectNode factory, Prediction p) {
    ObjectNode o = factory.objectNode();
    o.put("feasible", p.feasible());
    if (!p.feasible()) {
      o.put("why", p.infeasibility());
      return o;
    }
    o.put("finish", p.finish().toString());
    o.put("remainingSeconds", p.remainingSeconds());
    o.put("remainingLowSeconds", p.remainingLowSeconds());
    o.put("remainingHighSeconds", p.remainingHighSeconds());
    ObjectNode cost = o.putObject("cost");
    cost.put("total", p.cost().total());
    cost.put("hosting", p.cost().hosting());
    cost.put("transfer", p.cost().transfer());
    cost.put("migration", p.cost().migration());
    o.put("meetsDeadline", p.meetsDeadline());
    o.put("withinBudget", p.withinBudget());
    o.put("interSiteBytesPerWorkSecond", p.interSiteBytesPerWork());
    ArrayNode forced = o.putArray("forcedMoves");
    p.forced().forEach(f -> forced.addObject().put("at", f.at().toString()).put("from", f.from()).put("to", f.to())
        .set("vms", o.pojoNode(f.vms())));
    return o;
  }

  private static void table(Plan plan, Map<String, List<List<String>>> groups, List<PlacementChecker.Violation> violations,
      Map<String, List<Prediction>> fronts, String currency, PrintWriter out) {
    out.println("plan at " + plan.at() + " (costs in " + currency + ")");
    for (AppDecision d : plan.decisions()) {
      out.println();
      out.println(d.reason());
      out.printf(Locale.ROOT, "  groups: %s   search: %s, %,d placements evaluated%n", groups.getOrDefault(d.application(), List.of()),
          d.method(), d.placementsEvaluated());
      Prediction p = d.chosen();
      if (!p.feasible()) {
        out.println("  infeasible: " + p.infeasibility());
        continue;
      }
      p.placement().siteOfVm().forEach((vm, site) -> out.printf(Locale.ROOT, "  %-20s %s%n", vm, site));
      out.printf(Locale.ROOT, "  finish %s (in %.0f s, 95%% [%.0f, %.0f]); cost %.2f %s = hosting %.2f + transfer %.2f + migration %.2f%s%s%n",
          p.finish(), p.remainingSeconds(), p.remainingLowSeconds(), p.remainingHighSeconds(), p.cost().total(), currency, p.cost().hosting(),
          p.cost().transfer(), p.cost().migration(), p.meetsDeadline() ? "" : "; MISSES ITS DEADLINE",
          p.withinBudget() ? "" : "; OVER BUDGET");
      p.forced().forEach(f -> out.printf(Locale.ROOT, "  forced move at %s: %s %s -> %s%n", f.at(), f.vms(), f.from(), f.to()));
      for (Prediction f : fronts.getOrDefault(d.application(), List.of())) {
        out.printf(Locale.ROOT, "  pareto: %.0f s, cost %.2f %s: %s%n", f.remainingSeconds(), f.cost().total(), currency, f.placement().siteOfVm());
      }
    }
    if (!plan.steps().isEmpty()) {
      out.println();
      out.println("migrations, in order:");
      for (Plan.Step step : plan.steps()) {
        Migration m = step.migration();
        out.printf(Locale.ROOT, "  %3d. %-20s %s -> %s%s  %.1f s, downtime %.0f ms, %.0f MB in %d rounds, cost %.3f %s%n", step.order(), m.vm(),
            m.from(), m.to(), step.temporary() ? " (temporary)" : "", m.estimate().totalSeconds(), 1000 * m.estimate().downtimeSeconds(),
            m.estimate().bytesMoved() / 1e6, m.estimate().rounds(), m.cost(), currency);
      }
    }
    if (!violations.isEmpty()) {
      out.println("violations: " + violations);
    }
  }
}
