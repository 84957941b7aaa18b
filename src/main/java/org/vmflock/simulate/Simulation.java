package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.vmflock.clock.EventQueue;
import org.vmflock.clock.ManualClock;
import org.vmflock.control.ControlLoop;
import org.vmflock.control.ManagerCore;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.Policy;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.execute.SimulatedActuator;
import org.vmflock.execute.SiteBookkeeping;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.simulate.report.PolicyRun;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteState;

/**
 * A deterministic discrete-event simulation of a federation under one policy (S1). The manager is
 * the node's own functional core ({@link ManagerCore}: the same inputs, events and effects as the
 * migration-manager actor, the same knowledge folded from them); the federation is a simulated
 * {@link Platform} (sites with their books, hypervisors, the applications' real progress and
 * costs); migrations run as sagas against the simulated actuator (its pre-copy model, faults
 * included) on the virtual clock; a {@link Recorder} keeps what the report shows. This class is
 * the event loop that drives the three. The same input, policy and seed give the same run, to the
 * byte.
 *
 * <p>What the simulator measures (completion, costs, bytes) is the platform's ground truth, not
 * what the manager believes. Safety is checked as it runs: after every step of every migration, the
 * VM is in exactly one place and the sites it touched are within capacity; every period, the whole
 * world, and the sites' books against a recount of the hypervisors.
 */
public final class Simulation {

  /**
   * What to simulate.
   *
   * @param currency the one the sites' prices are in, hence every cost of the report
   */
  public record Input(String name, Instant start, Infrastructure infra, List<Arrival> arrivals, List<TimelineEvent> timeline, Duration period,
      Optional<Instant> end, java.util.Currency currency) {
    public Input {
      arrivals = List.copyOf(arrivals);
      timeline = List.copyOf(timeline);
      if (period.isZero() || period.isNegative()) {
        throw new IllegalArgumentException("the loop's period must be positive");
      }
    }

    /** An input whose prices are in the default currency ({@link org.vmflock.scenario.Scenario#DEFAULT_CURRENCY}). */
    public Input(String name, Instant start, Infrastructure infra, List<Arrival> arrivals, List<TimelineEvent> timeline, Duration period,
        Optional<Instant> end) {
      this(name, start, infra, arrivals, timeline, period, end, org.vmflock.scenario.Scenario.DEFAULT_CURRENCY);
    }
  }

  /**
   * An application submitted at {@code at}, running already on {@code placement} if it is not
   * empty, announced to the manager at {@code announced} if present (before {@code at}).
   */
  public record Arrival(Instant at, Application app, Map<String, String> placement, String profile, Optional<Instant> announced) {
    public Arrival {
      placement = Map.copyOf(placement);
    }

    /** An arrival not announced before. */
    public Arrival(Instant at, Application app, Map<String, String> placement, String profile) {
      this(at, app, placement, profile, Optional.empty());
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

  private final Input input;
  private final Policy policy;
  private final Settings settings;

  private final ManualClock clock;
  private final EventQueue queue;
  private final SagaRunner sagas;
  private final ManagerCore core;
  private final Platform platform;
  private final Recorder recorder;
  private final Instant horizon;

  private Knowledge knowledge = Knowledge.empty();
  private final Set<String> triggers = new TreeSet<>();
  private int pendingArrivals;
  private boolean cycleScheduled;
  private long finishCheck;
  private boolean done;

  public Simulation(Input input, Policy policy, long seed, Settings settings) {
    this.input = input;
    this.policy = policy;
    this.settings = settings;
    this.clock = new ManualClock(input.start());
    this.queue = new EventQueue(clock);
    // the manager knows the scenario's default link between sites that declare none
    this.core = new ManagerCore(settings.manager().withDefaultLink(input.infra().defaultLink()), policy);
    this.platform = new Platform(input.name() + " under " + policy.name(), input.infra().defaultLink(), seed, input.start());
    this.platform.reservationLease(settings.manager().reservationLease());
    this.recorder = new Recorder(policy.name());
    // transient faults (at most 3 faulty attempts a step, below the saga's retry limits): a saga rolls back, never gets stuck
    FaultPlan faults = settings.faultProbability() > 0
        ? FaultPlan.random(seed, FaultPlan.everyStep(settings.faultProbability()), 3)
        : FaultPlan.none();
    SimulatedActuator actuator = new SimulatedActuator(platform.world(), clock, settings.manager().planning().migration(), platform::path,
        SimulatedActuator.Settings.defaults(), faults);
    // a site refuses a reservation as fast as a hypervisor finds it has no room
    this.sagas = new SagaRunner(actuator, platform, SimulatedActuator.Settings.defaults().check(), queue, settings.manager().sagaPolicy(),
        SagaRunner.DEFAULT_RECOVERY,
        new SagaRunner.Observer() {
          @Override
          public void beforeAttempt(MigrationOrder order, MigrationStep step) {
            advanceTo(clock.now());
          }

          @Override
          public void afterAttempt(MigrationOrder order, MigrationStep step) {
            platform.afterStep(order, clock.now());
          }
        });
    Instant cap = input.start().plus(settings.maxHorizon());
    this.horizon = input.end().filter(e -> e.isBefore(cap)).orElse(cap);
  }

  // ---------------------------------------------------------------- the run

  /** Runs to the end (every application finished, or the horizon), telling {@code progress} every period. */
  public Outcome run(Consumer<Progress> progress) {
    long wall = System.nanoTime();
    defineSites();
    pendingArrivals = input.arrivals().size();
    for (Arrival a : input.arrivals()) {
      platform.expect(a);
      a.announced().filter(t -> t.isBefore(a.at())).ifPresent(t -> queue.at(t, () -> announce(a)));
      queue.at(a.at(), () -> arrive(a));
    }
    for (TimelineEvent c : input.timeline()) {
      queue.at(c.at(), () -> change(c));
    }
    for (Site s : input.infra().sites()) {
      s.availability().forEach(w -> queue.at(w.until(), () -> availabilityEnded(s.name())));
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
    platform.accrueAll(end);
    platform.checkWorld(clock.now());
    recorder.point(clock.now(), platform, siteNames(), platform.finishedCount());
    progress.accept(new Progress(policy.name(), end, input.start(), horizon, recorder.cycles(), platform.finishedCount(),
        platform.meters().size(), true));
    return recorder.outcome(platform, input.start(), end, System.nanoTime() - wall);
  }

  private List<String> siteNames() {
    return input.infra().sites().stream().map(Site::name).toList();
  }

  /** Each site defined as its site actor would be (with the prices known at the start), and the manager told. */
  private void defineSites() {
    for (Site s : input.infra().sites()) {
      Site known = settings.priceForesight() ? s : s.withHosting(revealLater(s));
      Platform.Result<SiteState.NumberedChange> defined = platform.change(s.name(), EnvironmentChange.Define.in(input.infra(), known),
          input.start());
      SiteState.NumberedChange c = defined.value().orElseThrow(() -> new IllegalStateException(input.name() + ": " + defined.refusal()));
      apply(core.siteChanged(knowledge, s.name(), c));
    }
  }

  /** The part of a site's price schedule known at the start; each later price is scheduled as a price change at its instant. */
  private PriceSchedule revealLater(Site s) {
    for (TimelineEvent.SiteChange c : TimelineEvent.SiteChange.laterPrices(s, input.start())) {
      queue.at(c.at(), () -> change(c));
    }
    return s.hosting().knownAt(input.start());
  }

  // ---------------------------------------------------------------- the manager's inputs

  /** Applies an outcome of the manager's core: its events to the knowledge, then its effects to the platform. */
  private void apply(ManagerCore.Outcome o) {
    knowledge = knowledge.applyAll(o.events());
    recorder.decided(o.events());
    for (ManagerCore.Effect e : o.effects()) {
      Instant now = clock.now();
      if (e instanceof ManagerCore.PlaceOnSite p) {
        p.vms().forEach(b -> platform.book(new SiteBookkeeping.Place(p.site(), b.vm(), b.demand(), Optional.empty()), now));
      } else if (e instanceof ManagerCore.RemoveFromSite r) {
        r.vms().forEach(vm -> platform.book(new SiteBookkeeping.Remove(r.site(), vm), now));
      } else if (e instanceof ManagerCore.Boot b) {
        platform.boot(b.app(), b.siteOfVm(), now);
        scheduleFinishCheck();
      } else if (e instanceof ManagerCore.StartSaga s) {
        platform.migrationStarted(s.order());
        sagas.start(s.order(), run -> sagaEnded(s.order(), run));
      } else if (e instanceof ManagerCore.Evacuate ev) {
        coldMove(ev.order());
      } else if (e instanceof ManagerCore.CatchUp c) {
        throw new IllegalStateException(input.name() + ": the simulated manager missed a change of site " + c.site());
      } else if (e instanceof ManagerCore.Alert a) {
        throw new IllegalStateException(input.name() + " under " + policy.name() + " at " + now + ": " + a.message());
      }
      // Stop: the platform stopped the application's VMs when it finished
    }
  }

  /** The manager learns that {@code a} will arrive: it holds room for it from now on. */
  private void announce(Arrival a) {
    advanceTo(clock.now());
    ManagerCore.Outcome o = core.announce(knowledge, a.app(), a.at(), clock.now());
    if (o.refused()) {
      throw new IllegalStateException(input.name() + ": application " + a.app().name() + " refused its announcement at " + clock.now() + ": "
          + o.refusal().get());
    }
    apply(o);
  }

  private void arrive(Arrival a) {
    pendingArrivals--;
    advanceTo(clock.now());
    ManagerCore.Outcome o = core.submit(knowledge, a.app(), a.placement(), clock.now());
    if (o.refused()) {
      throw new IllegalStateException(input.name() + ": application " + a.app().name() + " refused at " + clock.now() + ": " + o.refusal().get());
    }
    apply(o);
    triggers.add(a.app().name());
    debounce();
  }

  private void change(TimelineEvent c) {
    advanceTo(clock.now());
    EnvironmentChange change = c instanceof TimelineEvent.SiteChange sc ? sc.change()
        : ((TimelineEvent.SiteFailure) c).change(platform.site(c.site()).environment().site().orElseThrow(), input.start());
    Platform.Result<SiteState.NumberedChange> accepted = platform.change(c.site(), change, clock.now());
    if (accepted.value().isEmpty()) {
      recorder.note(clock.now() + " " + c.site() + ": change refused: " + accepted.refusal());
      return;
    }
    apply(core.siteChanged(knowledge, c.site(), accepted.value().get()));
    if (change instanceof EnvironmentChange.Availability av) {
      for (AvailabilityWindow w : av.windows()) {
        queue.at(w.until(), () -> availabilityEnded(c.site()));
      }
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
    platform.accrueAll(clock.now());
    platform.expireLeases(clock.now());
    platform.checkWorld(clock.now());
    recorder.point(clock.now(), platform, siteNames(), platform.finishedCount());
    progress.accept(new Progress(policy.name(), clock.now(), input.start(), horizon, recorder.cycles(), platform.finishedCount(),
        platform.meters().size(), false));
    if (!done) {
      queue.after(input.period(), () -> tick(progress));
    }
  }

  /** Progress reports of the running applications: their pace over the last period, as the monitor measures it. */
  private void reportProgress() {
    Instant now = clock.now();
    List<KnowledgeEvent> events = new java.util.ArrayList<>();
    for (Platform.Meter m : platform.meters().values()) {
      String name = m.arrival.app().name();
      Optional<ApplicationRuntime.Run> r = platform.run(name);
      if (r.isEmpty() || r.get().finished()) {
        continue;
      }
      double pace = platform.pace(name).orElse(0.0);
      // each report is about one application: they are independent, and applied together
      ManagerCore.Outcome o = core.progress(knowledge, name, r.get().done(), pace, now);
      if (!o.refused()) {
        events.addAll(o.events());
      }
    }
    knowledge = knowledge.applyAll(events);
  }

  /** One cycle of the loop: Monitor (sites, traffic), Analyze and Plan (the policy), Execute (start what may start). */
  private void cycle(boolean periodic) {
    if (!periodic) {
      cycleScheduled = false;
    }
    advanceTo(clock.now());
    long t0 = System.nanoTime();
    Instant now = clock.now();
    Set<String> asked = Set.copyOf(triggers);
    triggers.clear();
    ManagerCore.CycleOutcome c = core.cycle(knowledge, platform::observedRates, now, asked);
    apply(c.outcome());
    ControlLoop.Settings loop = settings.manager().loop();
    recorder.cycle(System.nanoTime() - t0, loop.fullReplanEvery() > 0 && c.number() % loop.fullReplanEvery() == 0);
    apply(core.startQueued(knowledge, now));
  }

  private void sagaEnded(MigrationOrder order, SagaRunner.SagaRun run) {
    advanceTo(clock.now());
    Instant now = clock.now();
    SagaPhase outcome = run.state().phase();
    if (platform.sagaEnded(order, outcome, run.state().observed(), now)) {
      recorder.rolledBack();
    }
    if (outcome == SagaPhase.STUCK) {
      throw new IllegalStateException(input.name() + " under " + policy.name() + ": migration " + order + " is stuck: "
          + run.state().reason().orElse(""));
    }
    apply(core.migrationEnded(knowledge, order.migrationId(), outcome, run.state().observed(), run.state().reason().orElse(""), now));
    platform.afterSagas(order.application(),
        knowledge.migrations().values().stream().anyMatch(r -> r.order().application().equals(order.application())));
    scheduleFinishCheck();
  }

  // ---------------------------------------------------------------- the platform

  /** A site's availability ended: the manager decides where its stranded VMs go, the platform moves them cold. */
  private void availabilityEnded(String site) {
    advanceTo(clock.now());
    ManagerCore.Outcome o = core.availabilityEnded(knowledge, site, clock.now());
    if (o.events().isEmpty() && o.effects().isEmpty()) {
      return;
    }
    apply(o);
    platform.checkWorld(clock.now());
    debounce();
  }

  /** The platform suspends the VM, copies it cold and resumes it at the destination; the manager hears how it went. */
  private void coldMove(MigrationOrder order) {
    Instant now = clock.now();
    var observed = platform.coldMove(order, now);
    recorder.forcedEvacuation();
    queue.at(now.plusNanos((long) (observed.totalSeconds() * 1e9)), () -> {
      advanceTo(clock.now());
      platform.resumed(order.vm());
      scheduleFinishCheck();
    });
    apply(core.migrationEnded(knowledge, order.migrationId(), SagaPhase.COMPLETED, observed, "suspended and resumed by the platform", now));
  }

  /** Brings the applications up to {@code now}; those that finish on the way stop at their exact finish. */
  private void advanceTo(Instant now) {
    List<Platform.Finish> finished = platform.advanceTo(now);
    for (Platform.Finish f : finished) {
      platform.finish(f.application(), f.at());
      apply(core.finished(knowledge, f.application(), f.at()));
      if (platform.allFinished(pendingArrivals)) {
        done = true;
      }
    }
    if (!finished.isEmpty()) {
      scheduleFinishCheck();
    }
  }

  /** Schedules a look at the first finish the current rates announce (earlier looks find nothing new). */
  private void scheduleFinishCheck() {
    long token = ++finishCheck;
    platform.nextFinish(clock.now()).ifPresent(at -> queue.at(at, () -> {
      if (token == finishCheck) {
        advanceTo(clock.now());
      }
    }));
  }
}
