package org.vmflock.manager;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
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
import org.vmflock.control.ControlLoop;
import org.vmflock.control.DecisionLog;
import org.vmflock.control.ManagerCore;
import org.vmflock.control.ManagerObserver;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.ObservedTraffic;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.control.ResourcePage;
import org.vmflock.control.ResourceQuery;
import org.vmflock.execute.Provisioner;
import org.vmflock.execute.SagaActor;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.StatisticsView;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.stats.QueryType;
import org.vmflock.monitor.stats.StatisticsQuery;
import org.vmflock.site.SiteActor;

/**
 * The migration manager (K1): a Cluster Singleton that runs the MAPE loop over its persisted
 * knowledge. A thin adapter around {@link ManagerCore}: each message becomes an input of the core,
 * whose events are persisted (and acknowledged only then) and whose effects are carried out once
 * they are. It hears the sites' changes on their topic (and catches up with what it missed every
 * cycle), takes submitted applications and progress reports, runs a cycle at every period and
 * shortly after each change (debounced) — planning on a dispatcher of its own, off this actor's
 * message loop, a result planned on knowledge that moved on in a way that matters being dropped —
 * and carries out the migrations as {@link SagaActor}s, a bounded number at a time per site pair
 * and per site. When a site's availability ends with its VMs still there, it moves them. After a
 * restart or a failover it rebuilds its knowledge and resumes the sagas in flight. It answers
 * status queries with bounded pages ({@link StatusPage}).
 */
public final class MigrationManager {

  public static final String NAME = "migration-manager";
  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("MigrationManager");
  /** The snapshot store of the manager (its snapshots are optional: see {@code vmflock-base.conf}). */
  public static final String SNAPSHOT_STORE = "vmflock-manager-snapshot-store";

  public sealed interface Command extends CborSerializable {}

  /**
   * A new application, with where its VMs already run if they do (otherwise it gets an initial
   * placement). Its traffic comes in {@code trafficParts} parts: the first in {@code app}, the
   * others in {@link SubmitTraffic} messages sent before this one by the same sender ({@link
   * Submissions} does it), so that no message is large. With {@code arrives}, an announcement: the
   * application will be submitted then, and the planner holds room for it until it is.
   */
  public record Submit(Application app, Map<String, String> placement, int trafficParts, Optional<Instant> arrives, ActorRef<Reply> replyTo)
      implements Command {
    public Submit {
      placement = Map.copyOf(placement);
    }

    /** An application submitted now, its traffic in {@code trafficParts} parts. */
    public Submit(Application app, Map<String, String> placement, int trafficParts, ActorRef<Reply> replyTo) {
      this(app, placement, trafficParts, Optional.empty(), replyTo);
    }

    /** An application whose traffic comes whole. */
    public Submit(Application app, Map<String, String> placement, ActorRef<Reply> replyTo) {
      this(app, placement, 1, replyTo);
    }
  }

  /** A part of the traffic of an application about to be submitted (see {@link Submit}). */
  public record SubmitTraffic(String application, TrafficMatrix part) implements Command {}

  /** How far an application has come, and at what pace (wall seconds per work second) lately. */
  public record ReportProgress(String application, double done, double secondsPerWork, Instant at) implements Command {}

  public record ReportFinished(String application, Instant at) implements Command {}

  /** Runs a cycle now, for these applications too (tests, operators). */
  public record RunCycle(Set<String> applications, ActorRef<CycleReport> replyTo) implements Command {
    public RunCycle {
      applications = Set.copyOf(applications);
    }
  }

  /** A page of the manager's status. */
  public record GetStatus(StatusQuery query, ActorRef<StatusPage> replyTo) implements Command {}

  /** A page of one kind of what the manager knows (the HTTP API's resources). */
  public record GetResources(ResourceQuery query, ActorRef<ResourcePage> replyTo) implements Command {}

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

  /** What a cycle found and decided. */
  public record CycleReport(Map<String, List<String>> symptoms, List<DecisionRecord> decisions) implements CborSerializable {}

  // messages of the manager to itself: never sent elsewhere
  private record SitePublished(SiteActor.Published published) implements Command, NoSerializationVerificationNeeded {}

  private record SiteAnswered(String site, Optional<SiteActor.Changes> changes, String error) implements Command, NoSerializationVerificationNeeded {}

  private record Observed(Optional<TrafficMatrix> rates, List<SiteActor.Changes> sites, Set<String> triggers, List<ActorRef<CycleReport>> replyTo)
      implements Command, NoSerializationVerificationNeeded {}

  private record Planned(ManagerCore.CycleOutcome outcome, Knowledge basedOn, List<ActorRef<CycleReport>> replyTo, Optional<Throwable> failure)
      implements Command, NoSerializationVerificationNeeded {}

  private record Watched(List<SiteActor.Changes> sites, ActorRef<Reply> replyTo) implements Command, NoSerializationVerificationNeeded {}

  private record SagaReported(SagaActor.Report report) implements Command, NoSerializationVerificationNeeded {}

  private enum Debounced implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum AvailabilityCheck implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** What the manager needs from its node. */
  public record Dependencies(
      ManagerSettings settings,
      Clock clock,
      double timeScale,
      Function<String, RecipientRef<SiteActor.Command>> sites,
      Function<String, RecipientRef<SagaActor.Command>> sagas,
      Optional<Monitoring> monitoring,
      Provisioner provisioner,
      Duration tickInterval,
      ManagerObserver observer) {

    /** Watched by no one. */
    public Dependencies(ManagerSettings settings, Clock clock, double timeScale, Function<String, RecipientRef<SiteActor.Command>> sites,
        Function<String, RecipientRef<SagaActor.Command>> sagas, Optional<Monitoring> monitoring, Provisioner provisioner, Duration tickInterval) {
      this(settings, clock, timeScale, sites, sagas, monitoring, provisioner, tickInterval, ManagerObserver.NONE);
    }
  }

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
      topic.tell(Topic.subscribe(ctx.messageAdapter(SiteActor.Published.class, SitePublished::new)));
      return new Manager(ctx, timers, deps);
    }));
  }

  private static final class Manager extends EventSourcedBehavior<Command, KnowledgeEvent, Knowledge> {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Dependencies deps;
    private final ManagerCore core;
    private final Executor planning;
    private final ActorRef<SagaActor.Report> sagaReports;
    private final ActorRef<SiteActor.Changes> siteAnswers;
    private final PendingTraffic pendingTraffic = new PendingTraffic();
    private boolean cycleRunning;
    /** Repeated decisions are counted, not logged again. */
    private final DecisionLog decisionLog = new DecisionLog();
    private final Set<String> pendingTriggers = new HashSet<>();
    private final List<ActorRef<CycleReport>> pendingReplies = new ArrayList<>();
    private boolean cyclePending;
    /** When the running cycle began (System.nanoTime): its duration is a metric, not logic. */
    private long cycleStarted;

    Manager(ActorContext<Command> ctx, TimerScheduler<Command> timers, Dependencies deps) {
      super(PERSISTENCE_ID, org.vmflock.JournalFailureBackoff.of(ctx.getSystem()));
      this.ctx = ctx;
      this.timers = timers;
      this.deps = deps;
      this.core = new ManagerCore(deps.settings(), deps.settings().newPolicy());
      this.planning = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig("vmflock.planning-dispatcher"));
      this.sagaReports = ctx.messageAdapter(SagaActor.Report.class, SagaReported::new);
      this.siteAnswers = ctx.messageAdapter(SiteActor.Changes.class, c -> new SiteAnswered(c.site(), Optional.of(c), ""));
    }

    @Override
    public Knowledge emptyState() {
      return Knowledge.empty();
    }

    @Override
    public String snapshotPluginId() {
      return SNAPSHOT_STORE;
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(deps.settings().snapshotEvery(), 2);
    }

    @Override
    public CommandHandler<Command, KnowledgeEvent, Knowledge> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(SitePublished.class, (k, c) -> carryOut(core.siteChanged(k, c.published().site(), c.published().change())))
          .onCommand(SiteAnswered.class, (k, c) -> c.changes()
              .map(ch -> carryOut(core.siteCaughtUp(k, ch.site(), ch.changes(), ch.whole(), ch.latest(), now())))
              .orElseGet(() -> {
                ctx.getLog().warn("manager: site {} did not answer: {}", c.site(), c.error());
                return Effect().none();
              }))
          .onCommand(Submit.class, this::onSubmit)
          .onCommand(SubmitTraffic.class, (k, c) -> {
            pendingTraffic.add(c);
            return Effect().none();
          })
          .onCommand(ReportProgress.class, (k, c) -> {
            ManagerCore.Outcome o = core.progress(k, c.application(), c.done(), c.secondsPerWork(), c.at());
            if (o.refused()) {
              ctx.getLog().debug("manager: {} ignored", o.refusal().get());
              return Effect().none();
            }
            return carryOut(o);
          })
          .onCommand(ReportFinished.class, (k, c) -> carryOut(core.finished(k, c.application(), c.at())))
          .onCommand(GetStatus.class, (k, c) -> Effect().reply(c.replyTo(), StatusPage.of(k, c.query(), now())))
          .onCommand(GetResources.class, (k, c) -> Effect().reply(c.replyTo(), ResourcePage.of(k, c.query(), now())))
          .onCommand(WatchSites.class, (k, c) -> {
            askSites(k, c.sites()).thenAccept(answers -> ctx.getSelf().tell(new Watched(answers, c.replyTo())));
            return Effect().none();
          })
          .onCommand(Watched.class, (k, c) -> {
            List<KnowledgeEvent> events = caughtUp(k, c.sites());
            Reply answer = new Accepted(c.sites().size() + " site(s) known");
            if (events.isEmpty()) {
              c.replyTo().tell(answer);
              return Effect().none();
            }
            return persisted(events).thenRun(after -> {
              c.replyTo().tell(answer);
              debounce();
            });
          })
          .onCommand(RunCycle.class, (k, c) -> {
            requestCycle(k, c.applications(), Optional.of(c.replyTo()));
            return Effect().none();
          })
          .onCommand(Tick.class, (k, c) -> {
            pendingTraffic.forgetOlderThan(System.nanoTime() - PendingTraffic.KEPT_NANOS);
            requestCycle(k, Set.of(), Optional.empty());
            return evacuate(k);
          })
          .onCommand(Debounced.class, (k, c) -> {
            requestCycle(k, Set.of(), Optional.empty());
            return Effect().none();
          })
          .onCommand(AvailabilityCheck.class, (k, c) -> evacuate(k))
          .onCommand(Observed.class, this::onObserved)
          .onCommand(Planned.class, this::onPlanned)
          .onCommand(SagaReported.class, this::onSagaReported)
          .onCommand(StartQueued.class, (k, c) -> carryOut(core.startQueued(k, now())))
          .build();
    }

    private Instant now() {
      return deps.clock().now();
    }

    /** Persists {@code events}; once durable, the observer hears of them (before what the caller chains). */
    private EffectBuilder<KnowledgeEvent, Knowledge> persisted(List<KnowledgeEvent> events) {
      return Effect().persist(events).thenRun(after -> deps.observer().persisted(events, after));
    }

    // ---------------------------------------------------------------- carrying out the core's outcomes

    /** Persists the outcome's events; once they are durable, carries out its effects. */
    private Effect<KnowledgeEvent, Knowledge> carryOut(ManagerCore.Outcome o) {
      if (o.events().isEmpty()) {
        o.effects().forEach(this::effect);
        return Effect().none();
      }
      return persisted(o.events()).thenRun(after -> {
        o.effects().forEach(this::effect);
        if (o.events().stream().anyMatch(e -> e instanceof KnowledgeEvent.SiteChanged || e instanceof KnowledgeEvent.SiteCaughtUp
            || e instanceof KnowledgeEvent.ApplicationSubmitted || e instanceof KnowledgeEvent.ApplicationFinished)) {
          debounce();
          scheduleAvailabilityCheck(after);
        }
      });
    }

    private void effect(ManagerCore.Effect e) {
      if (e instanceof ManagerCore.PlaceOnSite p) {
        siteTell(p.site(), r -> new SiteActor.PlaceAll(p.vms().stream().map(b -> new SiteActor.Booking(b.vm(), b.demand())).toList(), r));
      } else if (e instanceof ManagerCore.RemoveFromSite r) {
        siteTell(r.site(), ref -> new SiteActor.RemoveAll(r.vms(), ref));
      } else if (e instanceof ManagerCore.Boot b) {
        deps.provisioner().boot(b.app(), b.siteOfVm());
      } else if (e instanceof ManagerCore.Stop s) {
        deps.provisioner().stop(s.app());
      } else if (e instanceof ManagerCore.StartSaga s) {
        deps.sagas().apply(s.order().migrationId()).tell(new SagaActor.Start(s.order(), deps.settings().sagaPolicy(), sagaReports));
      } else if (e instanceof ManagerCore.Evacuate ev) {
        // on a node, a VM whose site's availability ended leaves by a migration like any other
        deps.sagas().apply(ev.order().migrationId()).tell(new SagaActor.Start(ev.order(), deps.settings().sagaPolicy(), sagaReports));
      } else if (e instanceof ManagerCore.CatchUp c) {
        ctx.pipeToSelf(askChanges(c.site(), c.after()), (ch, error) -> new SiteAnswered(c.site(), Optional.ofNullable(ch),
            error == null ? "" : error.toString()));
      } else if (e instanceof ManagerCore.Alert a) {
        ctx.getLog().error("manager: {}", a.message());
      }
    }

    /** A site bookkeeping command; the site actors make them idempotent, and it is sent again a few times if unanswered. */
    private void siteTell(String site, Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message) {
      askSite(site, message, 3).whenComplete((reply, error) -> {
        if (reply instanceof SiteActor.Rejected r) {
          ctx.getSystem().log().warn("manager: site {} refused: {}", site, r.reason());
        } else if (error != null) {
          ctx.getSystem().log().warn("manager: site {} did not answer: {}", site, error.toString());
        }
      });
    }

    private java.util.concurrent.CompletionStage<SiteActor.Reply> askSite(String site, Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message,
        int tries) {
      return AskPattern.ask(deps.sites().apply(site), message::apply, deps.settings().siteTimeout(), ctx.getSystem().scheduler())
          .handle((reply, error) -> error == null || tries <= 1
              ? (error == null ? CompletableFuture.completedFuture(reply) : CompletableFuture.<SiteActor.Reply>failedFuture(error))
              : askSite(site, message, tries - 1).toCompletableFuture())
          .thenCompose(x -> x);
    }

    private java.util.concurrent.CompletionStage<SiteActor.Changes> askChanges(String site, long after) {
      Instant from = ManagerCore.pricesFrom(lastKnown, now());
      return AskPattern.ask(deps.sites().apply(site), (ActorRef<SiteActor.Changes> r) -> new SiteActor.ChangesSince(after, from, r),
          deps.settings().siteTimeout(), ctx.getSystem().scheduler());
    }

    /** Each site's changes since the manager last heard of it; a site that does not answer is left out. */
    private CompletableFuture<List<SiteActor.Changes>> askSites(Knowledge k, List<String> sites) {
      lastKnown = k;
      List<CompletableFuture<Optional<SiteActor.Changes>>> asks = new ArrayList<>();
      for (String site : sites) {
        asks.add(askChanges(site, k.siteChanges().getOrDefault(site, 0L)).toCompletableFuture().thenApply(Optional::of)
            .exceptionally(e -> Optional.empty()));
      }
      return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
          .thenApply(v -> asks.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
    }

    /** The knowledge as of the last ask of the sites (for the prices a catch-up needs). */
    private Knowledge lastKnown = Knowledge.empty();

    /** The events that bring the knowledge up to date with these sites' answers. */
    private List<KnowledgeEvent> caughtUp(Knowledge k, List<SiteActor.Changes> answers) {
      List<KnowledgeEvent> events = new ArrayList<>();
      Knowledge current = k;
      for (SiteActor.Changes c : answers) {
        for (KnowledgeEvent e : core.siteCaughtUp(current, c.site(), c.changes(), c.whole(), c.latest(), now()).events()) {
          events.add(e);
          current = current.apply(e);
        }
      }
      return events;
    }

    // ---------------------------------------------------------------- applications

    private Effect<KnowledgeEvent, Knowledge> onSubmit(Knowledge k, Submit c) {
      Optional<Application> whole = pendingTraffic.assemble(c);
      if (whole.isEmpty()) {
        String why = "the traffic of application " + c.app().name() + " came in " + c.trafficParts() + " parts, not all arrived: submit it again";
        ctx.getLog().warn("manager: refused application: {}", why);
        return Effect().reply(c.replyTo(), new Rejected(why));
      }
      // an announcement: the application arrives later, its room held until then (no placement: where the planner holds it)
      ManagerCore.Outcome o = c.arrives().isPresent() ? core.announce(k, whole.get(), c.arrives().get(), now())
          : core.submit(k, whole.get(), c.placement(), now());
      if (o.refused()) {
        ctx.getLog().warn("manager: refused application: {}", o.refusal().get());
        return Effect().reply(c.replyTo(), new Rejected(o.refusal().get()));
      }
      // acknowledged once durable
      return persisted(o.events()).thenRun(after -> {
        o.effects().forEach(this::effect);
        debounce();
      }).thenReply(c.replyTo(), after -> new Accepted("application " + c.app().name()));
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
      cycleStarted = System.nanoTime();
      Set<String> t = Set.copyOf(pendingTriggers);
      List<ActorRef<CycleReport>> replies = List.copyOf(pendingReplies);
      pendingTriggers.clear();
      pendingReplies.clear();
      observe(k, t, replies);
    }

    /** Monitor: what changed at each known site, and the mean traffic of the last periods (the newest extrapolated if incomplete). */
    private void observe(Knowledge k, Set<String> triggers, List<ActorRef<CycleReport>> replies) {
      List<String> sites = List.copyOf(k.sites().keySet());
      CompletableFuture<List<SiteActor.Changes>> changes = askSites(k, sites);
      CompletableFuture<Optional<TrafficMatrix>> rates = deps.monitoring().isEmpty() || sites.isEmpty()
          ? CompletableFuture.completedFuture(Optional.empty())
          : traffic(deps.monitoring().get(), sites);
      ActorRef<Command> self = ctx.getSelf();
      changes.thenCombine(rates, (c, r) -> new Observed(r, c, triggers, replies)).whenComplete((o, e) ->
          self.tell(o != null ? o : new Observed(Optional.empty(), List.of(), triggers, replies)));
    }

    private CompletableFuture<Optional<TrafficMatrix>> traffic(Monitoring m, List<String> sites) {
      List<String> collectorSites = m.collectorSites().isEmpty() ? sites : m.collectorSites();
      ActorRef<StatisticsView.Command> view = ctx.spawnAnonymous(StatisticsView.create(collectorSites, m.settings(), deps.clock(), m.collectors()));
      StatisticsQuery q = StatisticsQuery.of(QueryType.MEAN, deps.settings().windowPeriods()).approximateAllowed(true);
      double periodSeconds = m.settings().grid().lengthMillis() / 1000.0;
      return AskPattern.ask(view, (ActorRef<QueryAnswer> r) -> new StatisticsView.Query(q, r), m.settings().collectorTimeout().multipliedBy(2),
          ctx.getSystem().scheduler()).toCompletableFuture().handle((answer, error) -> {
            view.tell(StatisticsView.Stop.INSTANCE);
            if (answer instanceof QueryAnswer.Statistics s) {
              deps.observer().monitored(true, s.approximate(), s.extrapolated().size(), s.noData().size());
            } else {
              deps.observer().monitored(false, false, 0, 0);
            }
            if (answer instanceof QueryAnswer.Statistics s) {
              TrafficMatrix rates = ManagerCore.perSecond(s.matrix(), periodSeconds);
              deps.observer().trafficObserved(rates, deps.clock().now());
              return Optional.of(rates);
            }
            return Optional.<TrafficMatrix>empty();
          });
    }

    /** What the sites said is recorded; then Analyze and Plan run on the planning dispatcher. */
    private Effect<KnowledgeEvent, Knowledge> onObserved(Knowledge before, Observed o) {
      List<KnowledgeEvent> seen = caughtUp(before, o.sites());
      Knowledge k = before.applyAll(seen);
      ObservedTraffic observed = o.rates().map(ObservedTraffic::of).orElse(ObservedTraffic.none());
      Instant at = now();
      ActorRef<Command> self = ctx.getSelf();
      Runnable plan = () -> CompletableFuture.supplyAsync(() -> core.cycle(k, observed, at, o.triggers()), planning).whenComplete((c, e) ->
          self.tell(new Planned(c, k, o.replyTo(), Optional.ofNullable(e))));
      if (seen.isEmpty()) {
        plan.run();
        return Effect().none();
      }
      return persisted(seen).thenRun(after -> {
        scheduleAvailabilityCheck(after);
        plan.run();
      });
    }

    /** Execute: the cycle's decisions persisted, if they still hold on what the manager knows now; then what may start starts. */
    private Effect<KnowledgeEvent, Knowledge> onPlanned(Knowledge k, Planned p) {
      if (p.failure().isPresent()) {
        ctx.getLog().error("manager: a cycle failed", p.failure().get());
        return finishCycle(Effect().none(), new CycleReport(Map.of(), List.of()), p.replyTo());
      }
      ManagerCore.CycleOutcome c = p.outcome();
      if (!ManagerCore.stillHolds(p.basedOn(), k, c.cycle())) {
        ctx.getLog().info("manager: cycle {} planned on knowledge that moved on meanwhile: planned again", c.number());
        cyclePending = true;
        return finishCycle(Effect().none(), new CycleReport(c.cycle().symptoms(), List.of()), p.replyTo());
      }
      List<DecisionRecord> decisions = c.outcome().events().stream()
          .filter(e -> e instanceof KnowledgeEvent.DecisionMade).map(e -> ((KnowledgeEvent.DecisionMade) e).decision()).toList();
      decisions.forEach(d -> decisionLog.line(d).ifPresentOrElse(ctx.getLog()::info,
          () -> ctx.getLog().debug("decision {}: {} (repeats the previous one)", d.id(), d.reason())));
      CycleReport report = new CycleReport(c.cycle().symptoms(), decisions);
      return finishCycle(persisted(c.outcome().events()).thenRun(after -> {
        c.outcome().effects().forEach(this::effect);
        startQueued(after);
      }), report, p.replyTo());
    }

    private Effect<KnowledgeEvent, Knowledge> finishCycle(EffectBuilder<KnowledgeEvent, Knowledge> effect, CycleReport report,
        List<ActorRef<CycleReport>> replies) {
      return effect.thenRun(after -> {
        replies.forEach(r -> r.tell(report));
        deps.observer().cycle(Duration.ofNanos(System.nanoTime() - cycleStarted));
        cycleRunning = false;
        if (cyclePending) {
          cyclePending = false;
          requestCycle(after, Set.of(), Optional.empty());
        }
      });
    }

    // ---------------------------------------------------------------- execute

    /** Starts the queued migrations that may run now (a message to itself: events are persisted in a command). */
    private void startQueued(Knowledge k) {
      if (!core.startQueued(k, now()).events().isEmpty()) {
        ctx.getSelf().tell(StartQueued.INSTANCE);
      }
    }

    private Effect<KnowledgeEvent, Knowledge> onSagaReported(Knowledge k, SagaReported c) {
      if (c.report() instanceof SagaActor.Progressed p) {
        return carryOut(core.migrationProgress(k, p.migrationId(), p.progress(), now()));
      }
      SagaActor.Finished f = (SagaActor.Finished) c.report();
      return carryOut(core.migrationEnded(k, f.migrationId(), f.outcome(), f.observed(), f.reason(), now()));
    }

    /** VMs on sites whose availability ended leave them. */
    private Effect<KnowledgeEvent, Knowledge> evacuate(Knowledge k) {
      Knowledge current = k;
      List<KnowledgeEvent> events = new ArrayList<>();
      List<ManagerCore.Effect> effects = new ArrayList<>();
      for (String site : ManagerCore.unavailableSitesInUse(k, now())) {
        ManagerCore.Outcome o = core.availabilityEnded(current, site, now());
        events.addAll(o.events());
        effects.addAll(o.effects());
        current = current.applyAll(o.events());
      }
      scheduleAvailabilityCheck(k);
      return carryOut(new ManagerCore.Outcome(events, effects, Optional.empty()));
    }

    /** A check when the next site in use stops being available (the tick checks too, every period). */
    private void scheduleAvailabilityCheck(Knowledge k) {
      ManagerCore.nextAvailabilityEnd(k, now()).ifPresent(end -> {
        long nanos = (long) (Duration.between(now(), end).toNanos() / deps.timeScale());
        timers.startSingleTimer(AvailabilityCheck.INSTANCE, Duration.ofNanos(Math.max(0, nanos)));
      });
    }

    @Override
    public SignalHandler<Knowledge> signalHandler() {
      return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), k -> {
        // migrations in flight are never forgotten: their sagas go on (or say how they ended); a Start,
        // since a crash may have struck before a saga recorded its order (a Start to a started saga resumes it)
        k.migrations().values().stream().filter(m -> m.status() == MigrationRecord.Status.RUNNING)
            .forEach(m -> deps.sagas().apply(m.id()).tell(new SagaActor.Start(m.order(), deps.settings().sagaPolicy(), sagaReports)));
        startQueued(k);
        scheduleAvailabilityCheck(k);
      }).build();
    }

    @Override
    public EventHandler<Knowledge, KnowledgeEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(Knowledge::apply);
    }
  }

  /** Start what may start now. */
  private enum StartQueued implements Command, NoSerializationVerificationNeeded { INSTANCE }
}
