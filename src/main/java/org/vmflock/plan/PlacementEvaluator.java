package org.vmflock.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;

/**
 * Predicts what a placement of one application gives from now to its end (P1, P2), for the planner,
 * the checker and the manager alike:
 *
 * <ol>
 *   <li>the VMs that change site migrate first; meanwhile the application runs where it is, and it
 *       pauses for each migration's downtime;
 *   <li>then it runs on the new placement at the estimator's pace;
 *   <li>if a site it uses stops being available before it finishes, the VMs there move at that
 *       moment to the best site still available with room (a forced move, counted in time and
 *       cost); with no such site the placement is infeasible.
 * </ol>
 *
 * Costs: hosting of each VM where it runs, the destination's too while a migration copies; the
 * application's own traffic between sites at the sending site's transfer price; and the bytes each
 * migration moves.
 */
public final class PlacementEvaluator {

  private static final double BYTES_PER_GB = 1e9;
  private static final long MILLIS = 1000;

  private final Application app;
  private final Placement current;
  private final PlanningContext ctx;
  private final Infrastructure infra;
  private final List<Vm> vms;
  private final Optional<TrafficLayout> currentLayout;
  private final double currentRate;
  private final Map<String, MigrationEstimate> migrationCache = new HashMap<>();

  public PlacementEvaluator(Application app, Placement current, PlanningContext ctx) {
    this.app = app;
    this.current = current;
    this.ctx = ctx;
    this.infra = ctx.infra();
    this.vms = app.vms();
    boolean placed = current.places(app.vmNames());
    this.currentLayout = placed ? Optional.of(TrafficLayout.of(app, current, infra)) : Optional.empty();
    this.currentRate = currentLayout.map(l -> ctx.estimator().secondsPerWork(app, l, infra, ctx.share())).orElse(Double.NaN);
  }

  public Application application() {
    return app;
  }

  public Placement current() {
    return current;
  }

  public Optional<TrafficLayout> currentLayout() {
    return currentLayout;
  }

  public PlanningContext context() {
    return ctx;
  }

  public Prediction evaluate(Placement target) {
    if (!target.places(app.vmNames())) {
      return Prediction.infeasible(target, "not every VM of " + app.name() + " is placed");
    }
    return evaluate(TrafficLayout.of(app, target, infra));
  }

  /** Evaluates the placement {@code layout} describes; {@code layout} is not changed. */
  public Prediction evaluate(TrafficLayout layout) {
    Placement target = placementOf(layout);
    Instant now = ctx.now();
    for (int s = 0; s < layout.sites(); s++) {
      if (layout.vmsAt(s) > 0 && !layout.site(s).availableAt(now)) {
        return Prediction.infeasible(target, "site " + layout.site(s).name() + " is not available now");
      }
    }
    // 1. migrations now, the application running where it is meanwhile
    List<Migration> migrations = new ArrayList<>();
    Map<String, Double> perPath = new TreeMap<>();
    double downtime = 0;
    double migrationCost = 0;
    double hosting = 0;
    for (int v = 0; v < vms.size(); v++) {
      Vm vm = vms.get(v);
      Optional<String> from = current.siteOf(vm.name());
      String to = layout.site(layout.siteOf(v)).name();
      if (from.isEmpty() || from.get().equals(to)) {
        continue;
      }
      MigrationEstimate e = migration(vm, from.get(), to);
      double cost = e.bytesMoved() * infra.require(from.get()).transferPricePerGbTo(to) / BYTES_PER_GB;
      // the destination hosts the VM as soon as the copy starts
      cost += infra.require(to).hosting().cost(vm.size(), now, plusSeconds(now, e.totalSeconds()));
      migrations.add(new Migration(app.name(), vm.name(), from.get(), to, e, cost));
      migrationCost += cost;
      downtime += e.downtimeSeconds();
      perPath.merge(from.get() + ">" + to, e.totalSeconds(), Double::sum);
    }
    double migrationPhase = perPath.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double work = app.workload().remainingWork();
    double elapsed = 0;
    double transfer = 0;
    Instant t = now;
    if (!migrations.isEmpty() && currentLayout.isPresent()) {
      double during = Math.min(work, migrationPhase / currentRate);
      hosting += hostingWhile(current, now, plusSeconds(now, migrationPhase + downtime));
      transfer += transferCost(currentLayout.get(), during);
      work -= during;
      elapsed = migrationPhase + downtime;
      t = plusSeconds(now, elapsed);
    }
    // 2. run on the target, 3. moving off sites whose availability ends first
    TrafficLayout running = layout.copy();
    List<ForcedMove> forced = new ArrayList<>();
    double low = elapsed;
    double high = elapsed;
    double[] spread = ctx.estimator().uncertainty(app);
    while (work > 0) {
      double rate = ctx.estimator().secondsPerWork(app, running, infra, ctx.share());
      Instant end = plusSeconds(t, work * rate);
      Optional<Integer> ending = firstEnding(running, t, end);
      if (ending.isEmpty()) {
        hosting += hostingWhile(placementOf(running), t, end);
        transfer += transferCost(running, work);
        low += work * rate * spread[0];
        high += work * rate * spread[1];
        elapsed += work * rate;
        work = 0;
        t = end;
        break;
      }
      if (forced.size() >= ctx.maxForcedMoves()) {
        return Prediction.infeasible(target, "more than " + ctx.maxForcedMoves() + " sites' availability would end before "
            + app.name() + " finishes");
      }
      int site = ending.get();
      Instant until = layout.site(site).availableUntil(t).orElse(t);
      double workUntil = Math.min(work, seconds(t, until) / rate);
      hosting += hostingWhile(placementOf(running), t, until);
      transfer += transferCost(running, workUntil);
      low += workUntil * rate * spread[0];
      high += workUntil * rate * spread[1];
      elapsed += seconds(t, until);
      work -= workUntil;
      t = until;
      if (work <= 0) {
        break;
      }
      Optional<Integer> destination = destinationFor(running, site, t);
      if (destination.isEmpty()) {
        return Prediction.infeasible(target, "site " + layout.site(site).name() + " is available only until " + until
            + ", before " + app.name() + " would finish, and no other site can take its VMs then");
      }
      List<String> moved = new ArrayList<>();
      double pause = 0;
      for (int v = 0; v < vms.size(); v++) {
        if (running.siteOf(v) != site) {
          continue;
        }
        Vm vm = vms.get(v);
        String from = running.site(site).name();
        String to = running.site(destination.get()).name();
        MigrationEstimate e = migration(vm, from, to);
        // the copy ran before the end of availability; the pause is the application's loss
        pause += e.downtimeSeconds();
        migrationCost += e.bytesMoved() * infra.require(from).transferPricePerGbTo(to) / BYTES_PER_GB
            + infra.require(to).hosting().cost(vm.size(), minusSeconds(t, e.totalSeconds()), t);
        moved.add(vm.name());
        running.move(v, destination.get());
      }
      forced.add(new ForcedMove(t, running.site(site).name(), running.site(destination.get()).name(), moved));
      elapsed += pause;
      low += pause;
      high += pause;
      t = plusSeconds(t, pause);
    }
    Cost cost = new Cost(hosting, transfer, migrationCost);
    Instant finish = t;
    boolean onTime = app.deadline().map(d -> !finish.isAfter(d)).orElse(true);
    boolean affordable = app.budget().map(b -> app.spent() + cost.total() <= b).orElse(true);
    return new Prediction(target, true, "", finish, elapsed, low, high, cost, migrations, forced, onTime, affordable, layout.interSiteBytes());
  }

  /** The first site of the layout whose availability ends after {@code t} but before {@code end}. */
  private Optional<Integer> firstEnding(TrafficLayout layout, Instant t, Instant end) {
    Optional<Integer> first = Optional.empty();
    Instant firstUntil = end;
    for (int s = 0; s < layout.sites(); s++) {
      if (layout.vmsAt(s) == 0) {
        continue;
      }
      Instant until = layout.site(s).availableUntil(t).orElse(t);
      if (until.isBefore(firstUntil)) {
        firstUntil = until;
        first = Optional.of(s);
      }
    }
    return first;
  }

  /**
   * Where the VMs of {@code site} go when its availability ends at {@code t}: a site available then
   * and long enough, with room for them, best for the application's objective.
   */
  private Optional<Integer> destinationFor(TrafficLayout layout, int site, Instant t) {
    Capacity demand = Capacity.ZERO;
    for (int v = 0; v < vms.size(); v++) {
      if (layout.siteOf(v) == site) {
        demand = demand.plus(Capacity.of(vms.get(v)));
      }
    }
    Optional<Integer> best = Optional.empty();
    double bestScore = Double.POSITIVE_INFINITY;
    for (int c = 0; c < layout.sites(); c++) {
      Site candidate = layout.site(c);
      if (c == site || !candidate.availableAt(t) || !room(layout, c, demand).holds(demand)) {
        continue;
      }
      TrafficLayout trial = layout.copy();
      for (int v = 0; v < vms.size(); v++) {
        if (trial.siteOf(v) == site) {
          trial.move(v, c);
        }
      }
      double rate = ctx.estimator().secondsPerWork(app, trial, infra, ctx.share());
      double costPerWork = hostingRate(trial, t) * rate + transferCost(trial, 1);
      double score = switch (app.objective().kind()) {
        case TIME -> rate;
        case COST -> costPerWork;
        case BALANCED -> app.objective().timeWeight() * rate + (1 - app.objective().timeWeight()) * costPerWork;
      };
      // a site that also ends soon is worth less: one more forced move later
      if (candidate.availableUntil(t).orElse(t).isBefore(plusSeconds(t, app.workload().remainingWork() * rate))) {
        score *= 2;
      }
      if (score < bestScore) {
        bestScore = score;
        best = Optional.of(c);
      }
    }
    return best;
  }

  /** What site {@code c} can still take from this application, beyond what it already runs there. */
  private Capacity room(TrafficLayout layout, int c, Capacity extra) {
    Capacity used = Capacity.ZERO;
    for (int v = 0; v < vms.size(); v++) {
      if (layout.siteOf(v) == c) {
        used = used.plus(Capacity.of(vms.get(v)));
      }
    }
    return ctx.free(c).minus(used);
  }

  /** Hosting cost per second of the layout's VMs at {@code t}. */
  private double hostingRate(TrafficLayout layout, Instant t) {
    double perHour = 0;
    for (int v = 0; v < vms.size(); v++) {
      perHour += layout.site(layout.siteOf(v)).hosting().pricePerVmHour(vms.get(v).size(), t);
    }
    return perHour / 3600;
  }

  private double hostingWhile(Placement p, Instant from, Instant to) {
    double total = 0;
    for (Vm vm : vms) {
      total += infra.require(p.siteOf(vm.name()).orElseThrow()).hosting().cost(vm.size(), from, to);
    }
    return total;
  }

  /** Transfer cost of {@code work} work seconds of the layout's traffic between sites. */
  private double transferCost(TrafficLayout layout, double work) {
    double perWork = 0;
    for (int a = 0; a < layout.sites(); a++) {
      for (int b = 0; b < layout.sites(); b++) {
        if (a != b && layout.carries(a, b)) {
          perWork += layout.bytes(a, b) * layout.site(a).transferPricePerGbTo(layout.site(b).name()) / BYTES_PER_GB;
        }
      }
    }
    return perWork * work;
  }

  private MigrationEstimate migration(Vm vm, String from, String to) {
    return migrationCache.computeIfAbsent(vm.name() + "\u0000" + from + "\u0000" + to,
        k -> ctx.migrations().estimate(vm, infra.path(from, to)));
  }

  private Placement placementOf(TrafficLayout layout) {
    TreeMap<String, String> m = new TreeMap<>();
    for (int v = 0; v < vms.size(); v++) {
      m.put(vms.get(v).name(), layout.site(layout.siteOf(v)).name());
    }
    return new Placement(m);
  }

  /** How a prediction scores for the application's objective; lower is better. */
  public static double score(Prediction p, Objective objective, Prediction reference) {
    if (!p.feasible()) {
      return Double.POSITIVE_INFINITY;
    }
    return switch (objective.kind()) {
      case TIME -> p.remainingSeconds();
      case COST -> p.cost().total();
      case BALANCED -> objective.timeWeight() * ratio(p.remainingSeconds(), reference.remainingSeconds())
          + (1 - objective.timeWeight()) * ratio(p.cost().total(), reference.cost().total());
    };
  }

  private static double ratio(double value, double reference) {
    return reference > 0 && Double.isFinite(reference) ? value / reference : value;
  }

  static Instant plusSeconds(Instant t, double seconds) {
    return t.plusMillis(Math.round(seconds * MILLIS));
  }

  static Instant minusSeconds(Instant t, double seconds) {
    return t.minusMillis(Math.round(seconds * MILLIS));
  }

  static double seconds(Instant a, Instant b) {
    return (b.toEpochMilli() - a.toEpochMilli()) / (double) MILLIS;
  }
}
