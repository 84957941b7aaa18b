package org.vmflock.model;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A distributed application: its VMs, its workload, what its owner wants, and optionally a deadline
 * and a budget (for the whole run: {@code spent} is what it has cost so far).
 */
public record Application(
    String name,
    List<Vm> vms,
    Workload workload,
    Objective objective,
    Optional<Instant> deadline,
    Optional<Double> budget,
    double spent) {

  public Application {
    VmEndpoint.requireName("application", name);
    vms = List.copyOf(vms);
    if (vms.isEmpty()) {
      throw new IllegalArgumentException("application " + name + " has no VM");
    }
    Set<String> names = new HashSet<>();
    for (Vm vm : vms) {
      if (!names.add(vm.name())) {
        throw new IllegalArgumentException("application " + name + " lists VM " + vm.name() + " twice");
      }
    }
    if (!names.containsAll(workload.trafficPerWork().vms()) || workload.trafficPerWork().size() != vms.size()) {
      throw new IllegalArgumentException("application " + name + ": its traffic matrix names " + workload.trafficPerWork().vms()
          + ", not its VMs " + names);
    }
    if (!(spent >= 0) || Double.isInfinite(spent)) {
      throw new IllegalArgumentException("application " + name + ": what it has spent is a finite number >= 0, not " + spent);
    }
    budget.ifPresent(b -> {
      if (!(b >= 0)) {
        throw new IllegalArgumentException("application " + name + ": a budget is not negative: " + b);
      }
    });
  }

  public List<String> vmNames() {
    return vms.stream().map(Vm::name).toList();
  }

  public Capacity demand() {
    return vms.stream().map(Capacity::of).reduce(Capacity.ZERO, Capacity::plus);
  }

  public Application withWorkload(Workload w) {
    return new Application(name, vms, w, objective, deadline, budget, spent);
  }

  public Application withSpent(double total) {
    return new Application(name, vms, workload, objective, deadline, budget, total);
  }

  public Application withObjective(Objective o) {
    return new Application(name, vms, workload, o, deadline, budget, spent);
  }
}
