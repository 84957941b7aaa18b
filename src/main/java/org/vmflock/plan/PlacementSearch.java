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
import org.vmflock.plan.PlacementEvaluator.Outcome;

/**
 * Finds the best placement of one application (P3, P4): exhaustive over every assignment of its
 * movable VMs when there are few enough, otherwise a local search over units — each communication
 * group whole, each half of a larger group (so that a group can be split when that pays more), each
 * VM in no group, the VMs sharing a site, and all of them (consolidation) — then over single VMs
 * that talk across sites, then exchanges of two VMs where a site is too full for a single move;
 * from the current placement and from a greedy one, keeping the best, and when neither leads to a
 * feasible placement, from two more greedy ones (longest available sites first, largest first).
 * Every candidate must fit the capacity left for the application; VMs in their cool-down stay put.
 * Candidates are compared on cheap outcomes; only the winner becomes a full {@link Prediction}.
 */
final class PlacementSearch {

  /** The best placement found, how, and after how many evaluations. */
  record Result(Prediction best, String method, long evaluated, List<Prediction> feasible) {}

  private static final int HALVED_GROUP = 4;

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
  private int[] ranked;

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
    this.keepAll = keepAll;
    // a balanced objective compares with a feasible reference: staying put, or else a greedy placement
    this.reference = reference.feasible() ? reference : evaluator.evaluate(greedy());
    this.ranking = ranking(app.objective(), this.reference);
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

  /** A candidate: its outcome and the assignment (site index per VM) that gives it. */
  private record Candidate(Outcome outcome, int[] assignment) {}

  private double score(Outcome o) {
    if (!o.feasible()) {
      return Double.POSITIVE_INFINITY;
    }
    Objective objective = app.objective();
    return switch (objective.kind()) {
      case TIME -> o.remaining();
      case COST -> o.cost().total();
      case BALANCED -> PlacementEvaluator.balanced(objective, o.remaining(), o.cost().total(), reference);
    };
  }

  /** The same order as {@link #ranking}, on outcomes; ties broken by the assignment. */
  private int compare(Candidate a, Candidate b) {
    int c = Boolean.compare(!a.outcome.feasible(), !b.outcome.feasible());
    if (c == 0) {
      c = Boolean.compare(!a.outcome.acceptable(), !b.outcome.acceptable());
    }
    if (c == 0) {
      c = Double.compare(score(a.outcome), score(b.outcome));
    }
    if (c == 0) {
      c = Integer.compare(a.outcome.migrations(), b.outcome.migrations());
    }
    return c != 0 ? c : Arrays.compare(a.assignment, b.assignment);
  }

  /** Communication groups, the halves of the larger ones, and a unit for each VM in no group; fixed VMs are left out. */
  private List<int[]> units(List<List<String>> groups, Map<String, Integer> index) {
    List<int[]> out = new ArrayList<>();
    boolean[] grouped = new boolean[vms.size()];
    for (List<String> g : groups) {
      int[] members = g.stream().filter(index::containsKey).mapToInt(index::get).filter(v -> !fixed[v] && !grouped[v]).sorted().toArray();
      for (int v : members) {
        grouped[v] = true;
      }
      if (members.length > 0) {
        out.add(members);
      }
      if (members.length >= HALVED_GROUP) {
        out.add(Arrays.copyOfRange(members, 0, members.length / 2));
        out.add(Arrays.copyOfRange(members, members.length / 2, members.length));
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
    Candidate best = placements <= settings.exhaustiveLimit() ? exhaustive() : heuristic();
    String method = placements <= settings.exhaustiveLimit() ? "exhaustive" : "heuristic";
    if (best == null) {
      return new Result(Prediction.infeasible(Placement.EMPTY, "no placement of " + app.name() + " fits the capacity left"), method,
          evaluated, all);
    }
    return new Result(evaluator.evaluate(layoutOf(best.assignment)), method, evaluated, all);
  }

  private TrafficLayout layoutOf(int[] assignment) {
    TrafficLayout layout = TrafficLayout.of(app, Placement.EMPTY, evaluator.context().infra());
    for (int v = 0; v < assignment.length; v++) {
      layout.move(v, assignment[v]);
    }
    return layout;
  }

  private TrafficLayout start() {
    return evaluator.currentLayout().map(TrafficLayout::copy).orElseGet(this::greedy);
  }

  // ------------------------------------------------------------------ exhaustive

  private Candidate exhaustive() {
    TrafficLayout layout = start();
    Capacity[] demand = demand(layout);
    int[] movable = IntStream.range(0, vms.size()).filter(v -> !fixed[v]).toArray();
    int[] digit = new int[movable.length];
    for (int v : movable) {
      move(layout, demand, v, 0);
    }
    Candidate best = null;
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
    return best;
  }

  // ------------------------------------------------------------------ heuristic

  private Candidate heuristic() {
    Candidate best = null;
    if (evaluator.currentLayout().isPresent()) {
      best = localSearch(evaluator.currentLayout().get().copy());
    }
    // from a greedy placement too, when it starts better than where the current one led
    TrafficLayout greedy = greedy();
    Candidate start = fits(demand(greedy)) ? evaluate(greedy) : null;
    if (best == null || (start != null && compare(start, best) < 0)) {
      best = better(best, localSearch(greedy));
    }
    if (best == null || !best.outcome().feasible()) {
      // ends of availability can leave every neighbour of these starts infeasible, with nothing to
      // climb: start again from placements that keep the VMs where they can stay
      for (TrafficLayout fallback : fallbackStarts()) {
        best = better(best, localSearch(fallback));
      }
    }
    return best;
  }

  private Candidate localSearch(TrafficLayout layout) {
    Capacity[] demand = demand(layout);
    Candidate here = fits(demand) ? evaluate(layout) : null;
    for (int pass = 0; pass < settings.maxPasses(); pass++) {
      Move improvement = bestMove(layout, demand, here);
      if (improvement == null) {
        break;
      }
      for (int i = 0; i < improvement.vms.length; i++) {
        move(layout, demand, improvement.vms[i], improvement.sites[i]);
      }
      here = improvement.candidate;
    }
    return here;
  }

  /**
   * Two more greedy placements over the sites available now: the longest available first, and the
   * largest first (the fewest VMs left to move when an availability ends).
   */
  private List<TrafficLayout> fallbackStarts() {
    java.time.Instant now = evaluator.context().now();
    Comparator<Integer> durable = Comparator.comparing((Integer s) -> site(s).availableUntil(now).orElse(now), Comparator.reverseOrder());
    Comparator<Integer> largest = Comparator.comparingInt((Integer s) -> free[s].slots()).reversed();
    List<TrafficLayout> out = new ArrayList<>();
    for (Comparator<Integer> order : List.of(durable.thenComparing(largest), largest.thenComparing(durable))) {
      int[] sites = IntStream.range(0, siteCount).boxed().filter(s -> site(s).availableAt(now))
          .sorted(order.thenComparingInt(s -> s)).mapToInt(Integer::intValue).toArray();
      if (sites.length > 0) {
        out.add(greedy(sites));
      }
    }
    return out;
  }

  /** Each of {@code vms} to the site at the same index of {@code sites}. */
  private record Move(int[] vms, int[] sites, Candidate candidate) {
    static Move of(int[] vms, int site, Candidate candidate) {
      int[] sites = new int[vms.length];
      Arrays.fill(sites, site);
      return new Move(vms, sites, candidate);
    }
  }

  /**
   * The best single change: a unit (a group or half of one, the VMs sharing a site, all of them) to
   * another site, or a VM that talks across sites to a candidate site; failing those, two VMs
   * exchanging sites where one could not move alone.
   */
  private Move bestMove(TrafficLayout layout, Capacity[] demand, Candidate here) {
    Move best = null;
    Candidate bar = here;
    int[] candidates = candidateSites(layout);
    List<int[]> moves = new ArrayList<>(units);
    int[] everyone = IntStream.range(0, vms.size()).filter(v -> !fixed[v]).toArray();
    if (everyone.length > 1) {
      moves.add(everyone);
    }
    for (int s = 0; s < siteCount; s++) {
      if (layout.vmsAt(s) > 1) {
        final int site = s;
        int[] together = IntStream.range(0, vms.size()).filter(v -> !fixed[v] && layout.siteOf(v) == site).toArray();
        if (together.length > 1 && together.length < everyone.length && moves.stream().noneMatch(u -> Arrays.equals(u, together))) {
          moves.add(together);
        }
      }
    }
    int unitMoves = moves.size();
    for (int v = 0; v < vms.size(); v++) {
      if (!fixed[v] && talksAcrossSites(layout, v)) {
        moves.add(new int[] {v});
      }
    }
    for (int m = 0; m < moves.size(); m++) {
      int[] unit = moves.get(m);
      int[] sites = m < unitMoves && siteCount <= settings.candidateSites() + 5 ? IntStream.range(0, siteCount).toArray() : candidates;
      for (int s : sites) {
        if (allAt(layout, unit, s)) {
          continue;
        }
        int[] back = new int[unit.length];
        for (int i = 0; i < unit.length; i++) {
          back[i] = layout.siteOf(unit[i]);
          move(layout, demand, unit[i], s);
        }
        if (fits(demand)) {
          Candidate c = evaluate(layout);
          if (bar == null || compare(c, bar) < 0) {
            bar = c;
            best = Move.of(unit, s, c);
          }
        }
        for (int i = unit.length - 1; i >= 0; i--) {
          move(layout, demand, unit[i], back[i]);
        }
      }
    }
    if (best != null) {
      return best;
    }
    // then exchanges of two VMs between their sites, where a site is too full for a single move
    for (int v = 0; v < vms.size(); v++) {
      for (int w = v + 1; w < vms.size(); w++) {
        int sv = layout.siteOf(v);
        int sw = layout.siteOf(w);
        if (fixed[v] || fixed[w] || sv == sw || sv < 0 || sw < 0
            || free[sw].holds(demand[sw].plus(Capacity.of(vms.get(v)))) && free[sv].holds(demand[sv].plus(Capacity.of(vms.get(w))))) {
          continue;
        }
        move(layout, demand, v, sw);
        move(layout, demand, w, sv);
        if (fits(demand)) {
          Candidate c = evaluate(layout);
          if (bar == null || compare(c, bar) < 0) {
            bar = c;
            best = new Move(new int[] {v, w}, new int[] {sw, sv}, c);
          }
        }
        move(layout, demand, w, sw);
        move(layout, demand, v, sv);
      }
    }
    return best;
  }

  /** Whether {@code v} exchanges traffic with a VM on another site. */
  private static boolean talksAcrossSites(TrafficLayout layout, int v) {
    return layout.crossSiteTraffic(v) > TrafficLayout.NEGLIGIBLE_BYTES;
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

  /** Sites available now, best first for the objective on their own (speed, price, how long they stay available). */
  private int[] rankedSites() {
    if (ranked == null) {
      String size = vms.get(0).size();
      java.time.Instant now = evaluator.context().now();
      double w = switch (app.objective().kind()) {
        case TIME -> 1;
        case COST -> 0;
        case BALANCED -> app.objective().timeWeight();
      };
      double reference = Math.max(1, app.workload().remainingWork());
      ranked = IntStream.range(0, siteCount).boxed()
          .filter(s -> site(s).availableAt(now))
          .sorted(Comparator.comparingDouble((Integer s) -> {
            Site site = site(s);
            double price = site.hosting().pricePerVmHour(size, now);
            double score = w * (1 / site.cpuSpeed()) + (1 - w) * price / site.cpuSpeed();
            // a site whose availability ends before the work could be done costs a forced move
            boolean ends = site.availableUntil(now).map(u -> u.isBefore(now.plusSeconds((long) (reference / site.cpuSpeed())))).orElse(true);
            return ends ? score * 2 : score;
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
   * best-ranked site with room (so groups stay together); a unit no site takes whole is split VM
   * by VM.
   */
  private TrafficLayout greedy() {
    return greedy(rankedSites().length > 0 ? rankedSites() : IntStream.range(0, siteCount).toArray());
  }

  /** The greedy placement trying the sites in {@code order}. */
  private TrafficLayout greedy(int[] order) {
    TrafficLayout layout = TrafficLayout.of(app, evaluator.current(), evaluator.context().infra());
    Capacity[] used = new Capacity[siteCount];
    Arrays.fill(used, Capacity.ZERO);
    boolean[] placed = new boolean[vms.size()];
    for (int v = 0; v < vms.size(); v++) {
      if (fixed[v] && layout.siteOf(v) >= 0) {
        used[layout.siteOf(v)] = used[layout.siteOf(v)].plus(Capacity.of(vms.get(v)));
        placed[v] = true;
      }
    }
    List<int[]> bySize = new ArrayList<>(units);
    bySize.sort(Comparator.comparingInt((int[] u) -> -u.length).thenComparingInt(u -> u[0]));
    for (int[] unit : bySize) {
      int[] todo = Arrays.stream(unit).filter(v -> !placed[v]).toArray();
      if (todo.length == 0) {
        continue;
      }
      Capacity need = Capacity.ZERO;
      for (int v : todo) {
        need = need.plus(Capacity.of(vms.get(v)));
      }
      int chosen = -1;
      for (int s : order) {
        if (free[s].minus(used[s]).holds(need)) {
          chosen = s;
          break;
        }
      }
      for (int v : todo) {
        int target = chosen;
        if (target < 0) {
          target = order[0];
          for (int s : order) {
            if (free[s].minus(used[s]).holds(Capacity.of(vms.get(v)))) {
              target = s;
              break;
            }
          }
        }
        layout.move(v, target);
        used[target] = used[target].plus(Capacity.of(vms.get(v)));
        placed[v] = true;
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

  private Candidate evaluate(TrafficLayout layout) {
    evaluated++;
    Outcome o = evaluator.quick(layout);
    if (keepAll && o.feasible()) {
      all.add(evaluator.evaluate(layout));
    }
    return new Candidate(o, layout.assignment());
  }

  private Candidate better(Candidate a, Candidate b) {
    if (a == null) {
      return b;
    }
    return compare(b, a) < 0 ? b : a;
  }
}
