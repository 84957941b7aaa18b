package org.vmflock.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.vmflock.clock.Clock;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.Provisioner;
import org.vmflock.execute.SimulatedActuator;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.execute.SynchronizedActuator;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * A federation simulated in one JVM for a running node (E2 simulated, S1): the world the simulated
 * actuator migrates VMs in, where new applications are booted, and the runtime that makes them
 * progress. Thread-safe: sagas, the manager and the federation's ticker use it concurrently. Its
 * state never leaves it: readers get immutable snapshots ({@link Step}, {@link #placement()}, {@link
 * #instances()}).
 *
 * <p>Durable if given a state file ({@link #durable}): every change of the hypervisors (a migration
 * step, a boot, a stop, a site's capacity) is in the file before the caller hears of it (before the
 * actuator answers), so the world is never behind what a saga's journal says; the applications'
 * progress is saved at every {@link #advance}. A restart on the same file finds the hypervisors
 * and the applications as they were.
 */
public final class SimulatedFederation implements Provisioner {

  /** What {@link StateFile} calls this state. */
  public static final String STATE_KIND = "simulated-federation";
  private static final int FORMAT = 1;
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new Jdk8Module()).registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private final SimulatedWorld world;
  private final ApplicationRuntime runtime;
  private final Actuator actuator;
  private final Optional<Path> stateFile;
  /** The number of each VM's simulated network interface (its address and MAC), never reused. */
  private final Map<String, Integer> nics;
  private int nextNic;
  /** The instant up to which the applications have advanced; empty before the first advance. */
  private Optional<Instant> progressAt;

  public SimulatedFederation(Clock clock, QemuPreCopyModel model, BiFunction<String, String, NetworkPath> paths, FaultPlan faults,
      long seed) {
    this(clock, model, paths, faults, new Snapshot(FORMAT, Optional.empty(), new SimulatedWorld().export(), List.of(), Map.of(), 1), seed,
        Optional.empty());
  }

  private SimulatedFederation(Clock clock, QemuPreCopyModel model, BiFunction<String, String, NetworkPath> paths, FaultPlan faults,
      Snapshot from, long seed, Optional<Path> stateFile) {
    this.world = SimulatedWorld.restore(from.world());
    this.runtime = ApplicationRuntime.restore(seed, from.runs());
    this.nics = new LinkedHashMap<>(from.nics());
    this.nextNic = from.nextNic();
    this.progressAt = from.progressAt();
    this.stateFile = stateFile;
    this.actuator = new SynchronizedActuator(
        new Saving(new SimulatedActuator(world, clock, model, paths, SimulatedActuator.Settings.defaults(), faults)), this);
  }

  /**
   * A federation kept in {@code file}: as the file holds it if it exists, else empty (and saved).
   *
   * @throws StateFile.DamagedStateException if the file is not whole or does not hold together
   */
  public static SimulatedFederation durable(Clock clock, QemuPreCopyModel model, BiFunction<String, String, NetworkPath> paths,
      FaultPlan faults, long seed, Path file) {
    Optional<byte[]> saved = StateFile.read(file, STATE_KIND);
    Snapshot snapshot = new Snapshot(FORMAT, Optional.empty(), new SimulatedWorld().export(), List.of(), Map.of(), 1);
    if (saved.isPresent()) {
      try {
        snapshot = JSON.readValue(saved.get(), Snapshot.class);
      } catch (IOException e) {
        throw new StateFile.DamagedStateException(file, "unreadable: " + oneLine(e), e);
      }
      if (snapshot.format() != FORMAT) {
        throw new StateFile.DamagedStateException(file, "format " + snapshot.format() + ", this version reads " + FORMAT);
      }
    }
    SimulatedFederation f;
    try {
      f = new SimulatedFederation(clock, model, paths, faults, snapshot, seed, Optional.of(file));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new StateFile.DamagedStateException(file, "does not hold together: " + e.getMessage(), e);
    }
    if (saved.isEmpty()) {
      f.save();
    }
    return f;
  }

  /** An I/O or JSON error's message on one line, without the excerpt of the input Jackson appends. */
  static String oneLine(IOException e) {
    String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
    return String.valueOf(m).replaceAll("\\s+", " ");
  }

  /**
   * What the state file holds: the hypervisors' world, each application's run, the VMs' network
   * interfaces, and the instant the applications have advanced to.
   */
  record Snapshot(int format, Optional<Instant> progressAt, SimulatedWorld.State world, List<ApplicationRuntime.Run> runs,
      Map<String, Integer> nics, int nextNic) {}

  /** Writes the state file (under this federation's lock), if there is one. */
  private void save() {
    if (stateFile.isEmpty()) {
      return;
    }
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(new Snapshot(FORMAT, progressAt, world.export(), runtime.export(), nics, nextNic));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the simulated federation cannot be written: " + e.getMessage(), e);
    }
    StateFile.write(stateFile.get(), STATE_KIND, body);
  }

  /** The simulated actuator, its world saved before it answers (it answers at once: its effect is done when the call returns). */
  private final class Saving implements Actuator {
    private final Actuator actuator;

    Saving(Actuator actuator) {
      this.actuator = actuator;
    }

    @Override
    public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
      CompletionStage<StepResult> answer = actuator.perform(order, step, attempt, progress);
      save();
      return answer;
    }

    @Override
    public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
      CompletionStage<StepResult> answer = actuator.compensate(order, step, attempt);
      save();
      return answer;
    }
  }

  /** The simulated actuator, answering at once with modelled durations (a node paces it: {@link org.vmflock.execute.PacedActuator}). */
  public Actuator actuator() {
    return actuator;
  }

  /** Adds (or resizes) a site. */
  public synchronized void site(String name, Capacity capacity) {
    if (world.hasSite(name)) {
      if (world.capacity(name).equals(capacity)) {
        return;
      }
      world.resize(name, capacity);
    } else {
      world.site(name, capacity);
    }
    save();
  }

  @Override
  public synchronized void boot(Application app, Map<String, String> siteOfVm) {
    for (Vm vm : app.vms()) {
      if (world.whereIs(vm.name()).isEmpty()) {
        world.place(vm, siteOfVm.get(vm.name()));
      }
      nic(vm.name());
    }
    if (runtime.run(app.name()).isEmpty()) {
      runtime.start(app);
    }
    save();
  }

  @Override
  public synchronized void stop(Application app) {
    app.vmNames().forEach(vm -> {
      world.remove(vm);
      nics.remove(vm);
    });
    save();
  }

  /** The number of {@code vm}'s simulated network interface (1, 2, ...): the same for the VM's whole life, never another's. */
  public synchronized int nic(String vm) {
    return nics.computeIfAbsent(vm, v -> nextNic++);
  }

  /**
   * The synthetic network interface of a simulated VM whose interface has number {@code nic}: 10.x.y.z
   * and a locally administered MAC, the same wherever it is computed (a node's sensors, the
   * hypervisors' traffic).
   */
  public static org.vmflock.model.VmEndpoint endpoint(String vm, String site, int nic) {
    return new org.vmflock.model.VmEndpoint(vm, site, new org.vmflock.model.MacAddress(0x0200_0000_0000L | nic), List.of(address(nic)));
  }

  /** The address of the synthetic network interface number {@code nic} (10.x.y.z). */
  public static org.vmflock.model.IpAddress address(int nic) {
    return org.vmflock.model.IpAddress.ofIpv4((10 << 24) | nic);
  }

  /** The instant up to which the applications have advanced; empty before the first {@link #advance}. */
  public synchronized Optional<Instant> progressAt() {
    return progressAt;
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

  /** A site of the world: its capacity and what its instances and reservations take. */
  public record SiteLine(String name, Capacity capacity, Capacity used) {}

  /** A VM of the world: where its address is routed, and its instances (the VM itself, copies, a retired source). */
  public record VmLine(String vm, Optional<String> route, List<SimulatedWorld.Instance> instances) {
    public VmLine {
      instances = List.copyOf(instances);
    }
  }

  /**
   * A page of the world as the hypervisors hold it: every site, the VMs after {@code afterVm} in name
   * order (at most {@code limit}), every reservation (as many as migrations in flight), and the
   * last VM of the page if more follow.
   */
  public record WorldPage(List<SiteLine> sites, List<VmLine> vms, List<SimulatedWorld.Reservation> reservations, Optional<String> next) {
    public WorldPage {
      sites = List.copyOf(sites);
      vms = List.copyOf(vms);
      reservations = List.copyOf(reservations);
    }
  }

  /** A page of the world now (a copy). */
  public synchronized WorldPage page(Optional<String> afterVm, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("a page holds at least one VM, not " + limit);
    }
    List<SiteLine> sites = new ArrayList<>();
    world.sites().forEach(site -> sites.add(new SiteLine(site, world.capacity(site), world.used(site))));
    java.util.NavigableSet<String> names = new java.util.TreeSet<>(world.vms().keySet());
    java.util.SortedSet<String> after = afterVm.map(a -> names.tailSet(a, false)).orElse(names);
    List<VmLine> vms = new ArrayList<>();
    Optional<String> next = Optional.empty();
    for (String vm : after) {
      if (vms.size() == limit) {
        next = Optional.of(vms.get(vms.size() - 1).vm());
        break;
      }
      vms.add(new VmLine(vm, Optional.ofNullable(world.routes().get(vm)), world.instancesOf(vm)));
    }
    return new WorldPage(sites, vms, world.reservations(), next);
  }

  /** A site's capacity now. */
  public synchronized Capacity capacity(String site) {
    return world.capacity(site);
  }

  /** Every application's run now, in the order they started. */
  public synchronized List<ApplicationRuntime.Run> runs() {
    return List.copyOf(runtime.runs().values());
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
    progressAt = Optional.of(from.plus(dt));
    Map<String, Double> pace = new TreeMap<>();
    for (ApplicationRuntime.Run r : runtime.runs().values()) {
      if (!r.finished() && placement.places(r.app().vmNames())) {
        pace.put(r.app().name(), runtime.secondsPerWork(r.app().name(), placement, infra));
      }
    }
    save();
    return new Step(finished, List.copyOf(runtime.runs().values()), placement, paused, pace);
  }

  /** An application's pace on {@code infra}, where its VMs run now. */
  public synchronized double secondsPerWork(String app, Infrastructure infra) {
    return runtime.secondsPerWork(app, placement(), infra);
  }
}
