package org.vmflock.execute;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmflock.model.Capacity;
import org.vmflock.model.Vm;

/**
 * The sites of a simulation as a {@link SimulatedActuator} sees them: each site's capacity, the VM
 * instances it hosts (the VMs themselves, incoming copies, retired sources), its reservations with
 * their leases, and where the overlay network forwards each VM's address. Each operation does what
 * one migration step does, checking first whether it was already done (idempotence) and refusing
 * what a hypervisor would refuse. Plain mutable Java, for one simulation thread.
 */
public final class SimulatedWorld {

  /** What an instance of a VM is at a site. */
  public enum InstanceState {
    /** The VM, running. */
    RUNNING,
    /** The VM, paused (during stop-and-copy, or committed but not yet activated). */
    PAUSED,
    /** An incoming copy receiving pre-copy rounds; out of date, since the VM still runs. */
    COPYING,
    /** An incoming copy holding all the paused VM's memory, ready to commit. */
    SYNCED,
    /** The former source after the commit: stale, to be destroyed. */
    RETIRED;

    /** Whether an instance in this state is the VM itself (there must be exactly one). */
    public boolean theVm() {
      return this == RUNNING || this == PAUSED;
    }

    /** Whether an instance in this state is a copy being received (it lives in its migration's reservation). */
    public boolean incoming() {
      return this == COPYING || this == SYNCED;
    }
  }

  /**
   * One VM's presence at one site.
   *
   * @param migrationId the migration that created this instance; empty for a VM placed initially
   */
  public record Instance(Vm vm, String site, InstanceState state, String migrationId) {}

  /** Room held at {@code site} for {@code vm} until the commit confirms it or its lease expires. */
  public record Reservation(String migrationId, Vm vm, String site, Instant leaseExpiresAt) {}

  /** A reservation the site released itself because no commit confirmed it in time. */
  public record LeaseExpiry(String migrationId, String vm, String site, Instant expiredAt) {}

  /** What an operation did. */
  public record Outcome(Kind kind, String reason) {
    /** Done now; found done before (nothing changed); refused (nothing changed, with the reason). */
    public enum Kind { DONE, ALREADY_DONE, REFUSED }

    static final Outcome DONE = new Outcome(Kind.DONE, "");
    static final Outcome ALREADY_DONE = new Outcome(Kind.ALREADY_DONE, "");

    static Outcome refused(String reason) {
      return new Outcome(Kind.REFUSED, reason);
    }
  }

  private final Map<String, Capacity> sites = new LinkedHashMap<>();
  private final Map<String, Instance> instances = new LinkedHashMap<>();
  // indices of the same instances, kept by put and remove (a federation holds tens of thousands of
  // VMs); linked, so that each keeps the instances in the order of the whole (first put first)
  private final Map<String, Map<String, Instance>> byVm = new java.util.HashMap<>();
  private final Map<String, Map<String, Instance>> bySite = new java.util.HashMap<>();
  private final Map<String, Reservation> reservations = new LinkedHashMap<>();
  private final Map<String, String> routes = new LinkedHashMap<>();
  private final Map<String, Vm> vms = new LinkedHashMap<>();
  private final List<LeaseExpiry> leaseExpiries = new ArrayList<>();
  /** What each site holds ({@link #used}), kept as instances and reservations come and go. */
  private final Map<String, Capacity> held = new java.util.HashMap<>();

  // ---------------------------------------------------------------- set-up

  /** Adds a site that can host {@code capacity}. */
  public SimulatedWorld site(String name, Capacity capacity) {
    if (sites.putIfAbsent(name, capacity) != null) {
      throw new IllegalArgumentException("site '" + name + "' exists already");
    }
    return this;
  }

  /** Starts {@code vm} at {@code site}, its address routed there. */
  public SimulatedWorld place(Vm vm, String site) {
    requireSite(site);
    if (vms.putIfAbsent(vm.name(), vm) != null) {
      throw new IllegalArgumentException("VM '" + vm.name() + "' is placed already");
    }
    if (!free(site).holds(Capacity.of(vm))) {
      throw new IllegalArgumentException("no room for VM '" + vm.name() + "' at '" + site + "': " + free(site) + " free");
    }
    put(new Instance(vm, site, InstanceState.RUNNING, ""));
    routes.put(vm.name(), site);
    return this;
  }

  /** Stops {@code vm} (its application ended): every instance of it goes, and its route. */
  public SimulatedWorld remove(String vm) {
    instancesOf(vm).forEach(this::remove);
    routes.remove(vm);
    vms.remove(vm);
    return this;
  }

  /** Whether {@code site} is known. */
  public boolean hasSite(String name) {
    return sites.containsKey(name);
  }

  /** Changes a site's capacity (its environment changed). */
  public SimulatedWorld resize(String name, Capacity capacity) {
    requireSite(name);
    sites.put(name, capacity);
    return this;
  }

  // ---------------------------------------------------------------- queries

  public Set<String> sites() {
    return Collections.unmodifiableSet(sites.keySet());
  }

  public Capacity capacity(String site) {
    return requireSite(site);
  }

  /**
   * What {@code site} holds: its instances and reservations, an incoming copy counting only when no
   * reservation holds it (it lives in the room reserved for it).
   */
  public Capacity used(String site) {
    return held.getOrDefault(site, Capacity.ZERO);
  }

  /** {@link #used} counted from scratch, to check the books kept as the world changes. */
  public Capacity usedRecounted(String site) {
    Capacity used = Capacity.ZERO;
    for (Instance i : bySite.getOrDefault(site, Map.of()).values()) {
      if (holds(i)) {
        used = used.plus(Capacity.of(i.vm()));
      }
    }
    for (Reservation r : reservations.values()) {
      if (r.site().equals(site)) {
        used = used.plus(Capacity.of(r.vm()));
      }
    }
    return used;
  }

  public Capacity free(String site) {
    return capacity(site).minus(used(site));
  }

  /** Every VM placed, by name. */
  public Map<String, Vm> vms() {
    return Collections.unmodifiableMap(vms);
  }

  public List<Instance> instances() {
    return List.copyOf(instances.values());
  }

  /** The instances of {@code vm} at any site, in any state. */
  public List<Instance> instancesOf(String vm) {
    return instances(vm).toList();
  }

  /** The instances at {@code site}, in any state, in the order they were first put. */
  public List<Instance> instancesAt(String site) {
    return List.copyOf(bySite.getOrDefault(site, Map.of()).values());
  }

  /** Where {@code vm} itself is (running or paused); more than one is a bug the invariants catch. */
  public List<Instance> whereIs(String vm) {
    return instances(vm).filter(i -> i.state().theVm()).toList();
  }

  public Optional<Instance> instance(String vm, String site) {
    return Optional.ofNullable(instances.get(key(vm, site)));
  }

  public List<Reservation> reservations() {
    return List.copyOf(reservations.values());
  }

  public Optional<Reservation> reservation(String migrationId) {
    return Optional.ofNullable(reservations.get(migrationId));
  }

  /** Where the overlay forwards each VM's address. */
  public Map<String, String> routes() {
    return Collections.unmodifiableMap(routes);
  }

  public List<LeaseExpiry> leaseExpiries() {
    return List.copyOf(leaseExpiries);
  }

  // ---------------------------------------------------------------- time

  /** Releases every reservation whose lease has expired by {@code now}, and drops its incoming copy. */
  public List<LeaseExpiry> expireLeases(Instant now) {
    List<LeaseExpiry> expired = new ArrayList<>();
    for (Reservation r : List.copyOf(reservations.values())) {
      if (!r.leaseExpiresAt().isAfter(now)) {
        dropReservation(r.migrationId());
        instance(r.vm().name(), r.site())
            .filter(i -> i.state().incoming() && i.migrationId().equals(r.migrationId()))
            .ifPresent(this::remove);
        expired.add(new LeaseExpiry(r.migrationId(), r.vm().name(), r.site(), r.leaseExpiresAt()));
      }
    }
    leaseExpiries.addAll(expired);
    return expired;
  }

  // ---------------------------------------------------------------- steps

  public Outcome reserve(MigrationOrder o, Instant leaseExpiresAt) {
    if (reservations.containsKey(o.migrationId())) {
      return Outcome.ALREADY_DONE;
    }
    if (instance(o.vm(), o.to()).isPresent()) {
      return Outcome.refused("VM '" + o.vm() + "' already has an instance at '" + o.to() + "'");
    }
    Capacity needed = Capacity.of(o.vmSpec());
    if (!free(o.to()).holds(needed)) {
      return Outcome.refused("no room at '" + o.to() + "': " + free(o.to()) + " free, " + needed + " needed");
    }
    Reservation r = new Reservation(o.migrationId(), o.vmSpec(), o.to(), leaseExpiresAt);
    Optional<Instance> copy = instance(o.vm(), o.to());
    copy.ifPresent(i -> count(i, -1));
    reservations.put(o.migrationId(), r);
    copy.ifPresent(i -> count(i, +1));
    book(r.site(), Capacity.of(r.vm()), +1);
    return Outcome.DONE;
  }

  public Outcome precopy(MigrationOrder o) {
    if (incomingCopy(o).isPresent()) {
      return Outcome.ALREADY_DONE;
    }
    if (!reservations.containsKey(o.migrationId())) {
      return Outcome.refused("no reservation at '" + o.to() + "' (released, or its lease expired)");
    }
    if (!isThe(o.vm(), o.from(), InstanceState.RUNNING)) {
      return Outcome.refused("VM '" + o.vm() + "' is not running at '" + o.from() + "'");
    }
    put(new Instance(o.vmSpec(), o.to(), InstanceState.COPYING, o.migrationId()));
    return Outcome.DONE;
  }

  public Outcome stopAndCopy(MigrationOrder o) {
    Optional<Instance> copy = incomingCopy(o);
    if (copy.filter(c -> c.state() == InstanceState.SYNCED).isPresent() && isThe(o.vm(), o.from(), InstanceState.PAUSED)) {
      return Outcome.ALREADY_DONE;
    }
    if (!reservations.containsKey(o.migrationId())) {
      return Outcome.refused("no reservation at '" + o.to() + "' (released, or its lease expired)");
    }
    if (copy.isEmpty()) {
      return Outcome.refused("no pre-copied instance of VM '" + o.vm() + "' at '" + o.to() + "'");
    }
    if (!isThe(o.vm(), o.from(), InstanceState.RUNNING) && !isThe(o.vm(), o.from(), InstanceState.PAUSED)) {
      return Outcome.refused("VM '" + o.vm() + "' is not at '" + o.from() + "'");
    }
    setState(o.vm(), o.from(), InstanceState.PAUSED);
    setState(o.vm(), o.to(), InstanceState.SYNCED);
    return Outcome.DONE;
  }

  public Outcome commit(MigrationOrder o) {
    if (committed(o)) {
      return Outcome.ALREADY_DONE;
    }
    if (!reservations.containsKey(o.migrationId())) {
      return Outcome.refused("no reservation at '" + o.to() + "' (its lease expired): nothing committed");
    }
    if (incomingCopy(o).filter(c -> c.state() == InstanceState.SYNCED).isEmpty() || !isThe(o.vm(), o.from(), InstanceState.PAUSED)) {
      return Outcome.refused("VM '" + o.vm() + "' is not paused at '" + o.from() + "' with a synchronised copy at '" + o.to() + "': nothing committed");
    }
    setState(o.vm(), o.to(), InstanceState.PAUSED);
    setState(o.vm(), o.from(), InstanceState.RETIRED);
    dropReservation(o.migrationId());
    return Outcome.DONE;
  }

  public Outcome activate(MigrationOrder o) {
    if (!committed(o)) {
      return Outcome.refused("migration " + o.migrationId() + " is not committed");
    }
    if (isThe(o.vm(), o.to(), InstanceState.RUNNING)) {
      return Outcome.ALREADY_DONE;
    }
    setState(o.vm(), o.to(), InstanceState.RUNNING);
    return Outcome.DONE;
  }

  public Outcome updateNetwork(MigrationOrder o) {
    if (!committed(o)) {
      return Outcome.refused("migration " + o.migrationId() + " is not committed");
    }
    if (o.to().equals(routes.get(o.vm()))) {
      return Outcome.ALREADY_DONE;
    }
    routes.put(o.vm(), o.to());
    return Outcome.DONE;
  }

  public Outcome releaseSource(MigrationOrder o) {
    if (!committed(o)) {
      return Outcome.refused("migration " + o.migrationId() + " is not committed: the source is the VM");
    }
    Optional<Instance> source = instance(o.vm(), o.from()).filter(i -> i.state() == InstanceState.RETIRED);
    if (source.isEmpty()) {
      return Outcome.ALREADY_DONE;
    }
    remove(source.get());
    return Outcome.DONE;
  }

  public Outcome resumeAtSource(MigrationOrder o) {
    if (isThe(o.vm(), o.from(), InstanceState.RUNNING)) {
      return Outcome.ALREADY_DONE;
    }
    if (!isThe(o.vm(), o.from(), InstanceState.PAUSED)) {
      return Outcome.refused("VM '" + o.vm() + "' is no longer at '" + o.from() + "'");
    }
    if (incomingCopy(o).isPresent()) {
      return Outcome.refused("the copy at '" + o.to() + "' must be discarded before the source resumes");
    }
    setState(o.vm(), o.from(), InstanceState.RUNNING);
    return Outcome.DONE;
  }

  public Outcome discardDestination(MigrationOrder o) {
    if (committed(o)) {
      return Outcome.refused("migration " + o.migrationId() + " is committed: the destination instance is the VM");
    }
    Optional<Instance> copy = incomingCopy(o);
    if (copy.isEmpty()) {
      return Outcome.ALREADY_DONE;
    }
    remove(copy.get());
    return Outcome.DONE;
  }

  public Outcome releaseReservation(MigrationOrder o) {
    if (!reservations.containsKey(o.migrationId())) {
      return Outcome.ALREADY_DONE;
    }
    if (incomingCopy(o).isPresent()) {
      return Outcome.refused("the copy at '" + o.to() + "' still occupies the reservation");
    }
    dropReservation(o.migrationId());
    return Outcome.DONE;
  }

  // ---------------------------------------------------------------- snapshot

  /** A site and its capacity, as a snapshot holds it. */
  public record SiteCapacity(String name, Capacity capacity) {}

  /**
   * The whole world as data, for a snapshot: the sites, the VMs placed, every instance (in the
   * order they were first put), the reservations and the routes. Lease expiries (a history) are
   * left out.
   */
  public record State(List<SiteCapacity> sites, List<Vm> vms, List<Instance> instances, List<Reservation> reservations,
      Map<String, String> routes) {
    public State {
      sites = List.copyOf(sites);
      vms = List.copyOf(vms);
      instances = List.copyOf(instances);
      reservations = List.copyOf(reservations);
      routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
    }
  }

  /** This world as data. */
  public State export() {
    List<SiteCapacity> s = new ArrayList<>();
    sites.forEach((name, c) -> s.add(new SiteCapacity(name, c)));
    return new State(s, List.copyOf(vms.values()), List.copyOf(instances.values()), List.copyOf(reservations.values()), routes);
  }

  /** The world a snapshot holds; {@link IllegalArgumentException} if it does not hang together. */
  public static SimulatedWorld restore(State s) {
    SimulatedWorld w = new SimulatedWorld();
    s.sites().forEach(site -> w.site(site.name(), site.capacity()));
    for (Vm vm : s.vms()) {
      if (w.vms.putIfAbsent(vm.name(), vm) != null) {
        throw new IllegalArgumentException("VM '" + vm.name() + "' is listed twice");
      }
    }
    // reservations first: an incoming copy takes no room of its own while its reservation holds it
    for (Reservation r : s.reservations()) {
      w.requireSite(r.site());
      if (w.reservations.putIfAbsent(r.migrationId(), r) != null) {
        throw new IllegalArgumentException("reservation " + r.migrationId() + " is listed twice");
      }
      w.book(r.site(), Capacity.of(r.vm()), +1);
    }
    for (Instance i : s.instances()) {
      w.requireSite(i.site());
      if (!w.vms.containsKey(i.vm().name())) {
        throw new IllegalArgumentException("an instance of VM '" + i.vm().name() + "', which is not placed");
      }
      if (w.instances.containsKey(key(i.vm().name(), i.site()))) {
        throw new IllegalArgumentException("VM '" + i.vm().name() + "' has two instances at '" + i.site() + "'");
      }
      w.put(i);
    }
    s.routes().forEach((vm, site) -> {
      w.requireSite(site);
      w.routes.put(vm, site);
    });
    return w;
  }

  // ---------------------------------------------------------------- internals

  private Optional<Instance> incomingCopy(MigrationOrder o) {
    return instance(o.vm(), o.to()).filter(i -> i.state().incoming() && i.migrationId().equals(o.migrationId()));
  }

  private boolean committed(MigrationOrder o) {
    return instance(o.vm(), o.to()).filter(i -> i.state().theVm() && i.migrationId().equals(o.migrationId())).isPresent();
  }

  private boolean isThe(String vm, String site, InstanceState state) {
    return instance(vm, site).filter(i -> i.state() == state).isPresent();
  }

  private void setState(String vm, String site, InstanceState state) {
    Instance i = instances.get(key(vm, site));
    put(new Instance(i.vm(), i.site(), state, i.migrationId()));
  }

  /** The instances of {@code vm}, in the order they were first put. */
  private java.util.stream.Stream<Instance> instances(String vm) {
    return byVm.getOrDefault(vm, Map.of()).values().stream();
  }

  private void dropReservation(String migrationId) {
    Reservation r = reservations.get(migrationId);
    if (r == null) {
      return;
    }
    Optional<Instance> copy = instance(r.vm().name(), r.site());
    copy.ifPresent(i -> count(i, -1));
    reservations.remove(migrationId);
    copy.ifPresent(i -> count(i, +1));
    book(r.site(), Capacity.of(r.vm()), -1);
  }

  /** Whether instance {@code i} takes room at its site: an incoming copy does not while a reservation holds room for it. */
  private boolean holds(Instance i) {
    return !i.state().incoming() || !reservations.containsKey(i.migrationId());
  }

  private void count(Instance i, int sign) {
    if (holds(i)) {
      book(i.site(), Capacity.of(i.vm()), sign);
    }
  }

  private void book(String site, Capacity c, int sign) {
    Capacity now = held.getOrDefault(site, Capacity.ZERO);
    held.put(site, sign > 0 ? now.plus(c) : now.minus(c));
  }

  private void put(Instance i) {
    String k = key(i.vm().name(), i.site());
    Instance old = instances.put(k, i);
    if (old != null) {
      count(old, -1);
    }
    count(i, +1);
    byVm.computeIfAbsent(i.vm().name(), x -> new LinkedHashMap<>()).put(i.site(), i);
    bySite.computeIfAbsent(i.site(), x -> new LinkedHashMap<>()).put(k, i);
  }

  private void remove(Instance i) {
    String k = key(i.vm().name(), i.site());
    Instance old = instances.remove(k);
    if (old != null) {
      count(old, -1);
    }
    Map<String, Instance> at = byVm.get(i.vm().name());
    if (at != null) {
      at.remove(i.site());
      if (at.isEmpty()) {
        byVm.remove(i.vm().name());
      }
    }
    Map<String, Instance> here = bySite.get(i.site());
    if (here != null) {
      here.remove(k);
    }
  }

  private Capacity requireSite(String site) {
    Capacity c = sites.get(site);
    if (c == null) {
      throw new IllegalArgumentException("unknown site '" + site + "'");
    }
    return c;
  }

  private static String key(String vm, String site) {
    return vm + "@" + site;
  }
}
