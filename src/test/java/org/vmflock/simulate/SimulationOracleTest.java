package org.vmflock.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.control.Policy;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.control.ManagerSettings;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;
import org.vmflock.node.NodeConfig;
import org.vmflock.scenario.NpbProfiles;
import org.vmflock.simulate.report.AppResult;

/**
 * vmflock's outcome against an exhaustive oracle over static placements, on small scenarios
 * (requirement of issue 6: within 5 %). Each scenario has 2-3 sites that differ in CPU speed,
 * price, links and availability, and 1-2 applications of 4 VMs built from the captured NPB
 * profiles, submitted already running on a deliberately poor placement.
 *
 * <p>The oracle runs the same simulation under policy {@code none} (no migration: the placement
 * stays as it started, except for the platform's own evacuation when a site's availability ends)
 * from every placement of the VMs over the sites that fits their capacity, and keeps the best
 * outcome, the applications running on the simulator's truth (its message replay model, not the
 * planner's estimator). vmflock runs from the poor placement, with the same seed (so the same small
 * per-application noise), and must come within 5 % of the oracle: it pays for its migrations and for what it
 * does before they end; the oracle starts where it should have been.
 *
 * <p>What is compared, per application: its completion time (objective time) or its total cost
 * (objective cost), as the simulator measures them. With two applications the oracle minimises
 * the sum of each one's value divided by its value from the poor placement (each counts equally,
 * 2 = both stay where they started), over their joint placements, and vmflock's same sum is
 * compared with it. Each scenario also checks that the oracle beats the poor start by more than
 * the tolerance, so vmflock staying put fails. No scenario's cost is near zero (every site has a
 * price), so the tolerance is relative everywhere.
 *
 * <p>The runs last hours to days, long enough for what vmflock inherently pays and the oracle
 * does not: its migrations' bytes and pauses, and in the two-application scenario the wait for a
 * periodic full re-plan ({@code full-replan-every} 20 periods, 100 minutes here) before moving
 * into room another application freed in the same cycle (freed room is not a symptom). A balanced
 * objective is not compared; see the note before the last tests.
 */
class SimulationOracleTest {

  private static final Instant START = Instant.parse("2026-06-01T00:00:00Z");
  private static final long GIB = 1L << 30;
  private static final double MBPS = 1e6 / 8;
  private static final long SEED = 7;
  private static final double TOLERANCE = 0.05;
  /**
   * The loop's period in the oracle's runs. Under {@code none} a cycle never changes the world (it
   * only updates what the manager knows), so the period only costs wall time: runs on a poor
   * placement last days. {@link #judge} checks that it changes no figure.
   */
  private static final Duration ORACLE_PERIOD = Duration.ofDays(1);

  private static final Config CONFIG = NodeConfig.load(Optional.empty(), Map.of());
  private static final Simulation.Settings SETTINGS = new Simulation.Settings(ManagerSettings.from(CONFIG), 0, Duration.ofDays(30));
  private static final Policy NONE = Policy.of("none", CONFIG);
  private static final Policy VMFLOCK = Policy.of("vmflock", CONFIG);

  // ------------------------------------------------------------------ scenarios

  /** An application, its profile, and where it starts (poorly). */
  private record Submitted(Application app, String profile, Map<String, String> poor) {}

  private record Scenario(String name, Infrastructure infra, List<Submitted> apps, Duration period) {

    Simulation.Input input(List<Map<String, String>> placements) {
      return input(placements, period);
    }

    /** With the loop running every {@code loopPeriod} instead (the oracle's runs: policy none never acts on its cycles). */
    Simulation.Input input(List<Map<String, String>> placements, Duration loopPeriod) {
      List<Simulation.Arrival> arrivals = new ArrayList<>();
      for (int k = 0; k < apps.size(); k++) {
        arrivals.add(new Simulation.Arrival(START, apps.get(k).app(), placements.get(k), apps.get(k).profile()));
      }
      return new Simulation.Input(name, START, infra, arrivals, List.of(), loopPeriod, Optional.empty());
    }

    List<Map<String, String>> poor() {
      return apps.stream().map(Submitted::poor).toList();
    }
  }

  private static Site site(String name, int slots, double speed, double pricePerVmHour, List<AvailabilityWindow> windows) {
    return new Site(name, new Capacity(slots, slots * 4, slots * 8 * GIB), speed, PriceSchedule.flat(pricePerVmHour), 0.02, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10_000 * MBPS), windows);
  }

  private static Link link(String a, String b, int latencyMillis, double mbps) {
    return new Link(a, b, new NetworkPath(Duration.ofMillis(latencyMillis), mbps * MBPS));
  }

  private static Application app(String name, String profile, double workHours, Objective objective) {
    return NpbProfiles.application(NpbProfiles.lookupOrThrow(profile), name, workHours * 3600, objective, Optional.empty(), Optional.empty());
  }

  /** {@code app}'s VMs 1..4 at {@code sites[0..3]}. */
  private static Map<String, String> at(Application app, String... sites) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < sites.length; i++) {
      m.put(app.vmNames().get(i), sites[i]);
    }
    return m;
  }

  private static Submitted submitted(Application app, String profile, String... sites) {
    return new Submitted(app, profile, at(app, sites));
  }

  /**
   * CG (a chain of heavy neighbour exchanges, 815 barriers per work second) split over a slow,
   * far WAN link; a third site, faster but dearer, is reachable by good links. Objective time.
   */
  private static Scenario cgSplitAcrossSlowWan() {
    Infrastructure infra = new Infrastructure(
        List.of(site("lyon", 8, 1.0, 0.10, List.of()), site("nancy", 8, 1.0, 0.10, List.of()), site("fast", 4, 1.3, 0.30, List.of())),
        List.of(link("lyon", "nancy", 20, 100), link("lyon", "fast", 5, 1000), link("nancy", "fast", 5, 1000)), Optional.empty());
    Application cg = app("cg", "cg.A.4", 6, Objective.TIME);
    return new Scenario("cg-split-slow-wan/time", infra, List.of(submitted(cg, "cg.A.4", "lyon", "lyon", "nancy", "nancy")),
        Duration.ofMinutes(5));
  }

  /**
   * IS (all-to-all, 183 MB per work second) on a fast, expensive site; a cheap site holds it
   * whole, a cheaper one only half (splitting it would pay its traffic between sites). Objective cost.
   */
  private static Scenario isOnExpensiveSite() {
    Infrastructure infra = new Infrastructure(
        List.of(site("premium", 8, 1.5, 0.40, List.of()), site("budget", 8, 1.0, 0.08, List.of()), site("spot", 2, 0.8, 0.04, List.of())),
        List.of(link("premium", "budget", 5, 1000), link("premium", "spot", 30, 200), link("budget", "spot", 30, 200)), Optional.empty());
    Application is = app("is", "is.A.4", 30, Objective.COST);
    return new Scenario("is-expensive-site/cost", infra, List.of(submitted(is, "is.A.4", "premium", "premium", "premium", "premium")),
        Duration.ofMinutes(10));
  }

  /**
   * MG (dirties 81 MB/s: slow links hardly converge) split between a slow cheap site and a fast
   * site whose availability ends after 3 hours (the platform then suspends what is left there
   * and resumes it at the cheapest site).
   */
  private static Scenario mgWithAWindowThatEnds(Objective objective) {
    Infrastructure infra = new Infrastructure(
        List.of(site("grid", 8, 1.6, 0.02, List.of(new AvailabilityWindow(START, START.plus(Duration.ofHours(3))))),
            site("slow", 8, 0.7, 0.05, List.of()), site("cloud", 4, 1.2, 0.12, List.of())),
        List.of(link("grid", "slow", 10, 1000), link("grid", "cloud", 10, 1000), link("slow", "cloud", 15, 500)), Optional.empty());
    Application mg = app("mg", "mg.A.4", 10, objective);
    return new Scenario("mg-window-ends/" + objective, infra, List.of(submitted(mg, "mg.A.4", "grid", "grid", "slow", "slow")),
        Duration.ofMinutes(5));
  }

  /**
   * Two applications on swapped sites: CG (objective time) on the slow cheap site, EP (objective
   * cost, almost no traffic) filling the fast expensive one; a third site leaves room to swap.
   */
  private static Scenario swappedApplications() {
    Infrastructure infra = new Infrastructure(
        List.of(site("cheap", 6, 0.8, 0.05, List.of()), site("fast", 4, 1.5, 0.35, List.of()), site("middle", 4, 1.0, 0.15, List.of())),
        List.of(link("cheap", "fast", 10, 1000), link("cheap", "middle", 10, 1000), link("fast", "middle", 20, 200)), Optional.empty());
    Application cg = app("cg", "cg.A.4", 24, Objective.TIME);
    Application ep = app("ep", "ep.A.4", 24, Objective.COST);
    return new Scenario("cg-time+ep-cost-swapped", infra, List.of(submitted(cg, "cg.A.4", "cheap", "cheap", "cheap", "cheap"),
        submitted(ep, "ep.A.4", "fast", "fast", "fast", "fast")), Duration.ofMinutes(5));
  }

  /**
   * IS split 2/2 between a cheap site and a cheaper, slower, smaller one over a slow link (its
   * all-to-all traffic pays that link's latency, bandwidth and transfer price); a fast, dear site is
   * near the cheap one. Objective balanced 0.5.
   */
  private static Scenario isSplitBalanced() {
    Infrastructure infra = new Infrastructure(
        List.of(site("paris", 8, 1.4, 0.30, List.of()), site("rennes", 8, 1.0, 0.06, List.of()), site("lille", 4, 0.8, 0.03, List.of())),
        // 400 Mbit/s to lille: slow for IS's all-to-all, yet fast enough to live-migrate its VMs (they dirty 25 MB/s; at 100 Mbit/s
        // QEMU's pre-copy would never converge and no move off lille would be feasible)
        List.of(link("paris", "rennes", 5, 1000), link("rennes", "lille", 15, 400), link("paris", "lille", 15, 400)), Optional.empty());
    Application is = app("is", "is.A.4", 24, Objective.balanced(0.5));
    return new Scenario("is-split-slow-link/balanced", infra, List.of(submitted(is, "is.A.4", "rennes", "rennes", "lille", "lille")),
        Duration.ofMinutes(5));
  }

  // ------------------------------------------------------------------ oracle

  /**
   * What a run scores for each application, as its objective says (lower is better); a balanced
   * one with the planner's weighting relative to the poor start under {@code none}
   * ({@code w T/T0 + (1-w) C/C0}).
   */
  private static double[] values(Scenario s, List<AppResult> results, Map<String, Objective> references) {
    double[] v = new double[s.apps().size()];
    for (int k = 0; k < v.length; k++) {
      String name = s.apps().get(k).app().name();
      AppResult r = find(results, name);
      Objective o = s.apps().get(k).app().objective();
      v[k] = switch (o.kind()) {
        case TIME -> r.completionSeconds();
        case COST -> r.totalCost();
        case BALANCED -> {
          // the application's own exchange rate of seconds for money: the reference its first decision fixed
          Objective fixed = references.get(name);
          if (fixed == null) {
            throw new AssertionError(name + ": vmflock made no decision that fixed its reference");
          }
          yield o.timeWeight() * r.completionSeconds() / fixed.secondsScale()
              + (1 - o.timeWeight()) * (fixed.costScale() > 0 ? r.totalCost() / fixed.costScale() : r.totalCost());
        }
      };
    }
    return v;
  }

  /** The scenario's figure of merit: the one application's value, or the sum of each one's value relative to the poor start. */
  private static double score(double[] values, double[] poor) {
    if (values.length == 1) {
      return values[0];
    }
    double sum = 0;
    for (int k = 0; k < values.length; k++) {
      sum += values[k] / poor[k];
    }
    return sum;
  }

  private static AppResult find(List<AppResult> results, String app) {
    return results.stream().filter(r -> r.application().equals(app)).findFirst().orElseThrow();
  }

  private static List<AppResult> run(Simulation.Input input, Policy policy) {
    Simulation.Outcome o = new Simulation(input, policy, SEED, SETTINGS).run(p -> {});
    for (AppResult r : o.run().applications()) {
      assertTrue(r.finishedAt().isPresent(), input.name() + " under " + policy.name() + " from " + input.arrivals() + ": unfinished " + r);
    }
    return o.run().applications();
  }

  /** Every placement of every application's VMs on the sites available at the start, jointly within capacity. */
  private static List<List<Map<String, String>>> placements(Scenario s) {
    List<Site> open = s.infra().sites().stream().filter(x -> x.availableAt(START)).toList();
    List<List<Map<String, String>>> out = new ArrayList<>();
    extend(s, open, 0, new ArrayList<>(), new HashMap<>(), out);
    return out;
  }

  private static void extend(Scenario s, List<Site> open, int appIndex, List<Map<String, String>> prefix, Map<String, Capacity> used,
      List<List<Map<String, String>>> out) {
    if (appIndex == s.apps().size()) {
      out.add(List.copyOf(prefix));
      return;
    }
    List<Vm> vms = s.apps().get(appIndex).app().vms();
    long count = (long) Math.pow(open.size(), vms.size());
    for (long k = 0; k < count; k++) {
      long x = k;
      Map<String, Capacity> u = new HashMap<>(used);
      Map<String, String> p = new LinkedHashMap<>();
      boolean fits = true;
      for (Vm vm : vms) {
        Site site = open.get((int) (x % open.size()));
        x /= open.size();
        Capacity after = u.getOrDefault(site.name(), Capacity.ZERO).plus(Capacity.of(vm));
        fits &= site.capacity().holds(after);
        u.put(site.name(), after);
        p.put(vm.name(), site.name());
      }
      if (fits) {
        prefix.add(p);
        extend(s, open, appIndex + 1, prefix, u, out);
        prefix.remove(prefix.size() - 1);
      }
    }
  }

  private record Verdict(double oracle, List<Map<String, String>> best, double vmflock, double stay, int placements, String decisions) {
    double gap() {
      return vmflock / oracle - 1;
    }
  }

  private static Verdict judge(Scenario s) {
    Simulation.Outcome o = new Simulation(s.input(s.poor()), VMFLOCK, SEED, SETTINGS).run(p -> {});
    Map<String, Objective> references = new HashMap<>();
    for (DecisionRecord d : o.decisions()) {
      Objective objective = s.apps().stream().filter(a -> a.app().name().equals(d.application())).findFirst().orElseThrow().app().objective();
      if (!references.containsKey(d.application())) {
        d.reference(objective).ifPresent(r -> references.put(d.application(), r));
      }
    }
    List<AppResult> stayResults = run(s.input(s.poor()), NONE);
    double[] poor = values(s, stayResults, references);
    double stay = score(poor, poor);
    double oracle = Double.POSITIVE_INFINITY;
    List<Map<String, String>> best = List.of();
    List<List<Map<String, String>>> all = placements(s);
    for (List<Map<String, String>> p : all) {
      double v = score(values(s, run(s.input(p, ORACLE_PERIOD), NONE), references), poor);
      if (v < oracle) {
        oracle = v;
        best = p;
      }
    }
    // the oracle's shortcut changes nothing: the poor start and the best placement score the same with the scenario's period
    assertEquals(stay, score(values(s, run(s.input(s.poor(), ORACLE_PERIOD), NONE), references), poor), stay * 1e-9, s.name());
    List<AppResult> bestResults = run(s.input(best), NONE);
    assertEquals(oracle, score(values(s, bestResults, references), poor), oracle * 1e-9, s.name());
    double vmflock = score(values(s, o.run().applications(), references), poor);
    StringBuilder d = new StringBuilder();
    for (DecisionRecord r : o.decisions()) {
      d.append("\n    ").append(r.at()).append(' ').append(r.application()).append(' ').append(r.kind()).append(": ").append(r.reason());
    }
    d.append("\n    vmflock: ").append(brief(o.run().applications())).append("\n    oracle:  ").append(brief(bestResults))
        .append("\n    stay:    ").append(brief(stayResults));
    return new Verdict(oracle, best, vmflock, stay, all.size(), d.toString());
  }

  private static String brief(List<AppResult> results) {
    StringBuilder b = new StringBuilder();
    for (AppResult r : results) {
      b.append(String.format(Locale.ROOT, "%s %.0f s, cost %.3f (hosting %.3f, transfer %.3f, migration %.3f, %d migrations); ", r.application(),
          r.completionSeconds(), r.totalCost(), r.hostingCost(), r.transferCost(), r.migrationCost(), r.migrations()));
    }
    return b.toString();
  }

  private static void check(Scenario s) {
    long t0 = System.nanoTime();
    Verdict v = judge(s);
    System.out.printf(Locale.ROOT, "oracle %-28s %4d placements: oracle %.4g  vmflock %.4g  none-from-start %.4g  gap %+.2f %%  (%.1f s)%n",
        s.name(), v.placements(), v.oracle(), v.vmflock(), v.stay(), 100 * v.gap(), (System.nanoTime() - t0) / 1e9);
    System.out.println("  best static placement: " + v.best() + v.decisions());
    assertTrue(v.oracle() < v.stay() * (1 - TOLERANCE), s.name() + ": the poor start should be clearly worse than the oracle");
    assertTrue(v.vmflock() <= (1 + TOLERANCE) * v.oracle(), String.format(Locale.ROOT, "%s: vmflock %.6g is %.2f %% above the oracle %.6g;"
        + " best static placement %s; decisions:%s", s.name(), v.vmflock(), 100 * v.gap(), v.oracle(), v.best(), v.decisions()));
  }

  @Test
  void cgSplitAcrossASlowWanLink() {
    check(cgSplitAcrossSlowWan());
  }

  @Test
  void isOnAnExpensiveSite() {
    check(isOnExpensiveSite());
  }

  @Test
  void mgOnASiteWhoseWindowEnds() {
    check(mgWithAWindowThatEnds(Objective.TIME));
  }

  @Test
  void twoApplicationsOnSwappedSites() {
    check(swappedApplications());
  }

  /*
   * A balanced objective weighs remaining time and cost, each over the reference its first decision
   * fixed (model/Objective: the predicted outlook of staying put). That reference is the
   * application's exchange rate of seconds for money for its whole run, so the oracle's placements
   * and vmflock are scored with it too (values above). Before the reference was fixed (each decision
   * relative to staying put at that moment), later decisions weighed time against cost otherwise:
   * is ended 13.0 % and mg 14.8 % above the oracle.
   */

  @Test
  void isSplitWithABalancedObjective() {
    check(isSplitBalanced());
  }

  @Test
  void mgOnASiteWhoseWindowEndsWithABalancedObjective() {
    check(mgWithAWindowThatEnds(Objective.balanced(0.5)));
  }
}
