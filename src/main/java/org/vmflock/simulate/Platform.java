package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.SiteBookkeeping;
import org.vmflock.execute.WorldInvariants;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Charges;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.site.SiteState;

/**
 * The simulated federation a simulation runs on, its ground truth (S1): the sites as their site
 * actors would hold them (environment and books, changed by the same {@link SiteState} rules and
 * the same saga bookkeeping), the hypervisors (the {@link SimulatedWorld} the simulated actuator
 * migrates VMs in), the applications' real progress ({@link ApplicationRuntime}), and what each
 * application really spends ({@link Charges}, as the manager counts it). Safety is checked as it
 * changes: a violation is an {@link IllegalStateException}. Plain mutable Java, for one thread.
 */
final class Platform implements SiteBookkeeping.Books {

  private static final long NANOS = 1_000_000_000L;

  /** One application's ground truth. */
  static final class Meter {
    final Simulation.Arrival arrival;
    Optional<Instant> finishedAt = Optional.empty();
    double hosting;
    double transfer;
    double migration;
    int migrations;
    double bytesMoved;
    double interSiteBytes;
    double doneAtLastAccrual;
    /** When and where its VMs started (for the estimator's check against the truth). */
    Optional<Instant> bootedAt = Optional.empty();
    Map<String, String> bootPlacement = Map.of();

    Meter(Simulation.Arrival arrival) {
      this.arrival = arrival;
      this.doneAtLastAccrual = arrival.app().workload().doneWork();
    }
  }

  /** Where a VM is hosted since when (its hosting is counted up to there). */
  private record Hosting(String site, String size, Instant since) {}

  private final String name;
  private final Optional<NetworkPath> defaultLink;
  private final SimulatedWorld world = new SimulatedWorld();
  private final ApplicationRuntime runtime;
  private final TreeMap<String, SiteState> sites = new TreeMap<>();
  private Infrastructure physical;
  private final Map<String, Meter> meters = new LinkedHashMap<>();
  private final Map<String, String> owners = new HashMap<>();
  private final Map<String, Hosting> hosting = new HashMap<>();
  private final Set<String> migrating = new TreeSet<>();
  private final Map<String, Instant> coldPausedUntil = new TreeMap<>();
  private final Set<String> finishedAwaitingSagas = new TreeSet<>();
  private Instant lastAdvance;
  private long invariantChecks;

  /** @param name what the errors name (the scenario and the policy) */
  Platform(String name, Optional<NetworkPath> defaultLink, long seed, Instant start) {
    this.name = name;
    this.defaultLink = defaultLink;
    this.runtime = new ApplicationRuntime(seed);
    this.lastAdvance = start;
  }

  SimulatedWorld world() {
    return world;
  }

  long invariantChecks() {
    return invariantChecks;
  }

  Set<String> migrating() {
    return migrating;
  }

  Map<String, Meter> meters() {
    return meters;
  }

  // ---------------------------------------------------------------- sites

  /** The infrastructure as the sites hold it now (the same object until a site changes). */
  Infrastructure infra() {
    if (physical == null) {
      physical = Knowledge.infrastructureOf(sites.values().stream().map(SiteState::environment).toList(), defaultLink);
    }
    return physical;
  }

  NetworkPath path(String a, String b) {
    return infra().path(a, b);
  }

  SiteState site(String site) {
    SiteState s = sites.get(site);
    if (s == null) {
      throw new IllegalStateException(name + ": unknown site " + site);
    }
    return s;
  }

  /**
   * A change to a site, validated as its site actor would (against its books): the change,
   * numbered, if accepted; else why not. An accepted change of capacity resizes the hypervisors.
   */
  Result<SiteState.NumberedChange> change(String site, EnvironmentChange change, Instant now) {
    SiteState before = sites.getOrDefault(site, SiteState.undefined(site));
    SiteState.Decision d = before.decide(change, now);
    if (!d.accepted()) {
      return Result.refused(d.refusal());
    }
    SiteState after = before.apply(d.event().orElseThrow());
    sites.put(site, after);
    physical = null;
    Capacity capacity = after.environment().site().orElseThrow().capacity();
    if (world.hasSite(site)) {
      world.resize(site, capacity);
    } else {
      world.site(site, capacity);
    }
    return Result.of(after.recent().get(after.recent().size() - 1));
  }

  /** A value, or why there is none. */
  record Result<T>(Optional<T> value, String refusal) {
    static <T> Result<T> of(T v) {
      return new Result<>(Optional.of(v), "");
    }

    static <T> Result<T> refused(String why) {
      return new Result<>(Optional.empty(), why);
    }
  }

  /** The sites' books follow the sagas and the manager as a site actor's would. */
  @Override
  public Optional<String> book(SiteBookkeeping.Update u, Instant now) {
    SiteState s = sites.get(u.site());
    if (s == null) {
      return Optional.of("unknown site '" + u.site() + "'");
    }
    Optional<org.vmflock.site.SiteEvent> event;
    if (u instanceof SiteBookkeeping.Reserve r) {
      SiteState.Decision d = s.decideReserve(r.reservationId(), r.vm(), r.demand(), now.plus(reservationLease));
      if (!d.accepted()) {
        return Optional.of(d.refusal());
      }
      event = d.event();
    } else if (u instanceof SiteBookkeeping.Place p) {
      SiteState.Decision d = s.decidePlace(p.vm(), p.demand(), p.reservationId());
      if (!d.accepted()) {
        return Optional.of(d.refusal());
      }
      event = d.event();
    } else if (u instanceof SiteBookkeeping.Remove r) {
      event = s.decideRemove(r.vm());
    } else {
      SiteBookkeeping.Release r = (SiteBookkeeping.Release) u;
      event = s.decideRelease(r.reservationId(), r.why());
    }
    event.ifPresent(e -> sites.put(u.site(), s.apply(e)));
    return Optional.empty();
  }

  private Duration reservationLease = Duration.ofMinutes(10);

  /** How long a site holds a reservation that no commit confirms. */
  void reservationLease(Duration lease) {
    this.reservationLease = lease;
  }

  /** Releases the sites' reservations whose lease ran out, as the site actors' timers do. */
  void expireLeases(Instant now) {
    for (Map.Entry<String, SiteState> e : new ArrayList<>(sites.entrySet())) {
      SiteState s = e.getValue();
      for (org.vmflock.site.SiteEvent released : s.decideExpiry(now)) {
        s = s.apply(released);
      }
      sites.put(e.getKey(), s);
    }
  }

  // ---------------------------------------------------------------- applications

  /** An application that will arrive: its meter, and whose its VMs are. */
  void expect(Simulation.Arrival a) {
    meters.put(a.app().name(), new Meter(a));
    a.app().vmNames().forEach(vm -> owners.put(vm, a.app().name()));
  }

  /** Starts an application's VMs where the manager placed them. */
  void boot(Application app, Map<String, String> placement, Instant now) {
    for (Vm vm : app.vms()) {
      String site = placement.get(vm.name());
      try {
        world.place(vm, site);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(name + ": cannot start " + vm.name() + " at " + site + ": " + e.getMessage());
      }
      hosting.put(vm.name(), new Hosting(site, vm.size(), now));
    }
    runtime.start(app);
    placed(app.name());
    Meter m = meters.get(app.name());
    if (m != null && m.bootedAt.isEmpty()) {
      m.bootedAt = Optional.of(now);
      m.bootPlacement = Map.copyOf(placement);
    }
  }

  /** An application finished at {@code at}: its costs stop there, its VMs go (once its migrations ended). */
  void finish(String app, Instant at) {
    Meter m = meters.get(app);
    accrueApp(app, at);
    m.finishedAt = Optional.of(at);
    if (m.arrival.app().vmNames().stream().anyMatch(migrating::contains)) {
      finishedAwaitingSagas.add(app);
    } else {
      removeVms(app);
    }
  }

  private void removeVms(String app) {
    for (String vm : meters.get(app).arrival.app().vmNames()) {
      hosting.remove(vm);
      world.remove(vm);
      coldPausedUntil.remove(vm);
    }
  }

  boolean allFinished(int pendingArrivals) {
    return pendingArrivals == 0 && meters.values().stream().allMatch(x -> x.finishedAt.isPresent()) && migrating.isEmpty();
  }

  int finishedCount() {
    return (int) meters.values().stream().filter(m -> m.finishedAt.isPresent()).count();
  }

  /** Tells the runtime where the application's VMs run now (the world's truth). */
  private void placed(String app) {
    TreeMap<String, String> m = new TreeMap<>();
    for (String vm : meters.get(app).arrival.app().vmNames()) {
      Hosting h = hosting.get(vm);
      if (h != null) {
        m.put(vm, h.site());
      }
    }
    runtime.place(app, new Placement(m));
  }

  private Set<String> paused() {
    Set<String> out = new HashSet<>(coldPausedUntil.keySet());
    for (String vm : migrating) {
      world.whereIs(vm).stream().filter(i -> i.state() == SimulatedWorld.InstanceState.PAUSED).forEach(i -> out.add(vm));
    }
    return out;
  }

  /** An application that finished on the way, and when. */
  record Finish(String application, Instant at) {}

  /** Brings the applications up to {@code now}; those that finish on the way stop at their exact finish. */
  List<Finish> advanceTo(Instant now) {
    if (!now.isAfter(lastAdvance)) {
      return List.of();
    }
    List<String> finished = runtime.advance(lastAdvance, Duration.between(lastAdvance, now), paused(), infra());
    lastAdvance = now;
    return finished.stream().map(a -> new Finish(a, runtime.run(a).orElseThrow().finishedAt().orElseThrow())).toList();
  }

  /** The first finish the current rates announce. */
  Optional<Instant> nextFinish(Instant now) {
    return runtime.nextFinish(now, paused());
  }

  /** Whether the application runs (it arrived, and has not finished). */
  Optional<ApplicationRuntime.Run> run(String app) {
    return runtime.run(app);
  }

  /** The application's pace now. */
  Optional<Double> pace(String app) {
    return runtime.currentSecondsPerWork(app);
  }

  /** The monitor's view of an application's traffic: its rates at its current pace (none while it does not run). */
  Optional<TrafficMatrix> observedRates(List<String> vms) {
    if (vms.isEmpty() || !owners.containsKey(vms.get(0))) {
      return Optional.empty();
    }
    Application a = meters.get(owners.get(vms.get(0))).arrival.app();
    Optional<Double> pace = runtime.currentSecondsPerWork(a.name());
    if (!a.vmNames().equals(vms) || pace.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(ApplicationRuntime.trafficRates(a, pace.get()));
  }

  // ---------------------------------------------------------------- migrations

  void migrationStarted(MigrationOrder order) {
    migrating.add(order.vm());
  }

  /** After a step of a migration: follow where the VM is, check safety where it changed. */
  void afterStep(MigrationOrder order, Instant now) {
    List<SimulatedWorld.Instance> where = world.whereIs(order.vm());
    invariantChecks++;
    if (where.size() != 1) {
      throw new IllegalStateException(name + " at " + now + ": VM " + order.vm() + " is at " + where.size() + " places: " + where);
    }
    for (String site : List.of(order.from(), order.to())) {
      if (!world.capacity(site).holds(world.used(site))) {
        throw new IllegalStateException(name + " at " + now + ": site " + site + " holds " + world.used(site) + ", over its capacity "
            + world.capacity(site));
      }
    }
    String site = where.get(0).site();
    Hosting h = hosting.get(order.vm());
    if (h != null && !h.site().equals(site)) {
      accrueApp(order.application(), now);
      hosting.put(order.vm(), new Hosting(site, h.size(), now));
      placed(order.application());
    }
  }

  /** A saga ended: what the migration cost, really. Returns whether it rolled back. */
  boolean sagaEnded(MigrationOrder order, SagaPhase outcome, ObservedMigration observed, Instant now) {
    migrating.remove(order.vm());
    Meter m = meters.get(order.application());
    if (outcome == SagaPhase.COMPLETED) {
      m.migrations++;
    }
    m.bytesMoved += observed.bytesMoved();
    Site from = infra().require(order.from());
    Site to = infra().require(order.to());
    m.migration += Charges.migrationTransfer(observed.bytesMoved(), from, to.name());
    m.migration += Charges.hostingDuringCopy(to, order.vmSpec().size(), observed.totalSeconds(), now);
    return outcome == SagaPhase.ROLLED_BACK;
  }

  /** An application that finished while its VMs were migrating leaves once the last migration ended. */
  void afterSagas(String application, boolean migrationsLeft) {
    if (finishedAwaitingSagas.contains(application) && !migrationsLeft) {
      finishedAwaitingSagas.remove(application);
      removeVms(application);
    }
  }

  /**
   * A VM stranded on a site whose availability ended: the platform suspends it, copies it cold to
   * the destination the manager chose, and resumes it there, the VM paused for the whole copy.
   * Returns what the move took and the instant the VM resumes.
   */
  ObservedMigration coldMove(MigrationOrder order, Instant now) {
    Vm vm = order.vmSpec();
    NetworkPath path = infra().path(order.from(), order.to());
    double seconds = path.latencySeconds() + vm.memoryBytes() / path.bytesPerSecond();
    accrueApp(order.application(), now);
    world.remove(vm.name());
    world.place(vm, order.to());
    book(new SiteBookkeeping.Remove(order.from(), vm.name()), now);
    book(new SiteBookkeeping.Place(order.to(), vm.name(), Capacity.of(vm), Optional.empty()), now);
    hosting.put(vm.name(), new Hosting(order.to(), vm.size(), now));
    coldPausedUntil.put(vm.name(), now.plusNanos((long) (seconds * NANOS)));
    Meter m = meters.get(order.application());
    m.migrations++;
    m.bytesMoved += vm.memoryBytes();
    m.migration += Charges.migrationTransfer(vm.memoryBytes(), infra().require(order.from()), order.to());
    placed(order.application());
    return new ObservedMigration(seconds, seconds, vm.memoryBytes(), 1);
  }

  /** A VM copied cold resumes. */
  void resumed(String vm) {
    coldPausedUntil.remove(vm);
  }

  // ---------------------------------------------------------------- costs

  /** Counts every running application's costs up to {@code now}. */
  void accrueAll(Instant now) {
    for (Meter m : meters.values()) {
      if (m.finishedAt.isEmpty()) {
        accrueApp(m.arrival.app().name(), now);
      }
    }
  }

  /**
   * Counts an application's costs up to {@code until}: hosting of each VM where it is (at the site's
   * price schedule), and its traffic between sites for the work done since the last count.
   */
  void accrueApp(String app, Instant until) {
    Meter m = meters.get(app);
    Application a = m.arrival.app();
    for (Vm vm : a.vms()) {
      Hosting h = hosting.get(vm.name());
      if (h == null || !until.isAfter(h.since())) {
        continue;
      }
      m.hosting += Charges.hosting(infra().require(h.site()), h.size(), h.since(), until);
      hosting.put(vm.name(), new Hosting(h.site(), h.size(), until));
    }
    double done = runtime.run(app).map(ApplicationRuntime.Run::done).orElse(m.doneAtLastAccrual);
    double work = done - m.doneAtLastAccrual;
    if (work > 0) {
      TrafficMatrix t = a.workload().trafficPerWork();
      String[] at = new String[t.size()];
      for (int i = 0; i < at.length; i++) {
        Hosting h = hosting.get(t.vms().get(i));
        at[i] = h == null ? null : h.site();
      }
      Charges.Transfer sent = Charges.transfer(t, work, at, s -> infra().site(s), new Charges.Transfer(m.interSiteBytes, m.transfer));
      m.interSiteBytes = sent.bytes();
      m.transfer = sent.cost();
      m.doneAtLastAccrual = done;
    }
  }

  // ---------------------------------------------------------------- checks and views

  /**
   * The world is safe: every VM in exactly one place, no site over its capacity, every VM of a
   * running application somewhere; and the sites' books hold exactly the VMs the hypervisors run.
   */
  void checkWorld(Instant now) {
    invariantChecks++;
    List<String> violations = new ArrayList<>(WorldInvariants.safety(world));
    for (Meter m : meters.values()) {
      if (m.finishedAt.isEmpty() && runtime.run(m.arrival.app().name()).isPresent()) {
        for (String vm : m.arrival.app().vmNames()) {
          if (world.whereIs(vm).size() != 1) {
            violations.add("VM " + vm + " of a running application is lost");
          }
        }
      }
    }
    violations.addAll(booksAgainstRecount());
    if (!violations.isEmpty()) {
      throw new IllegalStateException(name + " at " + now + ": " + violations);
    }
  }

  /**
   * Each site's books against a recount of the hypervisors: the VMs booked at a site are those it
   * runs (a migrating VM's source until it is released, its destination from the commit on). A
   * migrating VM's books may lag its hypervisors by a lost answer until the saga tries again, and
   * VMs of applications that finished while migrating leave the books first: both are left out.
   */
  List<String> booksAgainstRecount() {
    List<String> out = new ArrayList<>();
    java.util.function.Predicate<String> settled = vm -> !migrating.contains(vm) && !finishedAwaitingSagas.contains(owners.getOrDefault(vm, ""));
    for (SiteState s : sites.values()) {
      TreeSet<String> recount = new TreeSet<>();
      for (SimulatedWorld.Instance i : world.instancesAt(s.name())) {
        if (!i.state().incoming() && settled.test(i.vm().name())) {
          recount.add(i.vm().name());
        }
      }
      TreeSet<String> booked = new TreeSet<>(s.books().placed().keySet());
      booked.removeIf(settled.negate());
      if (!booked.equals(recount)) {
        TreeSet<String> extra = new TreeSet<>(booked);
        extra.removeAll(recount);
        TreeSet<String> missing = new TreeSet<>(recount);
        missing.removeAll(booked);
        out.add("site " + s.name() + "'s books differ from its hypervisors: booked but not there " + extra + ", there but not booked " + missing);
      }
    }
    return out;
  }

  /** VMs hosted per site now, every site of {@code names} listed. */
  SortedMap<String, Integer> vmsPerSite(List<String> names) {
    SortedMap<String, Integer> perSite = new TreeMap<>();
    names.forEach(s -> perSite.put(s, 0));
    hosting.values().forEach(h -> perSite.merge(h.site(), 1, Integer::sum));
    return perSite;
  }

  double totalCost() {
    return meters.values().stream().mapToDouble(m -> m.hosting + m.transfer + m.migration).sum();
  }

  /** The site environments, for the manager at the start. */
  List<SiteEnvironment> environments() {
    return sites.values().stream().map(SiteState::environment).toList();
  }
}
