package org.vmflock.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;

/**
 * The planner (P3, P4): for each application, the best placement for its objective under the
 * capacity the others leave, compared with staying put; a move is kept only when it gains enough,
 * net of its migrations (anti-oscillation), or when staying put is not acceptable (a site's
 * availability ends, capacity was lost, the deadline or the budget would be missed). New
 * applications get their initial placement the same way. Applications are planned one after the
 * other (new ones first), each seeing the capacity and link shares the previous ones left. The
 * migrations are then ordered so that no site ever exceeds its capacity.
 */
public final class Planner {

  private final PlannerSettings settings;
  private final ExecutionTimeEstimator estimator;
  private final MigrationTimeEstimator migrations;

  public Planner(PlannerSettings settings, ExecutionTimeEstimator estimator, MigrationTimeEstimator migrations) {
    this.settings = settings;
    this.estimator = estimator;
    this.migrations = migrations;
  }

  public PlannerSettings settings() {
    return settings;
  }

  public Plan plan(PlanningProblem problem) {
    Infrastructure infra = problem.infra();
    List<Site> sites = infra.sites();
    validate(problem);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < sites.size(); i++) {
      index.put(sites.get(i).name(), i);
    }
    Capacity[] usage = new Capacity[sites.size()];
    java.util.Arrays.fill(usage, Capacity.ZERO);
    problem.reserved().forEach((site, c) -> usage[index.get(site)] = usage[index.get(site)].plus(c));
    LinkShare share = new LinkShare(sites.size());
    Map<String, TrafficLayout> layouts = new HashMap<>();
    for (AppSituation a : problem.apps()) {
      if (!a.isNew()) {
        addUsage(usage, index, a.app(), a.current(), +1);
        TrafficLayout l = TrafficLayout.of(a.app(), a.current(), infra);
        share.add(l, +1);
        layouts.put(a.app().name(), l);
      }
    }
    List<AppSituation> order = new ArrayList<>(problem.apps());
    order.sort(Comparator.comparing((AppSituation a) -> !a.isNew()).thenComparing(a -> a.app().name()));
    Map<String, AppDecision> decisions = new LinkedHashMap<>();
    Map<String, Placement> finals = new HashMap<>();
    for (AppSituation a : order) {
      Application app = a.app();
      if (!a.isNew()) {
        addUsage(usage, index, app, a.current(), -1);
        share.add(layouts.get(app.name()), -1);
      }
      Capacity[] free = new Capacity[sites.size()];
      for (int s = 0; s < sites.size(); s++) {
        free[s] = sites.get(s).capacity().minus(usage[s]);
      }
      PlanningContext ctx = new PlanningContext(infra, problem.now(), estimator, migrations, share, free, settings.maxForcedMoves());
      AppDecision d = decide(a, ctx, fixedVms(a, problem));
      decisions.put(app.name(), d);
      Placement chosen = d.moves() ? d.chosen().placement() : a.current();
      finals.put(app.name(), chosen);
      if (chosen.places(app.vmNames())) {
        addUsage(usage, index, app, chosen, +1);
        share.add(TrafficLayout.of(app, chosen, infra), +1);
      }
    }
    return ordered(problem, decisions);
  }

  private void validate(PlanningProblem problem) {
    Set<String> vms = new HashSet<>();
    for (AppSituation a : problem.apps()) {
      for (Vm vm : a.app().vms()) {
        if (!vms.add(vm.name())) {
          throw new IllegalArgumentException("VM " + vm.name() + " belongs to two applications");
        }
        a.current().siteOf(vm.name()).filter(site -> problem.infra().site(site).isEmpty()).ifPresent(site -> {
          throw new IllegalArgumentException("VM " + vm.name() + " of " + a.app().name() + " is placed on unknown site '" + site + "'");
        });
        for (Site s : problem.infra().sites()) {
          if (!s.hosting().prices(vm.size())) {
            throw new IllegalArgumentException("site " + s.name() + " has no hosting price for size '" + vm.size() + "' of VM " + vm.name());
          }
        }
      }
    }
    problem.reserved().keySet().forEach(problem.infra()::require);
  }

  private Set<String> fixedVms(AppSituation a, PlanningProblem problem) {
    Set<String> fixed = new HashSet<>();
    if (a.isNew()) {
      return fixed;
    }
    Instant limit = problem.now().minus(settings.cooldown());
    for (String vm : a.app().vmNames()) {
      Instant last = problem.lastMigrated().get(vm);
      if (last != null && last.isAfter(limit)) {
        fixed.add(vm);
      }
    }
    return fixed;
  }

  private static void addUsage(Capacity[] usage, Map<String, Integer> index, Application app, Placement p, int sign) {
    for (Vm vm : app.vms()) {
      int s = index.get(p.siteOf(vm.name()).orElseThrow());
      usage[s] = sign > 0 ? usage[s].plus(Capacity.of(vm)) : usage[s].minus(Capacity.of(vm));
    }
  }

  private AppDecision decide(AppSituation a, PlanningContext ctx, Set<String> fixed) {
    Application app = a.app();
    PlacementEvaluator ev = new PlacementEvaluator(app, a.current(), ctx);
    Prediction stay = a.isNew() ? Prediction.infeasible(a.current(), "not placed yet") : stayPrediction(ev, a, ctx);
    Optional<String> evacuate = mustEvacuate(app, stay, ctx);
    if (evacuate.isPresent()) {
      return evacuate(a, ctx, fixed, stay, evacuate.get());
    }
    PlacementSearch search = new PlacementSearch(ev, settings, a.groups(), fixed, stay, false);
    PlacementSearch.Result r = search.run();
    Prediction best = r.best();
    if (!best.feasible()) {
      String why = a.isNew() ? "cannot be placed: " + best.infeasibility() : "stays: no feasible move (" + best.infeasibility() + ")";
      return new AppDecision(app.name(), false, app.name() + " " + why, stay, stay, List.of(), r.method(), r.evaluated());
    }
    if (a.isNew()) {
      return new AppDecision(app.name(), true, app.name() + ": initial placement " + describe(best.placement()) + "; "
          + summary(best), stay, best, List.of(), r.method(), r.evaluated());
    }
    if (best.placement().equals(a.current()) || best.migrations().isEmpty()) {
      return new AppDecision(app.name(), false, app.name() + " stays: its placement is the best found; " + summary(stay),
          stay, stay, List.of(), r.method(), r.evaluated());
    }
    Objective o = app.objective();
    double stayScore = PlacementEvaluator.score(stay, o, search.reference());
    double bestScore = PlacementEvaluator.score(best, o, search.reference());
    boolean forced = !stay.acceptable() && search.ranking().compare(best, stay) <= 0;
    double gain = stayScore - bestScore;
    double worst = settings.pessimistic() ? Math.min(gain, worstGain(stay, best, o, search.reference())) : gain;
    double required = requiredGain(o, stayScore);
    String moves = describeMoves(best.migrations());
    String gains = worst < gain ? gain(o, gain) + " (" + gain(o, worst) + " at the pessimistic end of its interval)" : gain(o, gain);
    if (!forced && !(worst >= required)) {
      return new AppDecision(app.name(), false, String.format(Locale.ROOT,
          "%s stays: the best move (%s) gains %s, less than the %s required", app.name(), moves, gains, gain(o, required)),
          stay, best, List.of(), r.method(), r.evaluated());
    }
    String why = forced ? "staying is not acceptable (" + unacceptable(stay) + ")" : "gains " + gains + " net of migration";
    return new AppDecision(app.name(), true, String.format(Locale.ROOT, "%s: %s; %s; %s -> %s", app.name(), moves, why,
        summary(stay), summary(best)), stay, best, best.migrations(), r.method(), r.evaluated());
  }

  /**
   * The VMs on a site whose availability ends must leave now: the best placement without that site,
   * whatever staying was predicted to give. Staying counted their move off it at the end, a move
   * only the manager makes, and from now on too late to make in time (left to the platform, they
   * would be suspended and copied cold to a site of its choosing). VMs there in their cool-down
   * wait for its end, at a later cycle.
   */
  private AppDecision evacuate(AppSituation a, PlanningContext ctx, Set<String> fixed, Prediction stay, String why) {
    Application app = a.app();
    String ending = stay.forced().get(0).from();
    Capacity held = app.vms().stream()
        .filter(vm -> fixed.contains(vm.name()) && a.current().siteOf(vm.name()).filter(ending::equals).isPresent())
        .map(Capacity::of)
        .reduce(Capacity.ZERO, Capacity::plus);
    PlanningContext without = ctx.withRoomAt(ending, held);
    PlacementSearch search = new PlacementSearch(new PlacementEvaluator(app, a.current(), without), settings, a.groups(), fixed, stay, false);
    PlacementSearch.Result r = search.run();
    Prediction best = r.best();
    if (!best.feasible() || best.migrations().isEmpty()) {
      String but = best.feasible() ? "its VMs there are in their cool-down" : "no placement without it is feasible (" + best.infeasibility() + ")";
      return new AppDecision(app.name(), false, app.name() + " stays: " + why + ", but " + but, stay, stay, List.of(), r.method(),
          r.evaluated());
    }
    return new AppDecision(app.name(), true, String.format(Locale.ROOT, "%s: %s; staying is not acceptable (%s); %s -> %s", app.name(),
        describeMoves(best.migrations()), why, summary(stay), summary(best)), stay, best, best.migrations(), r.method(), r.evaluated());
  }

  /** Staying put, unless the current placement no longer fits the capacity left. */
  private static Prediction stayPrediction(PlacementEvaluator ev, AppSituation a, PlanningContext ctx) {
    Map<String, Capacity> demand = new TreeMap<>();
    for (Vm vm : a.app().vms()) {
      demand.merge(a.current().siteOf(vm.name()).orElseThrow(), Capacity.of(vm), Capacity::plus);
    }
    List<Site> sites = ctx.infra().sites();
    for (int s = 0; s < sites.size(); s++) {
      Capacity d = demand.get(sites.get(s).name());
      if (d != null && !ctx.free(s).holds(d)) {
        return Prediction.infeasible(a.current(), "site " + sites.get(s).name() + " no longer has room for its VMs (" + d
            + " needed, " + ctx.free(s) + " left)");
      }
    }
    return ev.evaluate(a.current());
  }

  /**
   * A site's availability ends soon: within the evacuation lead plus the time the VMs there take to
   * leave (their migrations one after the other), so they must leave now to be out in time.
   */
  private Optional<String> mustEvacuate(Application app, Prediction stay, PlanningContext ctx) {
    if (!stay.feasible() || stay.forced().isEmpty()) {
      return Optional.empty();
    }
    ForcedMove first = stay.forced().get(0);
    double leave = 0;
    for (String vm : first.vms()) {
      Vm spec = app.vms().stream().filter(v -> v.name().equals(vm)).findFirst().orElseThrow();
      leave += migrations.estimate(spec, ctx.infra().path(first.from(), first.to())).totalSeconds();
    }
    java.time.Instant latest = first.at().minus(settings.evacuationLead()).minusMillis((long) (leave * 1000));
    return ctx.now().isBefore(latest) ? Optional.empty()
        : Optional.of("site " + first.from() + "'s availability ends at " + first.at() + ": its VMs must leave now to be out in time");
  }

  /**
   * The move's gain at the worse end of the estimates' 95 % intervals: both placements' errors come
   * from the same estimator, so each is taken at the same end (the application finishing sooner, so
   * a migration has less time to pay back; or later, when a dearer but faster site costs more).
   */
  static double worstGain(Prediction stay, Prediction best, Objective o, Prediction reference) {
    double low = PlacementEvaluator.score(stay.lasting(stay.remainingLowSeconds()), o, reference)
        - PlacementEvaluator.score(best.lasting(best.remainingLowSeconds()), o, reference);
    double high = PlacementEvaluator.score(stay.lasting(stay.remainingHighSeconds()), o, reference)
        - PlacementEvaluator.score(best.lasting(best.remainingHighSeconds()), o, reference);
    return Math.min(low, high);
  }

  private double requiredGain(Objective o, double stayScore) {
    double relative = settings.minGainFraction() * Math.abs(stayScore);
    return switch (o.kind()) {
      case TIME -> Math.max(relative, settings.minGainSeconds());
      case COST -> Math.max(relative, settings.minGainCost());
      case BALANCED -> relative;
    };
  }

  /**
   * A gain with what it is: seconds of remaining time, cost (in the scenario's currency, which the
   * planner does not know: "0.99 in cost"), or a balanced score's share.
   */
  static String gain(Objective o, double g) {
    return switch (o.kind()) {
      case TIME -> String.format(Locale.ROOT, "%.0f s of time", g);
      case COST -> String.format(Locale.ROOT, "%.2f in cost", g);
      case BALANCED -> String.format(Locale.ROOT, "%.1f %% of the balanced score", 100 * g);
    };
  }

  private static String unacceptable(Prediction p) {
    if (!p.feasible()) {
      return p.infeasibility();
    }
    if (!p.meetsDeadline()) {
      return "it would miss its deadline, finishing at " + p.finish();
    }
    if (!p.withinBudget()) {
      return "it would exceed its budget";
    }
    return "ok";
  }

  static String summary(Prediction p) {
    if (!p.feasible()) {
      return "infeasible";
    }
    String forced = p.forced().isEmpty() ? "" : ", " + p.forced().size() + " forced move(s) later";
    return String.format(Locale.ROOT, "finish in %.0f s [%.0f, %.0f], cost %.2f (hosting %.2f, transfer %.2f, migration %.2f)%s",
        p.remainingSeconds(), p.remainingLowSeconds(), p.remainingHighSeconds(), p.cost().total(), p.cost().hosting(),
        p.cost().transfer(), p.cost().migration(), forced);
  }

  /** {@code [vm1, vm2] rennes -> lyon; [vm3] nancy -> lyon}. */
  static String describeMoves(List<Migration> ms) {
    Map<String, List<String>> byPath = new TreeMap<>();
    ms.forEach(m -> byPath.computeIfAbsent(m.from() + " -> " + m.to(), k -> new ArrayList<>()).add(m.vm()));
    List<String> parts = new ArrayList<>();
    byPath.forEach((path, vms) -> parts.add("move " + vms + " " + path));
    return String.join("; ", parts);
  }

  static String describe(Placement p) {
    Map<String, List<String>> bySite = new TreeMap<>();
    p.siteOfVm().forEach((vm, site) -> bySite.computeIfAbsent(site, k -> new ArrayList<>()).add(vm));
    List<String> parts = new ArrayList<>();
    bySite.forEach((site, vms) -> parts.add(vms + " on " + site));
    return String.join(", ", parts);
  }

  /** Orders the kept moves; an application whose moves cannot be ordered stays put. */
  private Plan ordered(PlanningProblem problem, Map<String, AppDecision> decisions) {
    Infrastructure infra = problem.infra();
    Map<String, Capacity> capacity = new HashMap<>();
    Map<String, Capacity> usage = new HashMap<>(problem.reserved());
    Map<String, Capacity> demand = new HashMap<>();
    // a site not available now takes no VM, not even for a temporary step
    infra.sites().forEach(s -> capacity.put(s.name(), s.availableAt(problem.now()) ? s.capacity() : Capacity.ZERO));
    for (AppSituation a : problem.apps()) {
      for (Vm vm : a.app().vms()) {
        demand.put(vm.name(), Capacity.of(vm));
        a.current().siteOf(vm.name()).ifPresent(site -> usage.merge(site, Capacity.of(vm), Capacity::plus));
      }
    }
    // new applications take their room first: they do not migrate
    for (AppSituation a : problem.apps()) {
      AppDecision d = decisions.get(a.app().name());
      if (a.isNew() && d.moves()) {
        d.chosen().placement().siteOfVm().forEach((vm, site) -> usage.merge(site, demand.get(vm), Capacity::plus));
      }
    }
    Map<String, Vm> vms = new HashMap<>();
    problem.apps().forEach(a -> a.app().vms().forEach(vm -> vms.put(vm.name(), vm)));
    MigrationOrderer.MigrationFactory factory = (m, from, to) -> {
      MigrationEstimate e = migrations.estimate(vms.get(m.vm()), infra.path(from, to));
      double cost = e.bytesMoved() * infra.require(from).transferPricePerGbTo(to) / 1e9;
      return new Migration(m.application(), m.vm(), from, to, e, cost);
    };
    while (true) {
      List<Migration> all = new ArrayList<>();
      decisions.values().stream().filter(AppDecision::moves).forEach(d -> all.addAll(d.migrations()));
      MigrationOrderer.Ordering o = MigrationOrderer.order(all, capacity, usage, demand::get, factory);
      if (o.complete()) {
        return new Plan(problem.now(), List.copyOf(decisions.values()), o.steps());
      }
      Set<String> stuck = new HashSet<>();
      o.unordered().forEach(m -> stuck.add(m.application()));
      for (String app : stuck) {
        AppDecision d = decisions.get(app);
        decisions.put(app, new AppDecision(app, false, app + " stays: its moves cannot be ordered without exceeding a site's capacity ("
            + describeMoves(d.migrations()) + ")", d.stay(), d.stay(), List.of(), d.method(), d.placementsEvaluated()));
      }
    }
  }

  /**
   * The placements of one application that no other beats on both finish time and cost (P3), from
   * every placement the exhaustive search sees, or from the heuristic run for a range of weights.
   */
  public List<Prediction> paretoFront(PlanningProblem problem, String application) {
    AppSituation a = problem.apps().stream().filter(x -> x.app().name().equals(application)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown application '" + application + "'"));
    Infrastructure infra = problem.infra();
    Capacity[] free = new Capacity[infra.sites().size()];
    for (int s = 0; s < free.length; s++) {
      Site site = infra.sites().get(s);
      Capacity others = problem.reserved().getOrDefault(site.name(), Capacity.ZERO);
      for (AppSituation o : problem.apps()) {
        if (o != a && !o.isNew()) {
          for (Vm vm : o.app().vms()) {
            if (o.current().siteOf(vm.name()).orElseThrow().equals(site.name())) {
              others = others.plus(Capacity.of(vm));
            }
          }
        }
      }
      free[s] = site.capacity().minus(others);
    }
    PlanningContext ctx = new PlanningContext(infra, problem.now(), estimator, migrations, LinkShare.none(free.length), free,
        settings.maxForcedMoves());
    List<Prediction> candidates = new ArrayList<>();
    for (int step = 0; step <= 10; step++) {
      Application app = a.app().withObjective(step == 0 ? Objective.COST : step == 10 ? Objective.TIME : Objective.balanced(step / 10.0));
      PlacementEvaluator ev = new PlacementEvaluator(app, a.current(), ctx);
      Prediction ref = a.isNew() ? Prediction.infeasible(a.current(), "new") : ev.evaluate(a.current());
      PlacementSearch.Result r = new PlacementSearch(ev, settings, a.groups(), fixedVms(a, problem), ref, true).run();
      candidates.addAll(r.feasible());
      candidates.add(r.best());
      if (r.method().equals("exhaustive")) {
        break; // it saw every placement already
      }
    }
    return ParetoFront.of(candidates);
  }
}
