package org.vmflock.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import org.vmflock.analyze.ApplicationGroups;
import org.vmflock.analyze.GroupDetector;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.MigrationIds;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.plan.AppDecision;
import org.vmflock.plan.AppSituation;
import org.vmflock.plan.BspExecutionModel;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.plan.ExecutionTimeEstimator;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.Migration;
import org.vmflock.plan.Plan;
import org.vmflock.plan.PlacementEvaluator;
import org.vmflock.plan.Planner;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.plan.PlanningContext;
import org.vmflock.plan.PlanningProblem;
import org.vmflock.plan.Prediction;
import org.vmflock.plan.TrafficLayout;
import org.vmflock.site.SiteEnvironment;

/**
 * One MAPE cycle of the migration manager, as plain Java so that the singleton actor and the
 * simulator run the same code. From what the manager knows and the traffic the monitor observed:
 * <b>Analyze</b> — each application's traffic per work second, its communication groups, and the
 * symptoms that matter (a new application, a site it uses changed, a site became more attractive,
 * a site's availability ends before it would finish, capacity lost, a group split across a slow
 * link, its groups changed, or a periodic full re-plan); <b>Plan</b> — the planner, for the
 * applications with symptoms only (the others' VMs are capacity taken); and the events that record
 * the decisions and queue their migrations for <b>Execute</b>.
 */
public final class ControlLoop {

  /**
   * @param fullReplanEvery every so many cycles every application is re-planned, symptoms or not (0: never)
   * @param slowLinkBytesPerSecond a communication group split across a path slower than this is a symptom
   * @param defaultLink the path between sites that declare no link to each other
   */
  public record Settings(int fullReplanEvery, double slowLinkBytesPerSecond, Optional<NetworkPath> defaultLink) {}

  /** What one cycle found and decided. */
  public record Cycle(List<KnowledgeEvent> events, Map<String, List<String>> symptoms, Optional<Plan> plan) {
    /** Nothing found, nothing decided. */
    public static final Cycle NOTHING = new Cycle(List.of(), Map.of(), Optional.empty());

    public Cycle {
      events = List.copyOf(events);
      symptoms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(symptoms));
    }
  }

  /** The planner's settings as configured; each cycle calibrates the migration model from the knowledge. */
  private final PlannerConfig configured;
  private final Optional<GroupDetector> detector;
  private final Settings settings;
  private final ExecutionTimeEstimator model;

  public ControlLoop(PlannerConfig planning, Optional<GroupDetector> detector, Settings settings) {
    this(planning, detector, settings, new BspExecutionModel());
  }

  /** A loop whose estimator calibrates {@code model} (the simulator's baseline policies plug in a placement-blind one). */
  public ControlLoop(PlannerConfig planning, Optional<GroupDetector> detector, Settings settings, ExecutionTimeEstimator model) {
    this.configured = planning;
    this.detector = detector;
    this.settings = settings;
    this.model = model;
  }

  /** The execution-time model the estimator calibrates. */
  public ExecutionTimeEstimator model() {
    return model;
  }

  /** The estimator as knowledge calibrated it. */
  public CalibratedEstimator estimator(Knowledge k) {
    CalibratedEstimator e = new CalibratedEstimator(model, configured.priorSigma(), configured.smoothing());
    k.calibration().forEach(e::restore);
    return e;
  }

  /**
   * One cycle at {@code now}. {@code observed} is the traffic the monitor saw, per second, between
   * every VM it knows (empty when it has nothing yet); {@code cycle} counts cycles for the periodic
   * full re-plan; {@code triggers} are the applications an event or a request names explicitly.
   */
  public Cycle run(Knowledge k, Optional<TrafficMatrix> observed, Instant now, long cycle, Set<String> triggers) {
    return run(k, observed.map(ObservedTraffic::of).orElse(ObservedTraffic.none()), now, cycle, triggers);
  }

  /** One cycle at {@code now}, with the traffic observed per application. */
  public Cycle run(Knowledge k, ObservedTraffic observed, Instant now, long cycle, Set<String> triggers) {
    List<KnowledgeEvent> events = new ArrayList<>();
    if (k.sites().values().stream().noneMatch(SiteEnvironment::defined)) {
      return new Cycle(events, Map.of(), Optional.empty());
    }
    // the planner weighs each price by how it behaved before: a volatile one is expected back at its mean
    Infrastructure infra = configured.prices().apply(k.infrastructure(settings.defaultLink()), now);
    CalibratedEstimator estimator = estimator(k);
    PlannerConfig planning = configured.withMigrations(k.migrationCalibration());
    Knowledge current = k;
    // Analyze: traffic and groups
    for (AppRecord a : k.applications().values()) {
      if (a.status() == AppStatus.FINISHED) {
        continue;
      }
      Knowledge now0 = current;
      Optional<TrafficMatrix> perWork = a.status() == AppStatus.RUNNING
          ? observed.ratesOf(a.app().vmNames()).flatMap(o -> trafficPerWork(a, o, now0, infra, estimator))
          : Optional.empty();
      boolean trafficChanged = perWork.isPresent() && !perWork.get().equals(a.app().workload().trafficPerWork());
      if (trafficChanged) {
        List<KnowledgeEvent> recorded = KnowledgeEvent.traffic(a.app().name(), perWork.get(), now);
        events.addAll(recorded);
        current = current.applyAll(recorded);
      }
      Application app = current.applications().get(a.app().name()).app();
      if (!trafficChanged && current.groups().containsKey(app.name())) {
        continue; // same traffic, same groups: detection is deterministic
      }
      List<List<String>> groups = ApplicationGroups.of(app, detector);
      if (!groups.equals(current.groups().getOrDefault(app.name(), List.of()))) {
        KnowledgeEvent e = new KnowledgeEvent.GroupsFound(app.name(), groups);
        events.add(e);
        current = current.apply(e);
      }
    }
    SortedMap<String, Capacity> used = current.usedBySite();
    Map<String, List<String>> symptoms = symptoms(current, infra, estimator, planning, now, cycle, triggers, k, used);
    if (symptoms.isEmpty()) {
      return new Cycle(events, symptoms, Optional.empty());
    }
    // Plan: the applications with symptoms; the others' VMs and the reservations are capacity taken
    List<AppSituation> apps = new ArrayList<>();
    for (String name : symptoms.keySet()) {
      AppRecord a = current.applications().get(name);
      apps.add(new AppSituation(a.app(), current.placementOf(name), current.groups().getOrDefault(name, List.of())));
    }
    Map<String, Capacity> reserved = reserved(used, apps);
    PlanningProblem problem = new PlanningProblem(infra, now, apps, reserved, current.lastMigrated());
    Planner planner = planning.planner(estimator);
    Plan plan = planner.plan(problem);
    long id = current.nextDecision();
    Map<String, List<Plan.Step>> stepsByApp = new LinkedHashMap<>();
    plan.steps().forEach(s -> stepsByApp.computeIfAbsent(s.migration().application(), x -> new ArrayList<>()).add(s));
    for (AppDecision d : plan.decisions()) {
      String why = String.join("; ", symptoms.get(d.application()));
      AppSituation situation = apps.stream().filter(x -> x.app().name().equals(d.application())).findFirst().orElseThrow();
      boolean placing = situation.isNew() && d.moves();
      List<MigrationRecord> queued = new ArrayList<>();
      if (d.moves() && !placing) {
        int n = 0;
        for (Plan.Step step : stepsByApp.getOrDefault(d.application(), List.of())) {
          Migration m = step.migration();
          Vm spec = situation.app().vms().stream().filter(v -> v.name().equals(m.vm())).findFirst().orElseThrow();
          n++;
          queued.add(MigrationRecord.queued(MigrationOrder.of(MigrationIds.of(id, n, m.vm()), m, spec, now), id, n));
        }
      }
      DecisionKind kind = placing ? DecisionKind.PLACE : d.moves() ? DecisionKind.MIGRATE : DecisionKind.STAY;
      Prediction chosen = d.chosen();
      Prediction stay = d.stay();
      DecisionRecord record = new DecisionRecord(id, now, d.application(), kind, d.reason() + " [symptoms: " + why + "]",
          DecisionRecord.figure(chosen.remainingSeconds()), DecisionRecord.figure(chosen.cost().total()),
          DecisionRecord.figure(stay.remainingSeconds()), DecisionRecord.figure(stay.cost().total()),
          situation.app().spent(), queued.stream().map(MigrationRecord::id).toList(),
          queued.isEmpty() ? DecisionRecord.Outcome.NONE : DecisionRecord.Outcome.PENDING, Optional.empty(), Optional.empty());
      events.add(new KnowledgeEvent.DecisionMade(record, queued));
      if (placing) {
        events.add(new KnowledgeEvent.ApplicationPlaced(d.application(), chosen.placement().siteOfVm(), now));
      }
      id++;
    }
    return new Cycle(events, symptoms, Optional.of(plan));
  }

  /** Traffic per work second from the observed rates (in the application's VM order) and its pace (observed, or else predicted). */
  private Optional<TrafficMatrix> trafficPerWork(AppRecord a, TrafficMatrix rates, Knowledge k, Infrastructure infra, CalibratedEstimator estimator) {
    List<String> vms = a.app().vmNames();
    if (rates.totalBytes() == 0 && a.app().workload().trafficPerWork().totalBytes() > 0) {
      return Optional.empty(); // a silent window (a pause) says nothing of the application's traffic
    }
    Placement p = k.placementOf(a.app().name());
    if (!p.places(vms)) {
      return Optional.empty();
    }
    double spw = a.observedSecondsPerWork().orElseGet(
        () -> estimator.secondsPerWork(a.app(), TrafficLayout.of(a.app(), p, infra), infra, LinkShare.none(infra.sites().size())));
    return Optional.of(rates.reorder(vms).times(spw));
  }

  /** Why each application should be planned now; applications with migrations in flight wait. */
  private Map<String, List<String>> symptoms(Knowledge k, Infrastructure infra, CalibratedEstimator estimator, PlannerConfig planning,
      Instant now, long cycle, Set<String> triggers, Knowledge before, Map<String, Capacity> used) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    boolean periodic = settings.fullReplanEvery() > 0 && cycle > 0 && cycle % settings.fullReplanEvery() == 0;
    for (AppRecord a : k.applications().values()) {
      String name = a.app().name();
      if (a.status() == AppStatus.FINISHED || k.migrating(name)) {
        continue;
      }
      List<String> why = new ArrayList<>();
      if (a.status() == AppStatus.SUBMITTED) {
        why.add("new application");
      }
      if (triggers.contains(name)) {
        why.add("requested");
      }
      Placement p = k.placementOf(name);
      Set<String> sitesUsed = new HashSet<>(p.siteOfVm().values());
      long planned = k.plannedVersion().getOrDefault(name, 0L);
      if (a.status() == AppStatus.RUNNING) {
        for (String site : sitesUsed) {
          if (k.siteChangedVersion().getOrDefault(site, 0L) > planned) {
            why.add("site " + site + " changed");
          }
          SiteEnvironment env = k.sites().get(site);
          if (env != null && env.site().isPresent() && !env.site().get().capacity().holds(used.getOrDefault(site, Capacity.ZERO))) {
            why.add("site " + site + " lost capacity");
          }
        }
        k.siteImprovedVersion().forEach((site, version) -> {
          if (!sitesUsed.contains(site) && version > planned) {
            why.add("site " + site + " became more attractive");
          }
        });
        if (!before.groups().getOrDefault(name, List.of()).equals(k.groups().getOrDefault(name, List.of()))) {
          why.add("its communication groups changed");
        }
        splitGroup(k, name, p, infra).ifPresent(why::add);
        endingSite(a, p, infra, estimator, planning, now).ifPresent(why::add);
        if (periodic) {
          why.add("periodic re-plan");
        }
      }
      if (!why.isEmpty()) {
        out.put(name, why);
      }
    }
    return out;
  }

  private Optional<String> splitGroup(Knowledge k, String app, Placement p, Infrastructure infra) {
    for (List<String> g : k.groups().getOrDefault(app, List.of())) {
      Set<String> sites = new HashSet<>();
      g.forEach(vm -> p.siteOf(vm).ifPresent(sites::add));
      List<String> list = new ArrayList<>(sites);
      for (int i = 0; i < list.size(); i++) {
        for (int j = i + 1; j < list.size(); j++) {
          if (infra.path(list.get(i), list.get(j)).bytesPerSecond() < settings.slowLinkBytesPerSecond()) {
            return Optional.of("group " + g + " split across the slow link " + list.get(i) + "-" + list.get(j));
          }
        }
      }
    }
    return Optional.empty();
  }

  /** A site the application uses stops being available before it would finish there. */
  private Optional<String> endingSite(AppRecord a, Placement p, Infrastructure infra, CalibratedEstimator estimator, PlannerConfig planning,
      Instant now) {
    if (!p.places(a.app().vmNames())) {
      return Optional.empty();
    }
    PlanningContext ctx = PlanningContext.alone(infra, now, estimator, planning.migration());
    Prediction stay = new PlacementEvaluator(a.app(), p, ctx).evaluate(p);
    if (!stay.feasible()) {
      return Optional.of("staying is infeasible: " + stay.infeasibility());
    }
    return stay.forced().isEmpty() ? Optional.empty()
        : Optional.of("site " + stay.forced().get(0).from() + "'s availability ends at " + stay.forced().get(0).at() + ", before it would finish");
  }

  /** Capacity taken on each site by everything but the applications being planned. */
  private static Map<String, Capacity> reserved(Map<String, Capacity> used, List<AppSituation> planned) {
    Map<String, Capacity> taken = new HashMap<>(used);
    for (AppSituation a : planned) {
      for (Vm vm : a.app().vms()) {
        a.current().siteOf(vm.name()).ifPresent(site -> taken.computeIfPresent(site, (s, c) -> c.minus(Capacity.of(vm))));
      }
    }
    return taken;
  }

}
