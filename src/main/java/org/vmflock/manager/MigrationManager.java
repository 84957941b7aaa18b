package org.vmflock.manager;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.vmflock.CborSerializable;
import org.vmflock.clock.Clock;
import org.vmflock.execute.Provisioner;
import org.vmflock.execute.SagaActor;
import org.vmflock.execute.SagaPhase;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.StatisticsView;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.stats.QueryType;
import org.vmflock.monitor.stats.StatisticsQuery;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteEnvironment;

/**
 * The migration manager (K1): a Cluster Singleton that runs the MAPE loop over its persisted
 * knowledge. It hears the sites' environment on their topic, takes submitted applications and
 * progress reports, runs a {@link ControlLoop} cycle at every period and shortly after each change
 * (debounced), persists what it decides, and carries out the migrations as {@link SagaActor}s,
 * a bounded number at a time per site pair and per site, following them until they end. After a
 * restart or a failover it rebuilds its knowledge and resumes the sagas in flight.
 */
public final class MigrationManager {

  public static final String NAME = "migration-manager";
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("MigrationManager");

  public sealed interface Command extends CborSerializable {}

  /** A new application, with where its VMs already run if they do (otherwise it gets an initial placement). */
  public record Submit(Application app, Map<String, String> placement, ActorRef<Reply> replyTo) implements Command {
    public Submit {
      placement = Map.copyOf(placement);
    }
  }

  /** How far an application has come, and at what pace (wall seconds per work second) lately. */
  public record ReportProgress(String application, double done, double secondsPerWork, Instant at) implements Command {}

  public record ReportFinished(String application, Instant at) implements Command {}

  /** Runs a cycle now, for these applications too (tests, operators). */
  public record RunCycle(Set<String> applications, ActorRef<CycleReport> replyTo) implements Command {
    public RunCycle {
      applications = Set.copyOf(applications);
    }
  }

  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Sites the manager should follow (it also hears the ones that publish on the topic); answered once it knows them. */
  public record WatchSites(List<String> sites, ActorRef<Reply> replyTo) implements Command {
    public WatchSites {
      sites = List.copyOf(sites);
    }
  }

  /** A period ended: time for a cycle. */
  public enum Tick implements Command { INSTANCE }

  public sealed interface Reply extends CborSerializable {}

  public record Accepted(String what) implements Reply {}

  public record Rejected(String reason) implements Reply {}

  public record Status(Knowledge knowledge, long cycles, Instant at) implements CborSerializable {}

  /** What a cycle found and decided. */
  public record CycleReport(Map<String, List<String>> symptoms, List<DecisionRecord> decisions) implements CborSerializable {}

  // messages of the manager to itself: never sent elsewhere
  private record EnvironmentPublished(SiteActor.Published published) implements Command, NoSerializationVerificationNeeded {}

  private record Observed(Optional<TrafficMatrix> rates, List<SiteEnvironment> sites, Set<String> triggers, List<ActorRef<CycleReport>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  private record SitesRefreshed(List<SiteEnvironment> sites, Optional<ActorRef<Reply>> watcher) implements Command, NoSerializationVerificationNeeded {}

  private record SagaEnded(SagaActor.Finished finished) implements Command, NoSerializationVerificationNeeded {}

  private enum Debounced implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** What the manager needs from its node. */
  public record Dependencies(
      ManagerSettings settings,
      Clock clock,
      Function<String, RecipientRef<SiteActor.Command>> sites,
      Function<String, RecipientRef<SagaActor.Command>> sagas,
      Optional<Monitoring> monitoring,
      Provisioner provisioner,
      Duration tickInterval) {}

  /**
   * Where the monitor's statistics come from: the collectors, their settings, and the sites whose
   * collectors to ask (empty: every site the manager knows).
   */
  public record Monitoring(Function<String, RecipientRef<Collector.Command>> collectors, MonitorSettings settings, List<String> collectorSites) {
    public Monitoring {
      collectorSites = List.copyOf(collectorSites);
    }
  }

  public static Behavior<Command> create(Dependencies deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, deps.tickInterval());
      ActorRef<Topic.Command<SiteActor.Published>> topic = ctx.spawn(Topic.create(SiteActor.Published.class, SiteActor.TOPIC), "site-topic");
      topic.tell(Topic.subscribe(ctx.messageAdapter(SiteActor.Published.class, EnvironmentPublished::new)));
      return new Manager(ctx, timers, deps);
    }));
  }

  private static final class Manager extends EventSourcedBehavior<Command, KnowledgeEvent, Knowledge> {
    private static final int SNAPSHOT_EVERY = 200;
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Dependencies deps;
    private final ControlLoop loop;
    private final ActorRef<SagaActor.Finished> sagaEnded;
    private boolean cycleRunning;
    private final Set<String> pendingTriggers = new HashSet<>();
    private final List<ActorRef<CycleReport>> pendingReplies = new ArrayList<>();
    private boolean cyclePending;
    private long cycles;

    Manager(ActorContext<Command> ctx, TimerScheduler<Command> timers, Dependencies deps) {
      super(PERSISTENCE_ID, org.vmflock.JournalFailureBackoff.of(ctx.getSystem()));
      this.ctx = ctx;
      this.timers = timers;
      this.deps = deps;
      this.loop = deps.settings().controlLoop();
      this.sagaEnded = ctx.messageAdapter(SagaActor.Finished.class, SagaEnded::new);
    }

    @Override
    public Knowledge emptyState() {
      return Knowledge.empty();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
    }

    @Override
    public CommandHandler<Command, KnowledgeEvent, Knowledge> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(EnvironmentPublished.class, (k, c) -> Effect()
              .persist(new KnowledgeEvent.EnvironmentSeen(c.published().environment(), deps.clock().now()))
              .thenRun(after -> debounce()))
          .onCommand(Submit.class, this::onSubmit)
          .onCommand(ReportProgress.class, this::onProgress)
          .onCommand(ReportFinished.class, this::onFinished)
          .onCommand(GetStatus.class, (k, c) -> Effect().reply(c.replyTo(), new Status(k, cycles, deps.clock().now())))
          .onCommand(WatchSites.class, (k, c) -> {
            refresh(c.sites(), Optional.empty(), Set.of(), List.of(), false, Optional.of(c.replyTo()));
            return Effect().none();
          })
          .onCommand(SitesRefreshed.class, (k, c) -> {
            List<KnowledgeEvent> seen = ManagerRules.changedSites(k, c.sites(), deps.clock().now());
            Reply answer = new Accepted(c.sites().size() + " site(s) known");
            if (seen.isEmpty()) {
              c.watcher().ifPresent(w -> w.tell(answer));
              return Effect().none();
            }
            return Effect().persist(seen).thenRun(after -> {
              c.watcher().ifPresent(w -> w.tell(answer));
              debounce();
            });
          })
          .onCommand(RunCycle.class, (k, c) -> {
            requestCycle(k, c.applications(), Optional.of(c.replyTo()));
            return Effect().none();
          })
          .onCommand(Tick.class, (k, c) -> {
            requestCycle(k, Set.of(), Optional.empty());
            return Effect().none();
          })
          .onCommand(Debounced.class, (k, c) -> {
            requestCycle(k, Set.of(), Optional.empty());
            return Effect().none();
          })
          .onCommand(Observed.class, this::onObserved)
          .onCommand(StartMigrations.class, this::onStart)
          .onCommand(SagaEnded.class, this::onSagaEnded)
          .build();
    }

    // ---------------------------------------------------------------- applications

    private Effect<KnowledgeEvent, Knowledge> onSubmit(Knowledge k, Submit c) {
      String problem = ManagerRules.submitProblem(k, c.app(), c.placement());
      if (!problem.isEmpty()) {
        ctx.getLog().warn("manager: refused application: {}", problem);
        return Effect().reply(c.replyTo(), new Rejected(problem));
      }
      return Effect().persist(ManagerRules.submitted(c.app(), c.placement(), deps.clock().now())).thenRun(after -> {
        if (!c.placement().isEmpty()) {
          placeOnSites(c.app(), c.placement());
          deps.provisioner().boot(c.app(), c.placement());
        }
        debounce();
      }).thenReply(c.replyTo(), after -> new Accepted("application " + c.app().name()));
    }

    private Effect<KnowledgeEvent, Knowledge> onProgress(Knowledge k, ReportProgress c) {
      Optional<KnowledgeEvent> e = ManagerRules.progress(k, c.application(), c.done(), c.secondsPerWork(), c.at(), loop.model(),
          deps.settings().planning().smoothing(), deps.settings().loop().defaultLink());
      if (e.isEmpty()) {
        ctx.getLog().warn("manager: progress of unknown or idle application '{}' ignored", c.application());
        return Effect().none();
      }
      return Effect().persist(e.get());
    }

    private Effect<KnowledgeEvent, Knowledge> onFinished(Knowledge k, ReportFinished c) {
      Optional<KnowledgeEvent> e = ManagerRules.finished(k, c.application(), c.at());
      if (e.isEmpty()) {
        return Effect().none();
      }
      AppRecord a = k.applications().get(c.application());
      Placement p = k.placementOf(c.application());
      return Effect().persist(e.get())
          .thenRun(after -> {
            p.siteOfVm().forEach((vm, site) -> siteTell(site, r -> new SiteActor.Remove(vm, r)));
            deps.provisioner().stop(a.app());
          });
    }

    private void placeOnSites(Application app, Map<String, String> placement) {
      for (Vm vm : app.vms()) {
        String site = placement.get(vm.name());
        if (site != null) {
          siteTell(site, r -> new SiteActor.Place(vm.name(), Capacity.of(vm), Optional.empty(), r));
        }
      }
    }

    /** A site bookkeeping command; the site actors make them idempotent, so a lost one is simply logged. */
    private void siteTell(String site, Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message) {
      AskPattern.ask(deps.sites().apply(site), message::apply, deps.settings().siteTimeout(), ctx.getSystem().scheduler())
          .whenComplete((reply, error) -> {
            if (reply instanceof SiteActor.Rejected r) {
              ctx.getSystem().log().warn("manager: site {} refused: {}", site, r.reason());
            } else if (error != null) {
              ctx.getSystem().log().warn("manager: site {} did not answer: {}", site, error.toString());
            }
          });
    }

    // ---------------------------------------------------------------- cycles

    private void debounce() {
      if (!timers.isTimerActive(Debounced.INSTANCE)) {
        timers.startSingleTimer(Debounced.INSTANCE, deps.settings().debounce());
      }
    }

    private void requestCycle(Knowledge k, Set<String> triggers, Optional<ActorRef<CycleReport>> replyTo) {
      pendingTriggers.addAll(triggers);
      replyTo.ifPresent(pendingReplies::add);
      if (cycleRunning) {
        cyclePending = true;
        return;
      }
      cycleRunning = true;
      Set<String> t = Set.copyOf(pendingTriggers);
      List<ActorRef<CycleReport>> replies = List.copyOf(pendingReplies);
      pendingTriggers.clear();
      pendingReplies.clear();
      observe(k, t, replies);
    }

    /** Monitor: each known site's environment, and the mean traffic of the last periods (the newest extrapolated if incomplete). */
    private void observe(Knowledge k, Set<String> triggers, List<ActorRef<CycleReport>> replies) {
      List<String> sites = List.copyOf(k.sites().keySet());
      if (deps.monitoring().isEmpty() || sites.isEmpty()) {
        refresh(sites, Optional.empty(), triggers, replies, true, Optional.empty());
        return;
      }
      Monitoring m = deps.monitoring().get();
      List<String> collectorSites = m.collectorSites().isEmpty() ? sites : m.collectorSites();
      ActorRef<StatisticsView.Command> view = ctx.spawnAnonymous(StatisticsView.create(collectorSites, m.settings(), deps.clock(), m.collectors()));
      StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, deps.settings().windowPeriods()).approximateAllowed(true);
      double periodSeconds = m.settings().grid().lengthMillis() / 1000.0;
      AskPattern.ask(view, (ActorRef<QueryAnswer> r) -> new StatisticsView.Query(q, r), m.settings().collectorTimeout().multipliedBy(2),
          ctx.getSystem().scheduler()).whenComplete((answer, error) -> {
            ctx.getSystem().log().debug("manager: statistics {}", error == null ? "received" : error.toString());
            view.tell(StatisticsView.Stop.INSTANCE);
            Optional<TrafficMatrix> rates = answer instanceof QueryAnswer.Statistics s ? Optional.of(ManagerRules.perSecond(s.matrix(), periodSeconds)) : Optional.empty();
            refresh(sites, rates, triggers, replies, true, Optional.empty());
          });
    }

    /** Asks each site actor for its environment; then either a cycle runs, or the changes are just recorded. */
    private void refresh(List<String> sites, Optional<TrafficMatrix> rates, Set<String> triggers, List<ActorRef<CycleReport>> replies,
        boolean cycle, Optional<ActorRef<Reply>> watcher) {
      List<java.util.concurrent.CompletableFuture<Optional<SiteEnvironment>>> asks = new ArrayList<>();
      for (String site : sites) {
        asks.add(AskPattern.ask(deps.sites().apply(site), (ActorRef<SiteEnvironment> r) -> new SiteActor.Get(r), deps.settings().siteTimeout(),
            ctx.getSystem().scheduler()).toCompletableFuture().thenApply(Optional::of).exceptionally(e -> Optional.empty()));
      }
      ActorRef<Command> self = ctx.getSelf();
      java.util.concurrent.CompletableFuture.allOf(asks.toArray(java.util.concurrent.CompletableFuture[]::new)).whenComplete((v, e) -> {
        List<SiteEnvironment> envs = asks.stream().map(java.util.concurrent.CompletableFuture::join).flatMap(Optional::stream)
            .filter(SiteEnvironment::defined).toList();
        self.tell(cycle ? new Observed(rates, envs, triggers, replies) : new SitesRefreshed(envs, watcher));
      });
    }

    /** Analyze, Plan: one cycle of the loop on what was observed; Execute follows the persisted decisions. */
    private Effect<KnowledgeEvent, Knowledge> onObserved(Knowledge before, Observed o) {
      cycles++;
      List<KnowledgeEvent> seen = ManagerRules.changedSites(before, o.sites(), deps.clock().now());
      Knowledge k = before;
      for (KnowledgeEvent e : seen) {
        k = k.apply(e);
      }
      ControlLoop.Cycle cycle;
      try {
        cycle = loop.run(k, o.rates(), deps.clock().now(), cycles, o.triggers());
      } catch (RuntimeException e) {
        ctx.getLog().error("manager: cycle " + cycles + " failed", e);
        return finishCycle(Effect().none(), new CycleReport(Map.of(), List.of()), o.replyTo());
      }
      List<DecisionRecord> decisions = cycle.events().stream()
          .filter(e -> e instanceof KnowledgeEvent.DecisionMade).map(e -> ((KnowledgeEvent.DecisionMade) e).decision()).toList();
      decisions.forEach(d -> ctx.getLog().info("decision {}: {}", d.id(), d.reason()));
      CycleReport report = new CycleReport(cycle.symptoms(), decisions);
      List<KnowledgeEvent> events = new ArrayList<>(seen);
      events.addAll(cycle.events());
      if (events.isEmpty()) {
        return finishCycle(Effect().none(), report, o.replyTo());
      }
      return finishCycle(Effect().persist(events).thenRun(after -> {
        for (KnowledgeEvent e : cycle.events()) {
          if (e instanceof KnowledgeEvent.ApplicationPlaced placed) {
            Application app = after.applications().get(placed.application()).app();
            placeOnSites(app, placed.siteOfVm());
            deps.provisioner().boot(app, placed.siteOfVm());
          }
        }
        startQueued(after);
      }), report, o.replyTo());
    }

    private Effect<KnowledgeEvent, Knowledge> finishCycle(EffectBuilder<KnowledgeEvent, Knowledge> effect, CycleReport report,
        List<ActorRef<CycleReport>> replies) {
      return effect.thenRun(after -> {
        replies.forEach(r -> r.tell(report));
        cycleRunning = false;
        if (cyclePending) {
          cyclePending = false;
          requestCycle(after, Set.of(), Optional.empty());
        }
      });
    }

    // ---------------------------------------------------------------- execute

    /** Starts the queued migrations that may run now (see {@link ManagerRules#startable}). */
    private void startQueued(Knowledge k) {
      List<KnowledgeEvent.MigrationStarted> started = ManagerRules.startable(k, deps.settings().maxPerLink(), deps.settings().maxPerSite(),
          deps.clock().now());
      if (!started.isEmpty()) {
        ctx.getSelf().tell(new StartMigrations(List.copyOf(started)));
      }
    }

    private Effect<KnowledgeEvent, Knowledge> onStart(Knowledge k, StartMigrations c) {
      List<KnowledgeEvent> events = c.events().stream()
          .filter(e -> k.migrations().containsKey(((KnowledgeEvent.MigrationStarted) e).migrationId())
              && k.migrations().get(((KnowledgeEvent.MigrationStarted) e).migrationId()).status() == MigrationRecord.Status.QUEUED)
          .toList();
      if (events.isEmpty()) {
        return Effect().none();
      }
      return Effect().persist(events).thenRun(after -> events.forEach(e -> {
        MigrationRecord m = after.migrations().get(((KnowledgeEvent.MigrationStarted) e).migrationId());
        deps.sagas().apply(m.order().migrationId()).tell(new SagaActor.Start(m.order(), deps.settings().sagaPolicy(), sagaEnded));
      }));
    }

    private Effect<KnowledgeEvent, Knowledge> onSagaEnded(Knowledge k, SagaEnded c) {
      SagaActor.Finished f = c.finished();
      // the audit feeds the migration model: observed against predicted time of each completed migration
      Optional<KnowledgeEvent> ended = ManagerRules.migrationEnded(k, f.migrationId(), f.outcome(), f.observed(), f.reason(),
          deps.settings().planning().smoothing(), deps.clock().now());
      if (ended.isEmpty()) {
        return Effect().none(); // already recorded (a resumed saga tells again)
      }
      if (f.outcome() == SagaPhase.STUCK) {
        ctx.getLog().error("manager: migration {} is stuck and needs an operator: {}", f.migrationId(), f.reason());
      }
      return Effect().persist(ended.get()).thenRun(this::startQueued);
    }

    @Override
    public SignalHandler<Knowledge> signalHandler() {
      return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), k -> {
        // migrations in flight are never forgotten: their sagas go on (or say how they ended)
        k.migrations().values().stream().filter(m -> m.status() == MigrationRecord.Status.RUNNING)
            .forEach(m -> deps.sagas().apply(m.order().migrationId()).tell(new SagaActor.Resume(sagaEnded)));
        startQueued(k);
      }).build();
    }

    @Override
    public EventHandler<Knowledge, KnowledgeEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(Knowledge::apply);
    }
  }

  private record StartMigrations(List<KnowledgeEvent> events) implements Command, NoSerializationVerificationNeeded {}
}
