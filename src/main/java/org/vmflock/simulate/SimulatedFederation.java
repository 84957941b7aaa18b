package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.PreCopyMigrationModel;

/**
 * A federation simulated in one JVM for a running node (E2 simulated, S1): the world the simulated
 * actuator migrates VMs in, where new applications are booted, and the runtime that makes them
 * progress. Thread-safe: sagas, the manager and the federation's ticker use it concurrently. Its
 * state never leaves it: readers get immutable snapshots ({@link Step}, {@link #placement()}, {@link
 * #instances()}).
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

  /** The simulated actuator, answering at once with modelled durations (a node paces it: {@link org.vmflock.execute.PacedActuator}). */
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

  /** Where each VM of the world runs (its routed instance). */
  public synchronized Placement placement() {
    TreeMap<String, String> m = new TreeMap<>();
    world.vms().keySet().forEach(vm -> world.whereIs(vm).stream().findFirst().ifPresent(i -> m.put(vm, i.site())));
    return new Placement(m);
  }

  private Set<String> paused() {
    Set<String> out = new HashSet<>();
    world.instances().stream().filter(i -> i.state() == SimulatedWorld.InstanceState.PAUSED).forEach(i -> out.add(i.vm().name()));
    return out;
  }

  /** Every VM instance now, and where (a copy). */
  public synchronized List<SimulatedWorld.Instance> instances() {
    return List.copyOf(world.instances());
  }

  /** The reservations held at the hypervisors now (a copy). */
  public synchronized List<SimulatedWorld.Reservation> reservations() {
    return List.copyOf(world.reservations());
  }

  /** A site's capacity now. */
  public synchronized Capacity capacity(String site) {
    return world.capacity(site);
  }

  /** An application's run now (a copy). */
  public synchronized Optional<ApplicationRuntime.Run> run(String app) {
    return runtime.run(app);
  }

  /**
   * What a step of the federation's time did: the applications that finished, and a snapshot of
   * every application's run, where its VMs run, which VMs are paused, and each running one's pace.
   */
  public record Step(List<String> finished, List<ApplicationRuntime.Run> runs, Placement placement, Set<String> paused,
      Map<String, Double> secondsPerWork) {
    public Step {
      finished = List.copyOf(finished);
      runs = List.copyOf(runs);
      paused = Set.copyOf(paused);
      secondsPerWork = Map.copyOf(secondsPerWork);
    }
  }

  /** Advances every application by {@code dt} from {@code from}, on {@code infra}; a snapshot of the result. */
  public synchronized Step advance(Instant from, Duration dt, Infrastructure infra) {
    Placement placement = placement();
    Set<String> paused = paused();
    List<String> finished = runtime.advance(from, dt, placement, paused, infra);
    Map<String, Double> pace = new TreeMap<>();
    for (ApplicationRuntime.Run r : runtime.runs().values()) {
      if (!r.finished() && placement.places(r.app().vmNames())) {
        pace.put(r.app().name(), runtime.secondsPerWork(r.app().name(), placement, infra, LinkShare.none(infra.sites().size())));
      }
    }
    return new Step(finished, List.copyOf(runtime.runs().values()), placement, paused, pace);
  }

  /** An application's pace on {@code infra}, where its VMs run now. */
  public synchronized double secondsPerWork(String app, Infrastructure infra) {
    return runtime.secondsPerWork(app, placement(), infra, LinkShare.none(infra.sites().size()));
  }
}
