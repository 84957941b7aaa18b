package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.vmflock.clock.EventQueue;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.execute.SimulatedActuator;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.WorldInvariants;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.manager.ManagerRules;
import org.vmflock.manager.ManagerSettings;
import org.vmflock.manager.ObservedTraffic;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.plan.Migration;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.PreCopyMigrationModel;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.simulate.report.AppResult;
import org.vmflock.simulate.report.DecisionLine;
import org.vmflock.simulate.report.PolicyRun;
import org.vmflock.simulate.report.TimelinePoint;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.site.SiteEvent;

/**
 * A deterministic discrete-event simulation of a federation under one policy (S1): the sites as
 * their site actors would hold them, the applications running as {@link ApplicationRuntime} says,
 * the manager's knowledge folded from the same events with the same rules ({@link ManagerRules})
 * and, for the {@code vmflock} policy, the same control loop; migrations run as sagas against the
 * simulated actuator (its pre-copy model, faults included). Only time, traffic and the actuator are
 * simulated. The same input, policy and seed give the same run, to the byte.
 *
 * <p>What the simulator measures (completion, costs, bytes) is its own ground truth, not what the
 * manager believes. Safety is checked as it runs: after every step of every migration, the VM is in
 * exactly one place and the sites it touched are within capacity; every period, the whole world.
 */
public final class Simulation {

  /** What to simulate. */
  public record Input(String name, Instant start, Infrastructure infra, List<Arrival> arrivals, List<TimelineEvent> timeline, Duration period,
      Optional<Instant> end) {
    public Input {
      arrivals = List.copyOf(arrivals);
      timeline = List.copyOf(timeline);
      if (period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException("the loop's period must be positive");
      }
    }
  }

  /** An application submitted at {@code at}, running already on {@code placement} if it is not empty. */
  public record Arrival(Instant at, Application app, Map<String, String> placement, String profile) {
    public Arrival {
      placement = Map.copyOf(placement);
    }
  }

  /** How far a run has come, for a progress bar. */
  public record Progress(String policy, Instant now, Instant start, Instant horizon, long cycles, int finished, int applications,
      boolean ended) {
    /** How much of the horizon has passed (1 once the run ended, even early because every application finished). */
    public double fraction() {
      if (ended) {
        return 1;
      }
      double total = Duration.between(start, horizon).toMillis();
      return total <= 0 ? 1 : Math.min(1, Duration.between(start, now).toMillis() / total);
    }
  }

  /**
   * What a run took in wall time (never in the results, which must not depend on the machine).
   *
   * @param cycleNanos wall time of each cycle (Monitor to Plan)
   */
  public record Timing(long wallNanos, List<Long> cycleNanos, List<Boolean> fullReplans) {}

  /**
   * A policy's run and its wall-time figures.
   *
   * @param decisions what the policy decided that changed something (placements, migrations,
   *     forced evacuations), in order; decisions to stay are left out
   * @param notes what the simulation refused (a site change a site actor would refuse)
   */
  public record Outcome(PolicyRun run, Timing timing, List<DecisionRecord> decisions, List<String> notes) {}

  /**
   * Settings of a run beyond the scenario.
   *
   * @param priceForesight whether the manager knows each site's whole price schedule from the start;
   *     without (the default), a price change reaches it when it happens, as a site actor would
   *     publish it (spot prices are not known in advance)
   */
  public record Settings(ManagerSettings manager, double faultProbability, Duration maxHorizon, boolean priceForesight) {

    public Settings(ManagerSettings manager, double faultProbability, Duration maxHorizon) {
      this(manager, faultProbability, maxHorizon, false);
    }
  }

  private static final double BYTES_PER_GB = 1e9;
  private static final long NANOS = 1_000_000_000L;

  private final Input input;
  private final Policy policy;
  private final long seed;
  private final Settings settings;

  private final ManualClock clock;
  private final EventQueue queue;
  private final SimulatedWorld world = new SimulatedWorld();
  private final PreCopyMigrationModel migrationModel;
  private final SagaRunner sagas;
  private final ApplicationRuntime runtime;
  private final Instant horizon;

  private final TreeMap<String, SiteEnvironment> envs = new TreeMap<>();
  private Infrastructure physical;
  private Knowledge knowledge = Knowledge.empty();
  private final Map<String, Meter> meters = new LinkedHashMap<>();
  private final Map<String, String> owners = new HashMap<>();
  private final Map<String, Hosting> hosting = new HashMap<>();
  private final Set<String> migrating = new TreeSet<>();
  private final Map<String, Instant> coldPausedUntil = new TreeMap<>();
  private final Set<String> finishedAwaitingSagas = new TreeSet<>();
  private final Set<String> triggers = new TreeSet<>();
  /** Sites whose books (placed VMs, reservations) changed since they were last brought up to date. */
  private final Set<String> dirtySites = new TreeSet<>();
  private final List<TimelinePoint> timeline = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<DecisionRecord> decisionLog = new ArrayList<>();
  private final List<Long> cycleNanos = new ArrayList<>();
  private final List<Boolean> fullReplans = new ArrayList<>();
  private Instant lastAdvance;
  private Instant lastProgress;
  private int pendingArrivals;
  private boolean cycleScheduled;
  private long finishCheck;
  private long cycles;
  private long decisions;
  private long invariantChecks;
  private long forcedEvacuations;
  private long rolledBack;
  private boolean done;

  /** One application's ground truth, as the simulator measures it. */
  private static final class Meter {
    final Arrival arrival;
    Optional<Instant> finishedAt = Optional.empty();
    double hosting;
    double transfer;
    double migration;
    int migrations;
    double bytesMoved;
    double interSiteBytes;
    double doneAtLastAccrual;

    Meter(Arrival arrival) {
      this.arrival = arrival;
      this.doneAtLastAccrual = arrival.app().workload().doneWork();
    }
  }

  /** Where a VM is hosted since when (its hosting is counted up to there). */
  private record Hosting(String site, String size, Instant since) {}

  public Simulation(Input input, Policy policy, long seed, Settings settings) {
    this.input = input;
    this.policy = policy;
    this.seed = seed;
    this.settings = settings;
    this.clock = new ManualClock(input.start());
    this.queue = new EventQueue(clock);
    this.migrationModel = new PreCopyMigrationModel(settings.manager().planning().migration());
    // transient faults (at most 3 faulty attempts a step, below the saga's retry limits): a saga rolls back, never gets stuck
    FaultPlan faults = settings.faultProbability() > 0
        ? FaultPlan.random(seed, FaultPlan.everyStep(settings.faultProbability()), 3)
        : FaultPlan.none();
    SimulatedActuator actuator = new SimulatedActuator(world, clock, settings.manager().planning().migration(), this::path,
        SimulatedActuator.Settings.defaults(), faults);
    this.sagas = new SagaRunner(actuator, queue, settings.manager().sagaPolicy(), SagaRunner.DEFAULT_RECOVERY, new SagaRunner.Observer() {
      @Override
      public void beforeAttempt(MigrationOrder order, MigrationStep step) {
        advanceTo(clock.now());
      }

      @Override
      public void afterAttempt(MigrationOrder order, MigrationStep step) {
        afterStep(order);
      }
    });
    this.runtime = new ApplicationRuntime(seed);
    Instant cap = input.start().plus(settings.maxHorizon());
    this.horizon = input.end().filter(e -> e.isBefore(cap)).orElse(cap);
    this.lastAdvance = input.start();
    this.lastProgress = input.start();
  }

  // ---------------------------------------------------------------- the run

  /** Runs to the end (every application finished, or the horizon), telling {@code progress} every period. */
  public Outcome run(Consumer<Progress> progress) {
    long wall = System.nanoTime();
    defineSites();
    pendingArrivals = input.arrivals().size();
    for (Arrival a : input.arrivals()) {
      meters.put(a.app().name(), new Meter(a));
      a.app().vmNames().forEach(vm -> owners.put(vm, a.app().name()));
      queue.at(a.at(), () -> arrive(a));
    }
    for (TimelineEvent c : input.timeline()) {
      queue.at(c.at(), () -> change(c));
    }
    for (Site s : input.infra().sites()) {
      s.availability().forEach(w -> queue.at(w.until(), () -> evacuate(s.name())));
    }
    queue.at(input.start().plus(input.period()), () -> tick(progress));
    while (!done && queue.next().filter(t -> !t.isAfter(horizon)).isPresent()) {
      queue.runNext();
    }
    Instant end = done ? clock.now() : horizon;
    if (!done) {
      clock.set(horizon);
      advanceTo(horizon);
    }
    accrueAll(end);
    checkWorld();
    timeline.add(point());
    progress.accept(new Progress(policy.name(), end, input.start(), horizon, cycles, finishedCount(), meters.size(), true));
    List<AppResult> results = new ArrayList<>();
    for (Meter m : meters.values()) {
      results.add(result(m, end));
    }
    PolicyRun.RunStats stats = new PolicyRun.RunStats(Duration.between(input.start(), end).toNanos() / 1e9, cycles, decisions, invariantChecks,
        forcedEvacuations, rolledBack);
    List<DecisionLine> lines = decisionLog.stream().map(d -> new DecisionLine(d.at(), d.application(), d.kind(), d.migrations().size(),
        d.predictedRemainingSeconds(), d.predictedCost(), d.stayRemainingSeconds(), d.stayCost(), d.reason())).toList();
    return new Outcome(new PolicyRun(policy.name(), results, timeline, stats, lines), new Timing(System.nanoTime() - wall, cycleNanos, fullReplans),
        List.copyOf(decisionLog), List.copyOf(notes));
  }

  private void defineSites() {
    for (Site s : input.infra().sites()) {
      Site known = settings.priceForesight() ? s : s.withHosting(revealLater(s));
      SiteEnvironment env = SiteEnvironment.undefined(s.name())
          .apply(new SiteEvent.Changed(EnvironmentChange.Define.in(input.infra(), known), input.start()));
      envs.put(s.name(), env);
      world.site(s.name(), s.capacity());
    }
    physical = null;
    knowledge = knowledge.applyAll(ManagerRules.changedSites(knowledge, List.copyOf(envs.values()), input.start()));
  }

  /** The part of a site's price schedule known at the start; each later price is scheduled as a price change at its instant. */
  private PriceSchedule revealLater(Site s) {
    for (TimelineEvent.SiteChange c : TimelineEvent.SiteChange.laterPrices(s, input.start())) {
      queue.at(c.at(), () -> change(c));
    }
    return s.hosting().knownAt(input.start());
  }

  /** The infrastructure as the sites hold it now (the same object until a site changes). */
  private Infrastructure infra() {
    if (physical == null) {
      physical = Knowledge.infrastructureOf(envs.values(), input.infra().defaultLink());
    }
    return physical;
  }

  private NetworkPath path(String a, String b) {
    return infra().path(a, b);
  }

  // ---------------------------------------------------------------- events

  private void arrive(Arrival a) {
    pendingArrivals--;
    advanceTo(clock.now());
    String problem = ManagerRules.submitProblem(knowledge, a.app(), a.placement());
    if (!problem.isEmpty()) {
      throw new IllegalStateException(input.name() + ": application " + a.app().name() + " refused at " + clock.now() + ": " + problem);
    }
    knowledge = knowledge.applyAll(ManagerRules.submitted(a.app(), a.placement(), clock.now()));
    if (!a.placement().isEmpty()) {
      boot(a.app(), a.placement());
    }
    triggers.add(a.app().name());
    debounce();
  }

  private void change(TimelineEvent c) {
    advanceTo(clock.now());
    syncSites();
    SiteEnvironment env = envs.get(c.site());
    EnvironmentChange change = c instanceof TimelineEvent.SiteChange sc ? sc.change() : ((TimelineEvent.SiteFailure) c).change(env.site().orElseThrow(), input.start());
    SiteEnvironment.Decision d = env.decide(change, clock.now());
    if (!d.accepted()) {
      notes.add(clock.now() + " " + c.site() + ": change refused: " + d.refusal());
      return;
    }
    SiteEnvironment next = env.apply(d.event().orElseThrow());
    envs.put(c.site(), next);
    physical = null;
    world.resize(c.site(), next.site().orElseThrow().capacity());
    if (change instanceof EnvironmentChange.Availability av) {
      av.windows().forEach(w -> queue.at(w.until(), () -> evacuate(c.site())));
    }
    debounce();
  }

  private void debounce() {
    if (!cycleScheduled) {
      cycleScheduled = true;
      queue.after(settings.manager().debounce(), () -> cycle(false));
    }
  }

  private void tick(Consumer<Progress> progress) {
    advanceTo(clock.now());
    reportProgress();
    cycle(true);
    accrueAll(clock.now());
    checkWorld();
    timeline.add(point());
    progress.accept(new Progress(policy.name(), clock.now(), input.start(), horizon, cycles, finishedCount(), meters.size(), false));
    if (!done) {
      queue.after(input.period(), () -> tick(progress));
    }
  }

  // ---------------------------------------------------------------- MAPE

  /** Progress reports of the running applications: their pace over the last period, as the monitor measures it. */
  private void reportProgress() {
    Instant now = clock.now();
    List<KnowledgeEvent> events = new ArrayList<>();
    for (Meter m : meters.values()) {
      String name = m.arrival.app().name();
      Optional<ApplicationRuntime.Run> r = runtime.run(name);
      if (r.isEmpty() || r.get().finished()) {
        continue;
      }
      double pace = runtime.currentSecondsPerWork(name).orElse(0.0);
      // each report is about one application: they are independent, and applied together
      ManagerRules.progress(knowledge, name, r.get().done(), pace, now, policy.model(), settings.manager().planning().smoothing(),
          input.infra().defaultLink()).ifPresent(events::add);
    }
    knowledge = knowledge.applyAll(events);
    lastProgress = now;
  }

  /** One cycle of the loop: Monitor (sites, traffic), Analyze and Plan (the policy), Execute (start what may start). */
  private void cycle(boolean periodic) {
    if (!periodic) {
      cycleScheduled = false;
    }
    advanceTo(clock.now());
    cycles++;
    long t0 = System.nanoTime();
    Instant now = clock.now();
    syncSites();
    knowledge = knowledge.applyAll(ManagerRules.changedSites(knowledge, List.copyOf(envs.values()), now));
    Set<String> asked = Set.copyOf(triggers);
    triggers.clear();
    List<KnowledgeEvent> events = policy.decide(knowledge, this::observedRates, now, cycles, asked);
    knowledge = knowledge.applyAll(events);
    cycleNanos.add(System.nanoTime() - t0);
    fullReplans.add(settings.manager().loop().fullReplanEvery() > 0 && cycles % settings.manager().loop().fullReplanEvery() == 0);
    for (KnowledgeEvent e : events) {
      if (e instanceof KnowledgeEvent.DecisionMade d) {
        decisions++;
        if (!d.decision().kind().equals("stay")) {
          decisionLog.add(d.decision());
        }
      } else if (e instanceof KnowledgeEvent.ApplicationPlaced placed) {
        boot(knowledge.applications().get(placed.application()).app(), placed.siteOfVm());
      }
    }
    startQueued();
  }

  /** The monitor's view of an application's traffic: its rates at its current pace (none while it does not run). */
  private Optional<TrafficMatrix> observedRates(List<String> vms) {
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

  private void startQueued() {
    List<KnowledgeEvent.MigrationStarted> started = ManagerRules.startable(knowledge, settings.manager().maxPerLink(),
        settings.manager().maxPerSite(), clock.now());
    if (started.isEmpty()) {
      return;
    }
    knowledge = knowledge.applyAll(started);
    for (KnowledgeEvent.MigrationStarted s : started) {
      MigrationOrder order = knowledge.migrations().get(s.migrationId()).order();
      migrating.add(order.vm());
      sagas.start(order, run -> sagaEnded(order, run));
    }
  }

  private void sagaEnded(MigrationOrder order, SagaRunner.SagaRun run) {
    advanceTo(clock.now());
    Instant now = clock.now();
    migrating.remove(order.vm());
    SagaPhase outcome = run.state().phase();
    ObservedMigration observed = run.state().observed();
    Meter m = meters.get(order.application());
    if (outcome == SagaPhase.COMPLETED) {
      m.migrations++;
    } else if (outcome == SagaPhase.ROLLED_BACK) {
      rolledBack++;
    }
    m.bytesMoved += observed.bytesMoved();
    double copySeconds = observed.totalSeconds();
    Site from = infra().require(order.from());
    Site to = infra().require(order.to());
    m.migration += observed.bytesMoved() / BYTES_PER_GB * from.transferPricePerGbTo(to.name());
    if (to.hosting().prices(order.vmSpec().size())) {
      m.migration += to.hosting().cost(order.vmSpec().size(), now.minusNanos((long) (copySeconds * NANOS)), now);
    }
    ManagerRules.migrationEnded(knowledge, order.migrationId(), outcome, observed, run.state().reason().orElse(""),
        settings.manager().planning().smoothing(), now).ifPresent(e -> knowledge = knowledge.apply(e));
    if (outcome == SagaPhase.STUCK) {
      throw new IllegalStateException(input.name() + " under " + policy.name() + ": migration " + order + " is stuck: "
          + run.state().reason().orElse(""));
    }
    if (finishedAwaitingSagas.contains(order.application())
        && knowledge.migrations().values().stream().noneMatch(r -> r.order().application().equals(order.application()))) {
      finishedAwaitingSagas.remove(order.application());
      removeVms(order.application());
    }
    startQueued();
    scheduleFinishCheck();
  }

  // ---------------------------------------------------------------- the world

  /** Starts an application's VMs where the policy placed them. */
  private void boot(Application app, Map<String, String> placement) {
    Instant now = clock.now();
    Set<String> touched = new TreeSet<>();
    for (Vm vm : app.vms()) {
      String site = placement.get(vm.name());
      try {
        world.place(vm, site);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(input.name() + " under " + policy.name() + ": cannot start " + vm.name() + " at " + site + ": "
            + e.getMessage());
      }
      hosting.put(vm.name(), new Hosting(site, vm.size(), now));
      touched.add(site);
    }
    dirtySites.addAll(touched);
    runtime.start(app);
    placed(app.name());
    scheduleFinishCheck();
  }

  /** After a step of a migration: follow where the VM is, keep the sites' books, check safety where it changed. */
  private void afterStep(MigrationOrder order) {
    List<SimulatedWorld.Instance> where = world.whereIs(order.vm());
    invariantChecks++;
    if (where.size() != 1) {
      throw new IllegalStateException(input.name() + " under " + policy.name() + " at " + clock.now() + ": VM " + order.vm() + " is at "
          + where.size() + " places: " + where);
    }
    for (String site : List.of(order.from(), order.to())) {
      if (!world.capacity(site).holds(world.used(site))) {
        throw new IllegalStateException(input.name() + " under " + policy.name() + " at " + clock.now() + ": site " + site + " holds "
            + world.used(site) + ", over its capacity " + world.capacity(site));
      }
    }
    String site = where.get(0).site();
    Hosting h = hosting.get(order.vm());
    if (h != null && !h.site().equals(site)) {
      accrueApp(order.application(), clock.now());
      hosting.put(order.vm(), new Hosting(site, h.size(), clock.now()));
      placed(order.application());
    }
    dirtySites.add(order.from());
    dirtySites.add(order.to());
  }

  /** Brings the books of the sites where something changed up to date, before anything reads them. */
  private void syncSites() {
    if (dirtySites.isEmpty()) {
      return;
    }
    Map<String, List<SimulatedWorld.Reservation>> reservations = new HashMap<>();
    for (SimulatedWorld.Reservation r : world.reservations()) {
      if (dirtySites.contains(r.site())) {
        reservations.computeIfAbsent(r.site(), x -> new ArrayList<>()).add(r);
      }
    }
    for (String site : dirtySites) {
      syncSite(site, reservations.getOrDefault(site, List.of()));
    }
    dirtySites.clear();
  }

  /** The site's books (VMs placed, reservations) as the world has them, as its site actor would keep them. */
  private void syncSite(String site, List<SimulatedWorld.Reservation> reservations) {
    SiteEnvironment env = envs.get(site);
    TreeMap<String, Capacity> placed = new TreeMap<>();
    TreeMap<String, SiteEnvironment.Reservation> reserved = new TreeMap<>();
    for (SimulatedWorld.Instance i : world.instancesAt(site)) {
      if (!i.state().incoming()) {
        placed.put(i.vm().name(), Capacity.of(i.vm()));
      }
    }
    for (SimulatedWorld.Reservation r : reservations) {
      reserved.put(r.migrationId(), new SiteEnvironment.Reservation(r.migrationId(), r.vm().name(), Capacity.of(r.vm()), r.leaseExpiresAt()));
    }
    envs.put(site, new SiteEnvironment(env.name(), env.site(), env.links(), env.quota(), placed, reserved));
  }

  /**
   * A site's availability ended: the VMs still there (not migrating) are suspended, copied to the
   * cheapest site available with room, and resumed there by the platform, paused for the whole copy.
   */
  private void evacuate(String siteName) {
    advanceTo(clock.now());
    Instant now = clock.now();
    Site site = infra().require(siteName);
    if (site.availableAt(now)) {
      return; // the window was extended, or another begins
    }
    List<SimulatedWorld.Instance> stranded = world.instancesAt(siteName).stream()
        .filter(i -> i.state().theVm() && !migrating.contains(i.vm().name()))
        .sorted(java.util.Comparator.comparing(i -> i.vm().name()))
        .toList();
    if (stranded.isEmpty()) {
      return;
    }
    long id = knowledge.nextDecision();
    List<MigrationRecord> records = new ArrayList<>();
    List<KnowledgeEvent> ended = new ArrayList<>();
    Set<String> touched = new TreeSet<>(Set.of(siteName));
    for (SimulatedWorld.Instance i : stranded) {
      Vm vm = i.vm();
      Site to = coldDestination(vm, now).orElseThrow(() -> new IllegalStateException(input.name() + " under " + policy.name() + " at " + now
          + ": no site available with room for VM " + vm.name() + ", stranded at " + siteName + " whose availability ended"));
      NetworkPath path = infra().path(siteName, to.name());
      double seconds = path.latencySeconds() + vm.memoryBytes() / path.bytesPerSecond();
      String app = owner(vm.name());
      accrueApp(app, now);
      world.remove(vm.name());
      world.place(vm, to.name());
      hosting.put(vm.name(), new Hosting(to.name(), vm.size(), now));
      Instant resumes = now.plusNanos((long) (seconds * NANOS));
      coldPausedUntil.put(vm.name(), resumes);
      queue.at(resumes, () -> {
        advanceTo(clock.now());
        coldPausedUntil.remove(vm.name());
        scheduleFinishCheck();
      });
      touched.add(to.name());
      Meter m = meters.get(app);
      m.migrations++;
      m.bytesMoved += vm.memoryBytes();
      m.migration += vm.memoryBytes() / BYTES_PER_GB * site.transferPricePerGbTo(to.name());
      forcedEvacuations++;
      MigrationEstimate cold = new MigrationEstimate(1, seconds, seconds, vm.memoryBytes(), true);
      String migrationId = "d" + id + "-" + (records.size() + 1) + "-" + vm.name();
      MigrationOrder order = MigrationOrder.of(migrationId, new Migration(app, vm.name(), siteName, to.name(), cold, 0), vm, now);
      records.add(new MigrationRecord(order, id, MigrationRecord.Status.QUEUED, Optional.empty(), Optional.empty(), Optional.empty(), ""));
      ended.add(new KnowledgeEvent.MigrationStarted(migrationId, now));
      ended.add(new KnowledgeEvent.MigrationEnded(migrationId, MigrationRecord.Status.COMPLETED,
          new ObservedMigration(seconds, seconds, vm.memoryBytes(), 1), "suspended and resumed by the platform", knowledge.migrationCalibration(),
          now));
    }
    DecisionRecord d = new DecisionRecord(id, now, records.get(0).order().application(), "forced",
        "platform: " + siteName + "'s availability ended with " + records.size() + " VM(s) there; suspended and resumed elsewhere: "
            + records.stream().map(r -> r.order().vm() + " -> " + r.order().to()).toList(),
        -1, -1, -1, -1, 0, records.stream().map(r -> r.order().migrationId()).toList(), DecisionRecord.Outcome.PENDING, Optional.empty(),
        Optional.empty());
    List<KnowledgeEvent> events = new ArrayList<>();
    events.add(new KnowledgeEvent.DecisionMade(d, records));
    events.addAll(ended);
    knowledge = knowledge.applyAll(events);
    decisions++;
    decisionLog.add(d);
    dirtySites.addAll(touched);
    records.stream().map(r -> r.order().application()).distinct().forEach(this::placed);
    checkWorld();
    debounce();
  }

  /** The cheapest site available now (and past the next period) with room for the VM. */
  private Optional<Site> coldDestination(Vm vm, Instant now) {
    Site best = null;
    for (Site s : infra().sites()) {
      boolean available = s.availableAt(now) && s.availableAt(now.plus(input.period()));
      if (!available || !s.hosting().prices(vm.size()) || !world.free(s.name()).holds(Capacity.of(vm))) {
        continue;
      }
      if (best == null || s.hosting().pricePerVmHour(vm.size(), now) < best.hosting().pricePerVmHour(vm.size(), now)) {
        best = s;
      }
    }
    return Optional.ofNullable(best);
  }

  private String owner(String vm) {
    String app = owners.get(vm);
    if (app == null) {
      throw new IllegalStateException("VM " + vm + " belongs to no application");
    }
    return app;
  }

  // ---------------------------------------------------------------- progress and costs

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

  /** Brings the applications up to {@code now}; those that finish on the way stop at their exact finish. */
  private void advanceTo(Instant now) {
    if (!now.isAfter(lastAdvance)) {
      return;
    }
    List<String> finished = runtime.advance(lastAdvance, Duration.between(lastAdvance, now), paused(), infra());
    lastAdvance = now;
    for (String app : finished) {
      finish(app, runtime.run(app).orElseThrow().finishedAt().orElseThrow());
    }
    if (!finished.isEmpty()) {
      scheduleFinishCheck();
    }
  }

  /** An application finished at {@code at}: its costs stop there, its VMs go (once its migrations ended). */
  private void finish(String app, Instant at) {
    Meter m = meters.get(app);
    accrueApp(app, at);
    m.finishedAt = Optional.of(at);
    ManagerRules.finished(knowledge, app, at).ifPresent(e -> knowledge = knowledge.apply(e));
    if (m.arrival.app().vmNames().stream().anyMatch(migrating::contains)) {
      finishedAwaitingSagas.add(app);
    } else {
      removeVms(app);
    }
    if (pendingArrivals == 0 && meters.values().stream().allMatch(x -> x.finishedAt.isPresent()) && migrating.isEmpty()) {
      done = true;
    }
  }

  private void removeVms(String app) {
    Set<String> touched = new TreeSet<>();
    for (String vm : meters.get(app).arrival.app().vmNames()) {
      Hosting h = hosting.remove(vm);
      if (h != null) {
        touched.add(h.site());
      }
      world.remove(vm);
      coldPausedUntil.remove(vm);
    }
    dirtySites.addAll(touched);
  }

  /** Schedules a look at the first finish the current rates announce (earlier looks find nothing new). */
  private void scheduleFinishCheck() {
    long token = ++finishCheck;
    runtime.nextFinish(clock.now(), paused()).ifPresent(at -> queue.at(at, () -> {
      if (token == finishCheck) {
        advanceTo(clock.now());
      }
    }));
  }

  /** Counts every running application's costs up to {@code now}. */
  private void accrueAll(Instant now) {
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
  private void accrueApp(String app, Instant until) {
    Meter m = meters.get(app);
    Application a = m.arrival.app();
    for (Vm vm : a.vms()) {
      Hosting h = hosting.get(vm.name());
      if (h == null || !until.isAfter(h.since())) {
        continue;
      }
      Site s = infra().require(h.site());
      if (s.hosting().prices(h.size())) {
        m.hosting += s.hosting().cost(h.size(), h.since(), until);
      }
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
      for (int i = 0; i < at.length; i++) {
        String from = at[i];
        for (int j = 0; j < at.length && from != null; j++) {
          String to = at[j];
          if (to != null && t.bytes(i, j) > 0 && !to.equals(from)) {
            double bytes = t.bytes(i, j) * work;
            m.interSiteBytes += bytes;
            m.transfer += bytes / BYTES_PER_GB * infra().require(from).transferPricePerGbTo(to);
          }
        }
      }
      m.doneAtLastAccrual = done;
    }
  }

  // ---------------------------------------------------------------- checks and results

  private void checkWorld() {
    invariantChecks++;
    List<String> violations = WorldInvariants.safety(world);
    if (!violations.isEmpty()) {
      throw new IllegalStateException(input.name() + " under " + policy.name() + " at " + clock.now() + ": " + violations);
    }
    for (Meter m : meters.values()) {
      if (m.finishedAt.isEmpty() && runtime.run(m.arrival.app().name()).isPresent()) {
        for (String vm : m.arrival.app().vmNames()) {
          if (world.whereIs(vm).size() != 1) {
            throw new IllegalStateException(input.name() + " under " + policy.name() + " at " + clock.now() + ": VM " + vm + " of a running "
                + "application is lost");
          }
        }
      }
    }
  }

  private int finishedCount() {
    return (int) meters.values().stream().filter(m -> m.finishedAt.isPresent()).count();
  }

  private TimelinePoint point() {
    SortedMap<String, Integer> perSite = new TreeMap<>();
    input.infra().sites().forEach(s -> perSite.put(s.name(), 0));
    hosting.values().forEach(h -> perSite.merge(h.site(), 1, Integer::sum));
    double cost = meters.values().stream().mapToDouble(m -> m.hosting + m.transfer + m.migration).sum();
    return new TimelinePoint(policy.name(), clock.now(), perSite, cost, migrating.size(), finishedCount());
  }

  private AppResult result(Meter m, Instant end) {
    Application a = m.arrival.app();
    Instant finished = m.finishedAt.orElse(end);
    Optional<Boolean> met = a.deadline().map(d -> m.finishedAt.isPresent() && !m.finishedAt.get().isAfter(d));
    return new AppResult(policy.name(), a.name(), m.arrival.profile(), a.vms().size(), a.objective().toString(), m.arrival.at(), m.finishedAt,
        Duration.between(m.arrival.at(), finished).toNanos() / 1e9, m.hosting, m.transfer, m.migration, m.migrations, m.bytesMoved,
        m.interSiteBytes, a.deadline(), met);
  }
}
