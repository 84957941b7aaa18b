package org.vmflock.execute.faults;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.SagaActor;
import org.vmflock.execute.SagaEvent;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteBooks;

/**
 * Runs migrations through the real path with faults (issue 11): the {@link SagaActor} with two real
 * {@link SiteActor}s, both event-sourced on the pekko-persistence-jdbc journal (H2, as a node runs),
 * the sites reached through {@link SiteLink}s that lose and repeat messages, a {@link FaultyActuator}
 * over a simulated world, a {@link FaultyJournal} failing writes, and the saga actor stopped in the
 * middle of steps and resumed by a new incarnation from its journal. Each run is one seeded
 * {@link RunPlan}; after it, {@link FaultRun#check} checks the world, the sites' books, the saga's
 * journal and what it reported. Runs share one actor system and journal (their names differ) and
 * run several at a time, each in its own virtual time.
 */
public final class SagaFaultHarness implements AutoCloseable {

  /**
   * How the harness runs.
   *
   * @param timeScale how much faster than real time the sagas' time runs (their retry delay and
   *     step timeout are divided by it)
   * @param siteTimeout how long a saga waits for a site's answer (three tries), real time
   * @param outcomeDeadline how long a run may take before its saga counts as hung, real time
   * @param parallelism runs at once
   * @param logLevel Pekko's log level in the harness (OFF: the injected failures would fill the log)
   */
  public record Settings(double timeScale, Duration siteTimeout, Duration minBackoff, Duration maxBackoff, Duration outcomeDeadline,
      int parallelism, String logLevel) {
    // a site's restart after a failed write must not outlast a try (a third of the site timeout), or
    // the run would depend on the machine's speed: 1 s a try leaves a cold JVM its margin
    public static final Settings DEFAULTS = new Settings(100, Duration.ofSeconds(3), Duration.ofMillis(10), Duration.ofMillis(100),
        Duration.ofSeconds(60), 48, "OFF");

    public Settings withParallelism(int runsAtOnce) {
      return new Settings(timeScale, siteTimeout, minBackoff, maxBackoff, outcomeDeadline, runsAtOnce, logLevel);
    }

    public Settings withOutcomeDeadline(Duration deadline) {
      return new Settings(timeScale, siteTimeout, minBackoff, maxBackoff, deadline, parallelism, logLevel);
    }

    public Settings withLogLevel(String level) {
      return new Settings(timeScale, siteTimeout, minBackoff, maxBackoff, outcomeDeadline, parallelism, level);
    }
  }

  /** A journal failure's restart comes back within this; and a late answer has arrived by then. */
  private static final Duration SETTLE = Duration.ofMillis(20);
  // (30 s: a site write waits for its durable journal write, which a machine at load 10-20 takes seconds to do)
  private static final Duration ASK = Duration.ofSeconds(30);
  /** A lease check repeated until the site has released every lease run out (its writes may fail). */
  private static final int LEASE_CHECKS = 50;
  private static final double SITE_SPEED = 1.0;
  private static final double SITE_PRICE = 0.1;

  private final ActorSystem<SpawnProtocol.Command> system;
  private final Settings settings;
  private final JournalFaults journalFaults;
  private final JdbcReadJournal readJournal;
  private final AtomicInteger instances = new AtomicInteger();

  /**
   * A harness on an actor system of {@code node}'s configuration (its journal: H2 in a directory of
   * the caller's, whose schema the caller made, as a node does: {@code JournalCheck.prepare}).
   */
  public SagaFaultHarness(Config node, Settings settings) {
    this.settings = settings;
    this.system = ActorSystem.create(SpawnProtocol.create(), "faults", config(node, settings.logLevel()));
    this.journalFaults = JournalFaults.get(system.classicSystem());
    this.readJournal = PersistenceQuery.get(system.classicSystem()).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
  }

  /**
   * Silences the logs of the actors the faults strike (with logback, vmflock's logger): each
   * injected journal failure is logged with its stack trace where it strikes, thousands of times in
   * a bench; the harness reports what matters itself. Closing the answer puts the levels back (a
   * test shares its JVM with others that read those logs).
   */
  public static AutoCloseable silenceActorLogs() {
    java.util.Map<String, ch.qos.logback.classic.Level> before = new java.util.HashMap<>();
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logs) {
      for (String name : List.of("org.vmflock.execute", "org.vmflock.site", "org.apache.pekko")) {
        before.put(name, logs.getLogger(name).getLevel());
        logs.getLogger(name).setLevel(ch.qos.logback.classic.Level.OFF);
      }
    }
    return () -> {
      if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logs) {
        before.forEach((name, level) -> logs.getLogger(name).setLevel(level));
      }
    };
  }

  /** {@code node}'s configuration, local, logging at {@code logLevel}, with the journal that fails writes on demand. */
  static Config config(Config node, String logLevel) {
    return ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.loglevel = "%s"
        pekko.stdout-loglevel = OFF
        pekko.log-dead-letters = off
        pekko.persistence.journal.plugin = "vmflock-faulty-journal"
        # the circuit breaker would fail every write after a few injected failures
        vmflock-faulty-journal = ${jdbc-journal} {
          class = "org.vmflock.execute.faults.FaultyJournal"
          circuit-breaker.max-failures = 1000000000
        }
        """.formatted(logLevel)).withFallback(node).resolve();
  }

  /** Runs {@code runs} seeds from {@code firstSeed} on, several at a time; {@code done} is told each run as it ends. */
  public List<FaultRun> runAll(long firstSeed, int runs, Consumer<FaultRun> done) {
    return runAll(java.util.stream.LongStream.range(firstSeed, firstSeed + runs).boxed().toList(), done);
  }

  /** Runs {@code seeds}, several at a time; {@code done} is told each run as it ends. The runs come back in the order of the seeds. */
  public List<FaultRun> runAll(List<Long> seeds, Consumer<FaultRun> done) {
    ExecutorService pool = Executors.newFixedThreadPool(settings.parallelism(), r -> {
      Thread t = new Thread(r, "fault-run");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<FaultRun>> futures = new ArrayList<>();
      for (long seed : seeds) {
        futures.add(pool.submit(() -> {
          FaultRun r = run(seed);
          done.accept(r);
          return r;
        }));
      }
      List<FaultRun> all = new ArrayList<>();
      for (Future<FaultRun> f : futures) {
        all.add(f.get());
      }
      return all;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a fault run failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** One run of {@code seed}, to its end and its checks. */
  public FaultRun run(long seed) {
    RunPlan plan = RunPlan.of(seed, instances.incrementAndGet());
    Injected injected = new Injected();
    SimulatedWorld world = new SimulatedWorld().site(plan.source(), plan.sourceCapacity()).site(plan.destination(), plan.destinationCapacity());
    plan.atSource().forEach(vm -> world.place(vm, plan.source()));
    plan.atDestination().forEach(vm -> world.place(vm, plan.destination()));
    Object lock = new Object();
    ManualClock clock = new ManualClock(RunPlan.T0);
    CompletableFuture<RunActor.Refs> refs = new CompletableFuture<>();
    RunActor.Outcomes outcomes = new RunActor.Outcomes();
    ActorRef<Object> run = await(AskPattern.<SpawnProtocol.Command, ActorRef<Object>>ask(system,
        replyTo -> new SpawnProtocol.Spawn<>(RunActor.create(plan, world, lock, clock, injected, settings, refs, outcomes), plan.tag(), Props.empty(),
            replyTo), ASK, system.scheduler()).toCompletableFuture(), "spawning the run");
    RunActor.Refs r = await(refs, "the run's actors");
    List<String> sagaPid = List.of(PersistenceId.of(SagaActor.TYPE_KEY.name(), plan.order().migrationId()).id());
    try {
      define(r.source(), plan.source(), plan.sourceCapacity(), plan.atSource());
      define(r.destination(), plan.destination(), plan.destinationCapacity(), plan.atDestination());
      registerJournalFaults(plan, injected);
      run.tell(RunActor.StartSaga.INSTANCE);
      List<String> problems = new ArrayList<>();
      try {
        outcomes.first.get(settings.outcomeDeadline().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        problems.add("no outcome within " + settings.outcomeDeadline().toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
      // a crashed incarnation's last answers may still be on their way; and a second report
      Duration settle = injected.crashes.get() > 0 ? settings.siteTimeout().plus(SETTLE) : SETTLE;
      await(AskPattern.<Object, Boolean>ask(run, replyTo -> new RunActor.Settle(settle, replyTo), ASK.plus(settle), system.scheduler())
          .toCompletableFuture(), "settling");
      for (ActorRef<Object> link : List.of(r.sourceLink(), r.destinationLink())) {
        await(AskPattern.<Object, Boolean>ask(link, SiteLink.Flush::new, ASK, system.scheduler()).toCompletableFuture(), "flushing a link");
      }
      unregisterJournalFaults(plan);
      Map<String, SiteBooks> books = Map.of(plan.source(), books(r.source()), plan.destination(), books(r.destination()));
      List<SagaEvent> events = await(readJournal.currentEventsByPersistenceId(sagaPid.get(0), 0, Long.MAX_VALUE)
          .map(e -> (SagaEvent) e.event()).runWith(Sink.seq(), system).toCompletableFuture(), "reading the saga's journal");
      problems.addAll(outcomes.unexpected);
      List<SagaPhase> told = outcomes.told.stream().map(SagaActor.Finished::outcome).toList();
      FaultRun.Result checked;
      String worldState;
      synchronized (lock) {
        checked = FaultRun.check(plan, world, books, events, told, problems);
        worldState = world.instances() + " " + world.reservations() + " " + world.routes();
      }
      Optional<SagaActor.Finished> first = outcomes.told.stream().findFirst();
      String signature = neutral(plan, events + "\n" + worldState + "\n" + books.get(plan.source()) + " " + books.get(plan.destination()) + "\n"
          + told);
      return new FaultRun(seed, plan.kind(), first.map(SagaActor.Finished::outcome), first.map(SagaActor.Finished::reason).orElse(""),
          told.size(), injected.snapshot().withLeaseExpiries(leaseExpiries(world, lock)), checked.checks(),
          checked.violations().stream().map(v -> neutral(plan, v)).toList(), signature);
    } finally {
      unregisterJournalFaults(plan);
      run.tell(RunActor.Stop.INSTANCE);
    }
  }

  private static int leaseExpiries(SimulatedWorld world, Object lock) {
    synchronized (lock) {
      return world.leaseExpiries().size();
    }
  }

  /** The run's own names and the actors' addresses made neutral, so that two runs of a seed compare. */
  private static String neutral(RunPlan plan, String s) {
    return s.replace(plan.tag(), "run").replaceAll("pekko://[^\\s\\]]+", "<actor>");
  }

  private void registerJournalFaults(RunPlan plan, Injected injected) {
    List<String> ids = List.of(PersistenceId.of(SagaActor.TYPE_KEY.name(), plan.order().migrationId()).id(),
        SiteActor.persistenceId(plan.source()).id(), SiteActor.persistenceId(plan.destination()).id());
    for (int entity = 0; entity < ids.size(); entity++) {
      int e = entity;
      journalFaults.register(ids.get(entity), new JournalFaults.Entity() {
        private int writes;
        private int failed;

        @Override
        public RunPlan.JournalFault nextWrite() {
          RunPlan.JournalFault f = plan.journal(e, writes++, failed);
          if (f != RunPlan.JournalFault.NONE) {
            failed++;
            injected.journalFailures.incrementAndGet();
          }
          return f;
        }
      });
    }
  }

  private void unregisterJournalFaults(RunPlan plan) {
    journalFaults.unregister(PersistenceId.of(SagaActor.TYPE_KEY.name(), plan.order().migrationId()).id());
    journalFaults.unregister(SiteActor.persistenceId(plan.source()).id());
    journalFaults.unregister(SiteActor.persistenceId(plan.destination()).id());
  }

  private void define(ActorRef<SiteActor.Command> site, String name, Capacity capacity, List<Vm> vms) {
    Site s = new Site(name, capacity, SITE_SPEED, PriceSchedule.flat(SITE_PRICE), 0, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 1.25e9),
        List.of());
    SiteActor.Reply defined = await(AskPattern.<SiteActor.Command, SiteActor.Reply>ask(site,
        replyTo -> new SiteActor.Change(new EnvironmentChange.Define(s, List.of(), Optional.empty()), replyTo), ASK, system.scheduler())
        .toCompletableFuture(), "defining a site");
    SiteActor.Reply placed = await(AskPattern.<SiteActor.Command, SiteActor.Reply>ask(site,
        replyTo -> new SiteActor.PlaceAll(vms.stream().map(vm -> new SiteActor.Booking(vm.name(), Capacity.of(vm))).toList(), replyTo), ASK,
        system.scheduler()).toCompletableFuture(), "placing a site's VMs");
    if (!(defined instanceof SiteActor.Accepted) || !(placed instanceof SiteActor.Accepted)) {
      throw new IllegalStateException("site " + name + " refused its set-up: " + defined + ", " + placed);
    }
  }

  private SiteBooks books(ActorRef<SiteActor.Command> site) {
    SiteActor.BooksPage page = await(AskPattern.<SiteActor.Command, SiteActor.BooksPage>ask(site,
        replyTo -> new SiteActor.GetBooks(Optional.empty(), replyTo), ASK, system.scheduler()).toCompletableFuture(), "reading a site's books");
    return new SiteBooks(page.placed(), page.reservations().stream()
        .collect(java.util.stream.Collectors.toMap(SiteBooks.Reservation::id, x -> x, (a, b) -> a, java.util.TreeMap::new)));
  }

  private static <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(ASK.toMillis() * 2, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(what + " failed: " + e, e);
    }
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // the system is going away anyway
    }
  }

  // ---------------------------------------------------------------- one run's actors

  /** The parent of one run's actors: its two sites, their links, and the saga's incarnations, which it crashes and resumes. */
  static final class RunActor {
    // the harness's own messages never leave its JVM: no serialization to check
    enum StartSaga implements NoSerializationVerificationNeeded { INSTANCE }

    enum CrashSaga implements NoSerializationVerificationNeeded { INSTANCE }

    enum Stop implements NoSerializationVerificationNeeded { INSTANCE }

    record SagaStopped(int incarnation) implements NoSerializationVerificationNeeded {}

    record Reported(SagaActor.Report report) implements NoSerializationVerificationNeeded {}

    /** Answers once {@code after} has passed (real time): late messages have arrived by then. */
    record Settle(Duration after, ActorRef<Boolean> replyTo) implements NoSerializationVerificationNeeded {}

    private record Settled(ActorRef<Boolean> replyTo) implements NoSerializationVerificationNeeded {}

    record Refs(ActorRef<SiteActor.Command> source, ActorRef<SiteActor.Command> destination, ActorRef<Object> sourceLink,
        ActorRef<Object> destinationLink) {}

    /** What the saga reported, and what went wrong around it; filled by the run's actor, read by the harness. */
    static final class Outcomes {
      final CompletableFuture<SagaActor.Finished> first = new CompletableFuture<>();
      final List<SagaActor.Finished> told = new CopyOnWriteArrayList<>();
      final List<String> unexpected = new CopyOnWriteArrayList<>();
    }

    static Behavior<Object> create(RunPlan plan, SimulatedWorld world, Object lock, ManualClock clock, Injected injected, Settings settings,
        CompletableFuture<Refs> refs, Outcomes outcomes) {
      return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
        SiteActor.Settings siteSettings = new SiteActor.Settings(Duration.ofDays(1), settings.minBackoff(), settings.maxBackoff());
        ActorRef<SiteActor.Command> source = ctx.spawn(SiteActor.create(plan.source(), clock, siteSettings), "source");
        ActorRef<SiteActor.Command> destination = ctx.spawn(SiteActor.create(plan.destination(), clock, siteSettings), "destination");
        ActorRef<Object> self = ctx.getSelf();
        Runnable crash = () -> self.tell(CrashSaga.INSTANCE);
        ActorRef<Object> sourceLink = ctx.spawn(SiteLink.create(source, plan.source(), plan, injected, crash), "source-link");
        ActorRef<Object> destinationLink = ctx.spawn(SiteLink.create(destination, plan.destination(), plan, injected, crash), "destination-link");
        FaultyActuator actuator = new FaultyActuator(world, clock, lock, plan, injected, crash,
            () -> expireLeases(ctx, destination, clock, injected));
        SagaActor.Dependencies deps = new SagaActor.Dependencies(actuator, clock, settings.timeScale(),
            site -> site.equals(plan.source()) ? sourceLink.narrow() : destinationLink.narrow(), plan.lease(), settings.siteTimeout(),
            settings.minBackoff(), settings.maxBackoff());
        refs.complete(new Refs(source, destination, sourceLink, destinationLink));
        ActorRef<SagaActor.Report> reports = ctx.messageAdapter(SagaActor.Report.class, Reported::new);
        return new RunActor(ctx, plan, deps, reports, outcomes).behavior(timers);
      }));
    }

    /**
     * The destination site's expired leases released now, as its lease timer would (it is off: the
     * sites' time is the run's virtual time). Called on the actuator's thread, which may block.
     */
    private static void expireLeases(ActorContext<Object> ctx, ActorRef<SiteActor.Command> site, ManualClock clock, Injected injected) {
      ActorSystem<Void> system = ctx.getSystem();
      for (int i = 0; i < LEASE_CHECKS; i++) {
        SiteActor.BooksPage page = await(AskPattern.<SiteActor.Command, SiteActor.BooksPage>ask(site,
            replyTo -> new SiteActor.GetBooks(Optional.empty(), replyTo), ASK, system.scheduler()).toCompletableFuture(), "a lease check");
        if (page.reservations().stream().noneMatch(r -> !r.leaseUntil().isAfter(clock.now()))) {
          return;
        }
        site.tell(SiteActor.ExpireLeases.INSTANCE);
      }
      throw new IllegalStateException("site " + site + " kept leases run out after " + LEASE_CHECKS + " checks");
    }

    private final ActorContext<Object> ctx;
    private final RunPlan plan;
    private final SagaActor.Dependencies deps;
    private final ActorRef<SagaActor.Report> reports;
    private final Outcomes outcomes;
    private ActorRef<SagaActor.Command> saga;
    private int incarnation;
    private boolean stopping;

    private RunActor(ActorContext<Object> ctx, RunPlan plan, SagaActor.Dependencies deps, ActorRef<SagaActor.Report> reports, Outcomes outcomes) {
      this.ctx = ctx;
      this.plan = plan;
      this.deps = deps;
      this.reports = reports;
      this.outcomes = outcomes;
    }

    private Behavior<Object> behavior(org.apache.pekko.actor.typed.javadsl.TimerScheduler<Object> timers) {
      return Behaviors.receive(Object.class)
          .onMessageEquals(StartSaga.INSTANCE, () -> {
            spawnSaga();
            saga.tell(new SagaActor.Start(plan.order(), plan.policy(), reports));
            return Behaviors.same();
          })
          .onMessage(Reported.class, r -> {
            if (r.report() instanceof SagaActor.Finished f) {
              outcomes.told.add(f);
              outcomes.first.complete(f);
            }
            return Behaviors.same();
          })
          .onMessageEquals(CrashSaga.INSTANCE, () -> {
            // a crash asked for once the saga has ended comes too late (the saga outran it): as a
            // manager would, the harness resumes only a saga that has not told its end
            if (saga != null && !stopping && !outcomes.first.isDone()) {
              stopping = true;
              ctx.stop(saga);
            }
            return Behaviors.same();
          })
          .onMessage(SagaStopped.class, s -> {
            if (s.incarnation() != incarnation) {
              return Behaviors.same();
            }
            if (!stopping) {
              outcomes.unexpected.add("the saga actor (incarnation " + incarnation + ") stopped by itself");
              return Behaviors.same();
            }
            stopping = false;
            spawnSaga();
            saga.tell(new SagaActor.Resume(reports));
            if (plan.resumeTwice()) {
              // as a manager would after its own failover: a Start to a started saga is a Resume
              saga.tell(new SagaActor.Start(plan.order(), plan.policy(), reports));
            }
            return Behaviors.same();
          })
          .onMessage(Settle.class, s -> {
            timers.startSingleTimer(new Settled(s.replyTo()), s.after());
            return Behaviors.same();
          })
          .onMessage(Settled.class, s -> {
            s.replyTo().tell(true);
            return Behaviors.same();
          })
          .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
          .build();
    }

    private void spawnSaga() {
      incarnation++;
      saga = ctx.spawn(SagaActor.create(plan.order().migrationId(), deps), "saga-" + incarnation);
      ctx.watchWith(saga, new SagaStopped(incarnation));
    }
  }
}
