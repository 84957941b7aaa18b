package org.vmflock.plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Capacity;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;

/**
 * Validates a plan against its problem, whatever algorithm produced it (as BtrPlace's checkers do):
 * every VM placed exactly once; no site over capacity, at the end or after any step; the steps
 * take each moved VM from its current site to its new one; no VM on a site unavailable now; a site
 * whose availability ends before the predicted finish has its forced move counted; deadline and
 * budget not given up when staying put kept them; no VM moved during its cool-down.
 */
public final class PlacementChecker {

  /** Something a plan gets wrong. */
  public record Violation(String application, String what) {
    @Override
    public String toString() {
      return application + ": " + what;
    }
  }

  private PlacementChecker() {}

  public static List<Violation> check(PlanningProblem problem, Plan plan, PlannerSettings settings) {
    List<Violation> out = new ArrayList<>();
    Map<String, Vm> vms = new HashMap<>();
    Map<String, String> appOf = new HashMap<>();
    Map<String, String> finalSite = new HashMap<>();
    Map<String, Capacity> usage = new HashMap<>(problem.reserved());
    Map<String, Capacity> before = new HashMap<>(problem.reserved());
    // what ran before the plan; unlike before, without the new applications' VMs
    Map<String, Capacity> existing = new HashMap<>(problem.reserved());
    for (AppSituation a : problem.apps()) {
      String name = a.app().name();
      Optional<AppDecision> d = plan.decision(name);
      if (d.isEmpty()) {
        out.add(new Violation(name, "no decision"));
        continue;
      }
      var placement = d.get().moves() ? d.get().chosen().placement() : a.current();
      for (Vm vm : a.app().vms()) {
        vms.put(vm.name(), vm);
        appOf.put(vm.name(), name);
        Optional<String> site = placement.siteOf(vm.name());
        if (site.isEmpty()) {
          if (!a.isNew() || d.get().moves()) {
            out.add(new Violation(name, "VM " + vm.name() + " has no site"));
          }
          continue;
        }
        if (problem.infra().site(site.get()).isEmpty()) {
          out.add(new Violation(name, "VM " + vm.name() + " on unknown site " + site.get()));
          continue;
        }
        finalSite.put(vm.name(), site.get());
        usage.merge(site.get(), Capacity.of(vm), Capacity::plus);
        a.current().siteOf(vm.name()).ifPresent(s -> before.merge(s, Capacity.of(vm), Capacity::plus));
        a.current().siteOf(vm.name()).ifPresent(s -> existing.merge(s, Capacity.of(vm), Capacity::plus));
        if (a.isNew() && d.get().moves()) {
          before.merge(site.get(), Capacity.of(vm), Capacity::plus); // a new VM starts where it is placed
        }
      }
      if (placement.siteOfVm().size() > a.app().vms().size()) {
        out.add(new Violation(name, "the placement names VMs that are not the application's"));
      }
      if (d.get().moves()) {
        checkPrediction(problem, a, d.get(), settings, out);
      }
    }
    for (Site s : problem.infra().sites()) {
      Capacity u = usage.getOrDefault(s.name(), Capacity.ZERO);
      Capacity b = existing.getOrDefault(s.name(), Capacity.ZERO);
      // a site that lost capacity may stay over it only if the plan does not add to it (new VMs add)
      if (!s.capacity().holds(u) && !b.holds(u)) {
        out.add(new Violation("*", "site " + s.name() + " over capacity after the plan: " + u + " > " + s.capacity()));
      }
    }
    checkSteps(problem, plan, vms, finalSite, before, out);
    return out;
  }

  private static void checkPrediction(PlanningProblem problem, AppSituation a, AppDecision d, PlannerSettings settings, List<Violation> out) {
    String name = a.app().name();
    Prediction p = d.chosen();
    Instant now = problem.now();
    if (!p.feasible()) {
      out.add(new Violation(name, "moves to an infeasible placement: " + p.infeasibility()));
      return;
    }
    for (String site : p.placement().siteOfVm().values().stream().distinct().toList()) {
      Site s = problem.infra().require(site);
      Optional<Instant> until = s.availableUntil(now);
      if (until.isEmpty()) {
        out.add(new Violation(name, "placed on " + site + ", which is not available now"));
      } else if (until.get().isBefore(p.finish()) && p.forced().stream().noneMatch(f -> f.from().equals(site))) {
        out.add(new Violation(name, "site " + site + " is available until " + until.get() + ", before the predicted finish "
            + p.finish() + ", and no forced move is counted"));
      }
    }
    if (d.stay().acceptable() && !p.acceptable()) {
      out.add(new Violation(name, "gives up its deadline or budget, which staying put kept"));
    }
    Instant limit = now.minus(settings.cooldown());
    for (Migration m : d.migrations()) {
      Instant last = problem.lastMigrated().get(m.vm());
      if (last != null && last.isAfter(limit)) {
        out.add(new Violation(name, "moves VM " + m.vm() + " during its cool-down (migrated at " + last + ")"));
      }
    }
  }

  /** Replays the steps: each needs room at its destination, and they end at the planned placement. */
  private static void checkSteps(PlanningProblem problem, Plan plan, Map<String, Vm> vms, Map<String, String> finalSite,
      Map<String, Capacity> before, List<Violation> out) {
    Map<String, Capacity> used = new HashMap<>(before);
    Map<String, String> at = new HashMap<>();
    for (AppSituation a : problem.apps()) {
      AppDecision d = plan.decision(a.app().name()).orElse(null);
      for (Vm vm : a.app().vms()) {
        Optional<String> s = a.current().siteOf(vm.name());
        if (s.isEmpty() && d != null && d.moves()) {
          s = d.chosen().placement().siteOf(vm.name());
        }
        s.ifPresent(site -> at.put(vm.name(), site));
      }
    }
    for (Plan.Step step : plan.steps()) {
      Migration m = step.migration();
      Vm vm = vms.get(m.vm());
      if (vm == null) {
        out.add(new Violation(m.application(), "step " + step.order() + " moves unknown VM " + m.vm()));
        continue;
      }
      if (!m.from().equals(at.get(m.vm()))) {
        out.add(new Violation(m.application(), "step " + step.order() + " moves " + m.vm() + " from " + m.from() + " but it is on " + at.get(m.vm())));
      }
      if (!problem.infra().require(m.to()).availableAt(problem.now())) {
        out.add(new Violation(m.application(), "step " + step.order() + " (" + m.vm() + " " + m.from() + " -> " + m.to()
            + ") moves onto " + m.to() + ", which is not available now"));
      }
      Capacity after = used.getOrDefault(m.to(), Capacity.ZERO).plus(Capacity.of(vm));
      if (!problem.infra().require(m.to()).capacity().holds(after)) {
        out.add(new Violation(m.application(), "step " + step.order() + " (" + m.vm() + " " + m.from() + " -> " + m.to()
            + ") exceeds the capacity of " + m.to()));
      }
      used.put(m.to(), after);
      used.merge(m.from(), Capacity.of(vm), Capacity::minus);
      at.put(m.vm(), m.to());
    }
    finalSite.forEach((vm, site) -> {
      if (!site.equals(at.get(vm))) {
        out.add(new Violation(String.valueOf(findApp(problem, vm)), "after the steps VM " + vm + " is on " + at.get(vm) + ", not " + site));
      }
    });
  }

  private static String findApp(PlanningProblem problem, String vm) {
    return problem.apps().stream().filter(a -> a.app().vmNames().contains(vm)).map(a -> a.app().name()).findFirst().orElse("?");
  }
}
