package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.vmflock.clock.Clock;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.Provisioner;
import org.vmflock.execute.SimulatedActuator;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.SynchronizedActuator;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Vm;
import org.vmflock.plan.PreCopyMigrationModel;

/**
 * A federation simulated in one JVM for a running node (E2 simulated, S1): the world the simulated
 * actuator migrates VMs in, where new applications are booted, and the runtime that makes them
 * progress. Thread-safe: sagas, the manager and the federation's ticker use it concurrently.
 */
public final class SimulatedFederation implements Provisioner {

  private final SimulatedWorld world = new SimulatedWorld();
  private final ApplicationRuntime runtime;
  private final Actuator actuator;

  public SimulatedFederation(Clock clock, PreCopyMigrationModel.Settings model, BiFunction<String, String, NetworkPath> paths, FaultPlan faults,
      long seed) {
    this.runtime = new ApplicationRuntime(seed);
    this.actuator = new SynchronizedActuator(
        new SimulatedActuator(world, clock, model, paths, SimulatedActuator.Settings.defaults(), faults), this);
  }

  public Actuator actuator() {
    return actuator;
  }

  /** Adds (or resizes) a site. */
  public synchronized void site(String name, Capacity capacity) {
    if (world.hasSite(name)) {
      world.resize(name, capacity);
    } else {
      world.site(name, capacity);
    }
  }

  @Override
  public synchronized void boot(Application app, Map<String, String> siteOfVm) {
    for (Vm vm : app.vms()) {
      if (world.whereIs(vm.name()).isEmpty()) {
        world.place(vm, siteOfVm.get(vm.name()));
      }
    }
    if (runtime.run(app.name()).isEmpty()) {
      runtime.start(app);
    }
  }

  @Override
  public synchronized void stop(Application app) {
    app.vmNames().forEach(world::remove);
  }

  /** Where each VM of the world runs (its routed instance), and the VMs paused now. */
  public synchronized Placement placement() {
    TreeMap<String, String> m = new TreeMap<>();
    world.vms().keySet().forEach(vm -> world.whereIs(vm).stream().findFirst().ifPresent(i -> m.put(vm, i.site())));
    return new Placement(m);
  }

  public synchronized Set<String> paused() {
    Set<String> out = new HashSet<>();
    world.instances().stream().filter(i -> i.state() == SimulatedWorld.InstanceState.PAUSED).forEach(i -> out.add(i.vm().name()));
    return out;
  }

  /** Advances every application by {@code dt} from {@code from}; returns those that finished. */
  public synchronized List<String> advance(Instant from, Duration dt, Infrastructure infra) {
    return runtime.advance(from, dt, placement(), paused(), infra);
  }

  public synchronized ApplicationRuntime runtime() {
    return runtime;
  }

  public synchronized SimulatedWorld world() {
    return world;
  }
}
