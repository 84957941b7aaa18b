package org.vmflock.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;

/**
 * Finds the best placement of one application (P3, P4): exhaustive over every assignment of its
 * movable VMs when there are few enough, otherwise a local search that moves whole communication
 * groups, then single VMs (which splits a group when that pays), from the current placement and
 * from a greedy one, keeping the best. Every candidate must fit the capacity left for the
 * application; VMs in their cool-down stay put.
 */
final class PlacementSearch {

  /** The best placement found, how, and after how many evaluations. */
  record Result(Prediction best, String method, long evaluated, List<Prediction> feasible) {}

  private final PlacementEvaluator evaluator;
  private final PlannerSettings settings;
  private final Application app;
  private final List<Vm> vms;
  private final int siteCount;
  private final Capacity[] free;
  private final boolean[] fixed;
  private final List<int[]> units;
  private final Prediction reference;
  private final Comparator<Prediction> ranking;
  private final boolean keepAll;
  private final List<Prediction> all = new ArrayList<>();
  private long evaluated;

  PlacementSearch(PlacementEvaluator evaluator, PlannerSettings settings, List<List<String>> groups, Set<String> fixedVms,
      Prediction reference, boolean keepAll) {
    this.evaluator = evaluator;
    this.settings = settings;
    this.app = evaluator.application();
    this.vms = app.vms();
    this.siteCount = evaluator.context().infra().sites().size();
    this.free = IntStream.range(0, siteCount).mapToObj(s -> evaluator.context().free(s)).toArray(Capacity[]::new);
    this.fixed = new boolean[vms.size()];
    Map<String, Integer> index = new HashMap<>();
    for (int v = 0; v < vms.size(); v++) {
      index.put(vms.get(v).name(), v);
      fixed[v] = fixedVms.contains(vms.get(v).name());
    }
    this.units = units(groups, index);
    // a balanced objective compares with a feasible reference: staying put, or else a greedy placement
    this.reference = reference.feasible() ? reference : evaluator.evaluate(greedy());
    this.ranking = ranking(app.objective(), this.reference);
    this.keepAll = keepAll;
  }

  /** Feasible first, then on time and within budget, then the objective, then fewer migrations, then by name. */
  static Comparator<Prediction> ranking(Objective objective, Prediction reference) {
    return Comparator.<Prediction, Boolean>comparing(p -> !p.feasible())
        .thenComparing(p -> !p.acceptable())
        .thenComparingDouble(p -> PlacementEvaluator.score(p, objective, reference))
        .thenComparingInt(p -> p.migrations().size())
        .thenComparing(p -> p.placement().toString());
  }

  Comparator<Prediction> ranking() {
    return ranking;
  }

  Prediction reference() {
    return reference;
  }

  /** Communication groups and, for every VM in none, a unit of its own; fixed VMs are left out. */
  private List<int[]> units(List<List<String>> groups, Map<String, Integer> index) {
    List<int[]> out = new ArrayList<>();
    boolean[] grouped = new boolean[vms.size()];
    for (List<String> g : groups) {
      int[] members = g.stream().filter(index::containsKey).mapToInt(index::get).filter(v -> !fixed[v] && !grouped[v]).toArray();
      for (int v : members) {
        grouped[v] = true;
      }
      if (members.length > 0) {
        out.add(members);
      }
    }
    for (int v = 0; v < vms.size(); v++) {
      if (!grouped[v] && !fixed[v]) {
        out.add(new int[] {v});
      }
    }
    return out;
  }

  Result run() {
    int movable = (int) IntStream.range(0, vms.size()).filter(v -> !fixed[v]).count();
    double placements = Math.pow(siteCount, movable);
    if (placements <= settings.exhaustiveLimit()) {
      return new Result(exhaustive(), "exhaustive", evaluated, all);
    }
    return new Result(heuristic(), "heuristic", evaluated, all);
  }

  private TrafficLayout start() {
    return evaluator.currentLayout().map(TrafficLayout::copy).orElseGet(this::greedy);
  }

  // ------------------------------------------------------------------ exhaustive

  private Prediction exhaustive() {
    TrafficLayout layout = start();
    Capacity[] demand = demand(layout);
    int[] movable = IntStream.range(0, vms.size()).filter(v -> !fixed[v]).toArray();
    int[] digit = new int[movable.length];
    for (int v : movable) {
      move(layout, demand, v, 0);
    }
    Prediction best = null;
    while (true) {
      if (fits(demand)) {
        best = better(best, evaluate(layout));
      }
      int k = 0;
      while (k < movable.length) {
        digit[k]++;
        if (digit[k] < siteCount) {
          move(layout, demand, movable[k], digit[k]);
          break;
        }
        digit[k] = 0;
        move(layout, demand, movable[k], 0);
        k++;
      }
      if (k == movable.length) {
        break;
      }
    }
    return best != null ? best : Prediction.infeasible(Placement.EMPTY, "no placement of " + app.name() + " fits the capacity left");
  }

  // ------------------------------------------------------------------ heuristic

  private Prediction heuristic() {
    List<TrafficLayout> starts = new ArrayList<>();
    evaluator.currentLayout().ifPresent(l -> starts.add(l.copy()));
    starts.add(greedy());
    Prediction best = null;
    for (TrafficLayout layout : starts) {
      Capacity[] demand = demand(layout);
      Prediction here = fits(demand) ? evaluate(layout) : null;
      for (int pass = 0; pass < settings.maxPasses(); pass++) {
        Move improvement = bestMove(layout, demand, here);
        if (improvement == null) {
          break;
        }
        for (int v : improvement.vms) {
          move(layout, demand, v, improvement.site);
        }
        here = improvement.prediction;
      }
      if (here != null) {
        best = better(best, here);
      }
    }
    return best != null ? best : Prediction.infeasible(Placement.EMPTY, "no placement of " + app.name() + " fits the capacity left");
  }

  private record Move(int[] vms, int site, Prediction prediction) {}

  /** The best single change: a whole unit to another site, or one VM to a candidate site. */
  private Move bestMove(TrafficLayout layout, Capacity[] demand, Prediction here) {
    Move best = null;
    Prediction bar = here;
    List<int[]> moves = new ArrayList<>(units);
    for (int v = 0; v < vms.size(); v++) {
      if (!fixed[v]) {
        moves.add(new int[] {v});
      }
    }
    int[] candidates = candidateSites(layout);
    for (int m = 0; m < moves.size(); m++) {
      int[] unit = moves.get(m);
      boolean single = m >= units.size();
      for (int s : single ? candidates : IntStream.range(0, siteCount).toArray()) {
        if (allAt(layout, unit, s)) {
          continue;
        }
        int[] back = new int[unit.length];
        for (int i = 0; i < unit.length; i++) {
          back[i] = layout.siteOf(unit[i]);
          move(layout, demand, unit[i], s);
        }
        if (fits(demand)) {
          Prediction p = evaluate(layout);
          if (bar == null || ranking.compare(p, bar) < 0) {
            bar = p;
            best = new Move(unit, s, p);
          }
        }
        for (int i = unit.length - 1; i >= 0; i--) {
          move(layout, demand, unit[i], back[i]);
        }
      }
    }
    return best;
  }

  private static boolean allAt(TrafficLayout layout, int[] unit, int site) {
    for (int v : unit) {
      if (layout.siteOf(v) != site) {
        return false;
      }
    }
    return true;
  }

  /** The sites the application uses, and the best few others for its objective. */
  private int[] candidateSites(TrafficLayout layout) {
    boolean[] pick = new boolean[siteCount];
    for (int s = 0; s < siteCount; s++) {
      pick[s] = layout.vmsAt(s) > 0;
    }
    int added = 0;
    for (int s : rankedSites()) {
      if (added >= settings.candidateSites()) {
        break;
      }
      if (!pick[s]) {
        pick[s] = true;
        added++;
      }
    }
    return IntStream.range(0, siteCount).filter(s -> pick[s]).toArray();
  }

  private int[] ranked;

  /** Sites available now, best first for the objective on their own (speed, price). */
  private int[] rankedSites() {
    if (ranked == null) {
      String size = vms.get(0).size();
      java.time.Instant now = evaluator.context().now();
      double w = switch (app.objective().kind()) {
        case TIME -> 1;
        case COST -> 0;
        case BALANCED -> app.objective().timeWeight();
      };
      ranked = IntStream.range(0, siteCount).boxed()
          .filter(s -> site(s).availableAt(now))
          .sorted(Comparator.comparingDouble((Integer s) -> {
            Site site = site(s);
            double price = site.hosting().pricePerVmHour(size, now);
            return w * (1 / site.cpuSpeed()) + (1 - w) * price / site.cpuSpeed();
          }).thenComparing(s -> s))
          .mapToInt(Integer::intValue).toArray();
    }
    return ranked;
  }

  private Site site(int s) {
    return evaluator.context().infra().sites().get(s);
  }

  /**
   * A first placement for an application not placed yet: whole units, largest first, each on the
   * best-ranked site with room, preferring the sites already chosen (to keep groups together).
   */
  private TrafficLayout greedy() {
    TrafficLayout layout = TrafficLayout.of(app, evaluator.current(), evaluator.context().infra());
    Capacity[] used = new Capacity[siteCount];
    Arrays.fill(used, Capacity.ZERO);
    for (int v = 0; v < vms.size(); v++) {
      if (fixed[v] && layout.siteOf(v) >= 0) {
        used[layout.siteOf(v)] = used[layout.siteOf(v)].plus(Capacity.of(vms.get(v)));
      }
    }
    List<int[]> bySize = new ArrayList<>(units);
    bySize.sort(Comparator.comparingInt((int[] u) -> -u.length).thenComparingInt(u -> u[0]));
    int[] order = rankedSites().length > 0 ? rankedSites() : IntStream.range(0, siteCount).toArray();
    for (int[] unit : bySize) {
      Capacity need = Capacity.ZERO;
      for (int v : unit) {
        need = need.plus(Capacity.of(vms.get(v)));
      }
      int chosen = -1;
      for (int s : order) {
        if (free[s].minus(used[s]).holds(need)) {
          chosen = s;
          break;
        }
      }
      if (chosen < 0) {
        // no site takes the unit whole: split it VM by VM
        for (int v : unit) {
          int target = order[0];
          for (int s : order) {
            if (free[s].minus(used[s]).holds(Capacity.of(vms.get(v)))) {
              target = s;
              break;
            }
          }
          layout.move(v, target);
          used[target] = used[target].plus(Capacity.of(vms.get(v)));
        }
        continue;
      }
      for (int v : unit) {
        layout.move(v, chosen);
      }
      used[chosen] = used[chosen].plus(need);
    }
    for (int v = 0; v < vms.size(); v++) {
      if (layout.siteOf(v) < 0) {
        layout.move(v, order[0]); // a fixed VM with no site: cannot happen for placed applications
      }
    }
    return layout;
  }

  // ------------------------------------------------------------------ helpers

  private Capacity[] demand(TrafficLayout layout) {
    Capacity[] d = new Capacity[siteCount];
    Arrays.fill(d, Capacity.ZERO);
    for (int v = 0; v < vms.size(); v++) {
      if (layout.siteOf(v) >= 0) {
        d[layout.siteOf(v)] = d[layout.siteOf(v)].plus(Capacity.of(vms.get(v)));
      }
    }
    return d;
  }

  private void move(TrafficLayout layout, Capacity[] demand, int v, int site) {
    int from = layout.siteOf(v);
    if (from == site) {
      return;
    }
    Capacity c = Capacity.of(vms.get(v));
    if (from >= 0) {
      demand[from] = demand[from].minus(c);
    }
    demand[site] = demand[site].plus(c);
    layout.move(v, site);
  }

  private boolean fits(Capacity[] demand) {
    for (int s = 0; s < siteCount; s++) {
      if (!free[s].holds(demand[s])) {
        return false;
      }
    }
    return true;
  }

  private Prediction evaluate(TrafficLayout layout) {
    evaluated++;
    Prediction p = evaluator.evaluate(layout);
    if (keepAll && p.feasible()) {
      all.add(p);
    }
    return p;
  }

  private Prediction better(Prediction a, Prediction b) {
    if (a == null) {
      return b;
    }
    return ranking.compare(b, a) < 0 ? b : a;
  }
}
