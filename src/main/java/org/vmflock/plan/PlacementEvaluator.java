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
  /** Sites a forced move is evaluated on in full, the best few on their own merits. */
  private static final int FORCED_MOVE_CANDIDATES = 3;
  /** A forced move prefers a site the application already uses: its traffic stays inside. */
  private static final double SAME_SITE_PREFERENCE = 0.8;
  private static final long MILLIS = 1000;

  private final Application app;
  private final Placement current;
  private final PlanningContext ctx;
  private final Infrastructure infra;
  private final List<Vm> vms;
  private final Optional<TrafficLayout> currentLayout;
  private final double currentRate;
  private final int[] currentSite;
  private final MigrationEstimate[][] migrationEstimates;
  private final String[] sizes;
  private final int[] sizeOf;
  private final boolean[] available;
  private final boolean[] alwaysAvailable;
  private final double[] spread;
  private final double[] pathSeconds;
  private final int[] touchedPaths;

  public PlacementEvaluator(Application app, Placement current, PlanningContext ctx) {
    this.app = app;
    this.current = current;
    this.ctx = ctx;
    this.infra = ctx.infra();
    this.vms = app.vms();
    boolean placed = current.places(app.vmNames());
    this.currentLayout = placed ? Optional.of(TrafficLayout.of(app, current, infra)) : Optional.empty();
    this.currentRate = currentLayout.map(l -> ctx.estimator().secondsPerWork(app, l, infra, ctx.share())).orElse(Double.NaN);
    List<Site> sites = infra.sites();
    Map<String, Integer> siteIndex = new HashMap<>();
    for (int i = 0; i < sites.size(); i++) {
      siteIndex.put(sites.get(i).name(), i);
    }
    this.currentSite = vms.stream().mapToInt(vm -> current.siteOf(vm.name()).map(siteIndex::get).orElse(-1)).toArray();
    this.migrationEstimates = new MigrationEstimate[vms.size()][];
    this.sizes = vms.stream().map(Vm::size).distinct().sorted().toArray(String[]::new);
    List<String> sizeList = List.of(sizes);
    this.sizeOf = vms.stream().mapToInt(vm -> sizeList.indexOf(vm.size())).toArray();
    this.spread = ctx.estimator().uncertainty(app);
    this.pathSeconds = new double[sites.size() * sites.size()];
    this.touchedPaths = new int[vms.size()];
    this.available = new boolean[sites.size()];
    this.alwaysAvailable = new boolean[sites.size()];
    for (int i = 0; i < sites.size(); i++) {
      available[i] = sites.get(i).availableAt(ctx.now());
      alwaysAvailable[i] = sites.get(i).availability().isEmpty();
    }
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
    Detail detail = new Detail();
    Outcome o = run(layout, detail);
    Placement target = placementOf(layout);
    if (!o.feasible()) {
      return Prediction.infeasible(target, detail.infeasibility);
    }
    return new Prediction(target, true, "", o.finish(), o.remaining(), o.low(), o.high(), o.cost(), detail.migrations, detail.forced,
        o.meetsDeadline(), o.withinBudget(), layout.interSiteBytes());
  }

  /**
   * The same prediction as {@link #evaluate(TrafficLayout)} without the lists and the placement:
   * what the search compares, thousands of times per application.
   */
  Outcome quick(TrafficLayout layout) {
    return run(layout, null);
  }

  /** What a prediction's ranking needs. */
  record Outcome(boolean feasible, Instant finish, double remaining, double low, double high, Cost cost, int migrations,
      boolean meetsDeadline, boolean withinBudget) {

    static final Outcome INFEASIBLE = new Outcome(false, Instant.MAX, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
        Double.POSITIVE_INFINITY, new Cost(Double.POSITIVE_INFINITY, 0, 0), 0, false, false);

    boolean acceptable() {
      return feasible && meetsDeadline && withinBudget;
    }
  }

  /** The lists a full prediction reports. */
  private static final class Detail {
    final List<Migration> migrations = new ArrayList<>();
    final List<ForcedMove> forced = new ArrayList<>();
    String infeasibility = "";
  }

  /** Why a move is impossible: QEMU's pre-copy of {@code vm} from {@code from} to {@code to} would never switch over. */
  private String notConverging(Vm vm, String from, String to) {
    return String.format(java.util.Locale.ROOT, "the live migration of VM %s from %s to %s would not converge (it dirties %.1f MB/s of %.1f MB, "
        + "the path carries %.1f MB/s)", vm.name(), from, to, vm.dirtyBytesPerSecond() / 1e6, vm.memoryBytes() / 1e6,
        infra.path(from, to).bytesPerSecond() / 1e6);
  }

  private Outcome infeasible(Detail detail, String why) {
    if (detail != null) {
      detail.infeasibility = why;
    }
    return Outcome.INFEASIBLE;
  }

  private Outcome run(TrafficLayout layout, Detail detail) {
    Instant now = ctx.now();
    for (int s = 0; s < layout.sites(); s++) {
      if (layout.vmsAt(s) > 0 && !available[s]) {
        return infeasible(detail, "site " + layout.site(s).name() + " is not available now");
      }
    }
    // 1. migrations now, the application running where it is meanwhile; one path's migrations run one after the other
    double downtime = 0;
    double migrationCost = 0;
    double hosting = 0;
    double migrationPhase = 0;
    int migrationCount = 0;
    int touched = 0;
    String stuck = null;
    for (int v = 0; v < vms.size(); v++) {
      int from = currentSite[v];
      int to = layout.siteOf(v);
      if (from < 0 || from == to) {
        continue;
      }
      MigrationEstimate e = migration(v, from, to);
      if (!e.converged()) {
        stuck = notConverging(vms.get(v), layout.site(from).name(), layout.site(to).name());
        break;
      }
      double cost = migrationCost(v, from, to, e);
      if (detail != null) {
        detail.migrations.add(new Migration(app.name(), vms.get(v).name(), layout.site(from).name(), layout.site(to).name(), e, cost));
      }
      migrationCount++;
      migrationCost += cost;
      downtime += e.downtimeSeconds();
      int path = from * layout.sites() + to;
      if (pathSeconds[path] == 0) {
        touchedPaths[touched++] = path;
      }
      // the application runs during the pre-copy only; the pauses are added once, below
      pathSeconds[path] += e.totalSeconds() - e.downtimeSeconds();
      migrationPhase = Math.max(migrationPhase, pathSeconds[path]);
    }
    for (int i = 0; i < touched; i++) {
      pathSeconds[touchedPaths[i]] = 0;
    }
    if (stuck != null) {
      return infeasible(detail, stuck);
    }
    double work = app.workload().remainingWork();
    double elapsed = 0;
    double transfer = 0;
    Instant t = now;
    if (migrationCount > 0 && currentLayout.isPresent()) {
      double during = Math.min(work, migrationPhase / currentRate);
      hosting += hosting(currentLayout.get(), now, plusSeconds(now, migrationPhase + downtime));
      transfer += transferCost(currentLayout.get(), during);
      work -= during;
      elapsed = migrationPhase + downtime;
      t = plusSeconds(now, elapsed);
    }
    // 2. run on the target, 3. moving off sites whose availability ends first (moved in place, undone after)
    TrafficLayout running = layout;
    int[] undo = null;
    int forcedMoves = 0;
    double low = elapsed;
    double high = elapsed;
    try {
      while (work > 0) {
        double rate = ctx.estimator().secondsPerWork(app, running, infra, ctx.share());
        Instant end = plusSeconds(t, work * rate);
        int ending = firstEnding(running, t, end);
        if (ending < 0) {
          hosting += hosting(running, t, end);
          transfer += transferCost(running, work);
          low += work * rate * spread[0];
          high += work * rate * spread[1];
          elapsed += work * rate;
          work = 0;
          t = end;
          break;
        }
        if (forcedMoves >= ctx.maxForcedMoves()) {
          return infeasible(detail, "more than " + ctx.maxForcedMoves() + " sites' availability would end before " + app.name() + " finishes");
        }
        Instant until = running.site(ending).availableUntil(t).orElse(t);
        double workUntil = Math.min(work, seconds(t, until) / rate);
        hosting += hosting(running, t, until);
        transfer += transferCost(running, workUntil);
        low += workUntil * rate * spread[0];
        high += workUntil * rate * spread[1];
        elapsed += seconds(t, until);
        work -= workUntil;
        t = until;
        if (work <= 0) {
          break;
        }
        Optional<Integer> destination = destinationFor(running, ending, t);
        if (destination.isEmpty()) {
          return infeasible(detail, "site " + running.site(ending).name() + " is available only until " + until
              + ", before " + app.name() + " would finish, and no other site can take its VMs then");
        }
        List<String> moved = new ArrayList<>();
        double pause = 0;
        for (int v = 0; v < vms.size(); v++) {
          if (running.siteOf(v) != ending) {
            continue;
          }
          Vm vm = vms.get(v);
          String from = running.site(ending).name();
          String to = running.site(destination.get()).name();
          MigrationEstimate e = ctx.migrations().estimate(vm, infra.path(from, to));
          if (!e.converged()) {
            return infeasible(detail, notConverging(vm, from, to) + ", and site " + from + "'s availability ends before " + app.name() + " would finish");
          }
          // the copy ran before the end of availability; the pause is the application's loss
          pause += e.downtimeSeconds();
          migrationCost += e.bytesMoved() * running.site(ending).transferPricePerGbTo(to) / BYTES_PER_GB
              + running.site(destination.get()).hosting().cost(vm.size(), minusSeconds(t, e.totalSeconds()), t);
          moved.add(vm.name());
          if (undo == null) {
            undo = layout.assignment();
          }
          running.move(v, destination.get());
        }
        forcedMoves++;
        if (detail != null) {
          detail.forced.add(new ForcedMove(t, running.site(ending).name(), running.site(destination.get()).name(), moved));
        }
        // the VMs are at their destination, paused: it hosts them
        hosting += hosting(running, t, plusSeconds(t, pause));
        elapsed += pause;
        low += pause;
        high += pause;
        t = plusSeconds(t, pause);
      }
    } finally {
      if (undo != null) {
        for (int v = 0; v < undo.length; v++) {
          layout.move(v, undo[v]);
        }
      }
    }
    Cost cost = new Cost(hosting, transfer, migrationCost);
    Instant finish = t;
    boolean onTime = app.deadline().map(d -> !finish.isAfter(d)).orElse(true);
    boolean affordable = app.budget().map(b -> app.spent() + cost.total() <= b).orElse(true);
    return new Outcome(true, finish, elapsed, low, high, cost, migrationCount, onTime, affordable);
  }

  /** The first site of the layout whose availability ends after {@code t} but before {@code end}, or -1. */
  private int firstEnding(TrafficLayout layout, Instant t, Instant end) {
    int first = -1;
    Instant firstUntil = end;
    for (int s = 0; s < layout.sites(); s++) {
      if (layout.vmsAt(s) == 0 || alwaysAvailable[s]) {
        continue;
      }
      Instant until = layout.site(s).availableUntil(t).orElse(t);
      if (until.isBefore(firstUntil)) {
        firstUntil = until;
        first = s;
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
    // the best site on its own merits (a later move the planner will weigh again when it comes)
    Optional<Integer> best = Optional.empty();
    double bestScore = Double.POSITIVE_INFINITY;
    double remainingGuess = app.workload().remainingWork();
    for (int c = 0; c < layout.sites(); c++) {
      if (c == site || !layout.site(c).availableAt(t) || !room(layout, c).holds(demand)) {
        continue;
      }
      double score = staticScore(layout, c, t);
      // a site that also ends soon is worth less: one more forced move later
      if (layout.site(c).availableUntil(t).orElse(t).isBefore(plusSeconds(t, remainingGuess / layout.site(c).cpuSpeed()))) {
        score *= 2;
      }
      if (score < bestScore) {
        bestScore = score;
        best = Optional.of(c);
      }
    }
    return best;
  }

  /** A site on its own for the objective: speed and price, better when the application already runs there. */
  private double staticScore(TrafficLayout layout, int c, Instant t) {
    Site site = layout.site(c);
    double price = site.hosting().pricePerVmHour(vms.get(0).size(), t);
    double w = switch (app.objective().kind()) {
      case TIME -> 1;
      case COST -> 0;
      case BALANCED -> app.objective().timeWeight();
    };
    double score = w / site.cpuSpeed() + (1 - w) * price / site.cpuSpeed();
    return layout.vmsAt(c) > 0 ? score * SAME_SITE_PREFERENCE : score;
  }

  /** What site {@code c} can still take from this application, beyond what it already runs there. */
  private Capacity room(TrafficLayout layout, int c) {
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
    int[][] count = countBySiteAndSize(layout);
    double perHour = 0;
    for (int s = 0; s < count.length; s++) {
      for (int k = 0; k < sizes.length; k++) {
        if (count[s][k] > 0) {
          perHour += count[s][k] * layout.site(s).hosting().pricePerVmHour(sizes[k], t);
        }
      }
    }
    return perHour / 3600;
  }

  private int[][] countBySiteAndSize(TrafficLayout layout) {
    int[][] count = new int[layout.sites()][sizes.length];
    for (int v = 0; v < vms.size(); v++) {
      count[layout.siteOf(v)][sizeOf[v]]++;
    }
    return count;
  }

  /** Hosting of the layout's VMs from {@code from} to {@code to}: per site, per VM size. */
  private double hosting(TrafficLayout layout, Instant from, Instant to) {
    int[][] count = countBySiteAndSize(layout);
    double total = 0;
    for (int s = 0; s < count.length; s++) {
      if (layout.vmsAt(s) == 0) {
        continue;
      }
      for (int k = 0; k < sizes.length; k++) {
        if (count[s][k] > 0) {
          total += count[s][k] * layout.site(s).hosting().cost(sizes[k], from, to);
        }
      }
    }
    return total;
  }

  /** Transfer cost of {@code work} work seconds of the layout's traffic between sites. */
  private double transferCost(TrafficLayout layout, double work) {
    double perWork = 0;
    for (int a = 0; a < layout.sites(); a++) {
      if (layout.vmsAt(a) == 0) {
        continue;
      }
      for (int b = 0; b < layout.sites(); b++) {
        if (a != b && layout.carries(a, b)) {
          perWork += layout.bytes(a, b) * infra.transferPricePerGb(a, b) / BYTES_PER_GB;
        }
      }
    }
    return perWork * work;
  }

  private MigrationEstimate migration(int v, int from, int to) {
    MigrationEstimate[] row = migrationEstimates[v];
    if (row == null) {
      row = migrationEstimates[v] = new MigrationEstimate[infra.sites().size()];
    }
    if (row[to] == null) {
      row[to] = ctx.migrations().estimate(vms.get(v), infra.path(from, to));
    }
    return row[to];
  }

  /** Migration bytes at the source's transfer price, and the destination's hosting while the copy runs. */
  private double migrationCost(int v, int from, int to, MigrationEstimate e) {
    Site destination = infra.sites().get(to);
    return e.bytesMoved() * infra.transferPricePerGb(from, to) / BYTES_PER_GB
        + destination.hosting().cost(vms.get(v).size(), ctx.now(), plusSeconds(ctx.now(), e.totalSeconds()));
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
      case BALANCED -> balanced(objective, p.remainingSeconds(), p.cost().total(), reference);
    };
  }

  /**
   * A balanced objective's score: the weighted remaining time and cost, each over the objective's
   * fixed reference, or until it has one over {@code reference} (staying put).
   */
  static double balanced(Objective objective, double seconds, double cost, Prediction reference) {
    double secondsRef = objective.secondsScale() > 0 ? objective.secondsScale() : reference.remainingSeconds();
    double costRef = objective.secondsScale() > 0 ? objective.costScale() : reference.cost().total();
    return objective.timeWeight() * ratio(seconds, secondsRef) + (1 - objective.timeWeight()) * ratio(cost, costRef);
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
