package org.vmflock.node;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SpawnProtocol;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;
import org.vmflock.clock.Clock;
import org.vmflock.metrics.NodeMetrics;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.Provisioner;
import org.vmflock.execute.SagaActor;
import org.vmflock.control.ManagerSettings;
import org.vmflock.manager.MigrationManager;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SitePlacement;
import java.util.Optional;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

/**
 * A vmflock node: an actor system on the cluster provider (a single node joins itself, so sharding
 * is real even alone), its journal checked and its schema created if missing, and the collectors'
 * shard region (each site's collector on a node of the site when one is up: {@link SitePlacement}).
 */
public final class VmflockNode implements AutoCloseable {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration LEASE_CHECK = Duration.ofSeconds(1);

  private final ActorSystem<SpawnProtocol.Command> system;
  private final MonitorSettings monitor;
  private final ClusterSharding sharding;
  private final Clock clock;

  private final JournalCheck.Finding journal;
  private final Config config;
  private final NodeMetrics metrics = new NodeMetrics();
  private final org.vmflock.http.LiveStream live;
  private final org.vmflock.http.ObservedTrafficView traffic = new org.vmflock.http.ObservedTrafficView();
  /** Completed when the coordinated shutdown (Ctrl-C, downed, left) reaches the actor system's termination. */
  private final java.util.concurrent.CompletableFuture<Void> terminating = new java.util.concurrent.CompletableFuture<>();

  private VmflockNode(ActorSystem<SpawnProtocol.Command> system, MonitorSettings monitor, Clock clock, JournalCheck.Finding journal, Config config) {
    this.system = system;
    this.monitor = monitor;
    this.clock = clock;
    this.journal = journal;
    this.config = config;
    this.sharding = ClusterSharding.get(system);
    org.apache.pekko.actor.CoordinatedShutdown.get(system).addTask(org.apache.pekko.actor.CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "vmflock-node-terminating", () -> {
          terminating.complete(null);
          return java.util.concurrent.CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
        });
    this.live = org.vmflock.http.LiveStream.of(system, config);
    metrics.liveStream(live::clients, live::dropped, live::droppedEvents);
  }

  /**
   * Starts a node; joins itself unless {@code pekko.cluster.seed-nodes} names others. The journal is
   * checked first ({@link JournalCheck}): a damaged one stops the start with a {@link JournalException}.
   */
  public static VmflockNode start(String name, Config config, Clock clock) {
    MonitorSettings monitor = MonitorSettings.from(config);
    JournalCheck.Finding journal = JournalCheck.prepare(config);
    ActorSystem<SpawnProtocol.Command> system;
    try {
      system = ActorSystem.create(SpawnProtocol.create(), name, config);
    } catch (RuntimeException e) {
      JournalCheck.release(config);
      throw e;
    }
    try {
      Cluster cluster = Cluster.get(system);
      if (config.getStringList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      VmflockNode node = new VmflockNode(system, monitor, clock, journal, config);
      Collector.initSharding(node.sharding, monitor.collector(), monitor.snapshotEvery(), monitor.collectorTickInterval(), clock);
      return node;
    } catch (RuntimeException e) {
      system.terminate();
      system.getWhenTerminated().whenComplete((done, error) -> JournalCheck.release(config));
      throw e;
    }
  }

  /**
   * Why this node's actor system stopped or is stopping, unless for the JVM's exit (SIGTERM,
   * Ctrl-C): e.g. downed, by the split-brain resolver on the minority side of a partition. Empty
   * while it runs, and when the JVM exits.
   */
  public Optional<String> stopReason() {
    return org.apache.pekko.actor.CoordinatedShutdown.get(system).getShutdownReason()
        .map(r -> r.getClass().getSimpleName().replace("$", ""))
        .flatMap(name -> switch (name) {
          case "JvmExitReason" -> Optional.empty();
          case "ActorSystemTerminateReason" -> Optional.of("its actor system was terminated");
          case "ClusterDowningReason" -> Optional.of("downed: the cluster removed it, e.g. the split-brain resolver on the minority side of a partition");
          case "ClusterLeavingReason" -> Optional.of("it left the cluster");
          case "ClusterJoinUnsuccessfulReason" -> Optional.of("it could not join the cluster");
          case "IncompatibleConfigurationDetectedReason" -> Optional.of("its configuration is incompatible with the cluster's");
          default -> Optional.of(name);
        });
  }

  /**
   * Completes when this node's actor system has stopped, or {@code patience} after its coordinated
   * shutdown reached the system's termination if it has not stopped by then (seen on a node downed
   * in a partition: the phase {@code actor-system-terminate} timed out and the system stayed up, idle;
   * Pekko 1.7.0's Artery waits without a deadline for a remoting stream to a peer whose packets are
   * dropped, apache/pekko#3247, bounded upstream by #3317 after 1.7.0). What waits for the node to end is not kept waiting forever;
   * {@link #stopped()} tells which it was, {@link #actorTree()} what was still there.
   */
  public CompletionStage<Void> ended(Duration patience) {
    java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
    system.getWhenTerminated().whenComplete((done, error) -> ended.complete(null));
    terminating.thenRun(() -> java.util.concurrent.CompletableFuture.delayedExecutor(patience.toMillis(), TimeUnit.MILLISECONDS)
        .execute(() -> ended.complete(null)));
    return ended;
  }

  /** The actors of this node's system now, as Pekko prints them: what is left of a system that does not stop. */
  public String actorTree() {
    org.apache.pekko.actor.ActorSystem classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system);
    return classic instanceof org.apache.pekko.actor.ActorSystemImpl impl ? impl.printTree() : "(no tree of " + classic.getClass().getName() + ")";
  }

  /** Whether this node's actor system has stopped. */
  public boolean stopped() {
    return system.getWhenTerminated().toCompletableFuture().isDone();
  }

  /** What the journal held when the node started (new, empty, or events). */
  public JournalCheck.Finding journal() {
    return journal;
  }

  private NodeHealth health;

  /** Whether this node is ready: cluster membership and a journal write ({@code GET /health/ready}); its probe starts on the first call. */
  public synchronized NodeHealth health() {
    if (health == null) {
      health = new NodeHealth(system, spawn(NodeHealth.probe(system), "health-probe"));
    }
    return health;
  }

  /** What the manager on this node does, as it happens ({@code GET /api/stream}). */
  public org.vmflock.http.LiveStream live() {
    return live;
  }

  /** The last traffic the manager on this node observed ({@code GET /api/traffic}). */
  public org.vmflock.http.ObservedTrafficView traffic() {
    return traffic;
  }

  /** This node's metrics ({@code GET /metrics}). */
  public NodeMetrics metrics() {
    return metrics;
  }

  public ActorSystem<SpawnProtocol.Command> system() {
    return system;
  }

  public MonitorSettings monitorSettings() {
    return monitor;
  }

  public Clock clock() {
    return clock;
  }

  public ClusterSharding sharding() {
    return sharding;
  }

  /** The collector entity of each site. */
  public Function<String, RecipientRef<Collector.Command>> collectors() {
    return site -> sharding.entityRefFor(Collector.TYPE_KEY, site);
  }

  /**
   * Starts the controller on this node: the site actors and the migration sagas (sharded; the site
   * actors on nodes with role {@code site}, each on a node of its site when one is up), and the
   * migration manager (a cluster singleton, which runs on the oldest node with role {@code manager}).
   * Returns the singleton's proxy.
   */
  public ActorRef<MigrationManager.Command> startController(ManagerSettings settings, Actuator actuator, Provisioner provisioner,
      double timeScale, Duration tickInterval) {
    return startController(settings, actuator, provisioner, timeScale, tickInterval, java.util.List.of());
  }

  /** As {@link #startController(ManagerSettings, Actuator, Provisioner, double, Duration)}, its monitor asking the collectors of {@code collectorSites}. */
  public ActorRef<MigrationManager.Command> startController(ManagerSettings settings, Actuator actuator, Provisioner provisioner,
      double timeScale, Duration tickInterval, java.util.List<String> collectorSites) {
    return startController(settings, actuator, provisioner, timeScale, tickInterval,
        Optional.of(new MigrationManager.Monitoring(collectors(), monitor, collectorSites)));
  }

  /**
   * As {@link #startController(ManagerSettings, Actuator, Provisioner, double, Duration)}, with the
   * monitoring plane it is given: none, and the manager plans with the traffic the applications
   * were submitted with.
   */
  public ActorRef<MigrationManager.Command> startController(ManagerSettings settings, Actuator actuator, Provisioner provisioner,
      double timeScale, Duration tickInterval, Optional<MigrationManager.Monitoring> monitoring) {
    Function<String, RecipientRef<SiteActor.Command>> sites = site -> sharding.entityRefFor(SiteActor.TYPE_KEY, site);
    Function<String, RecipientRef<SagaActor.Command>> sagas = id -> sharding.entityRefFor(SagaActor.TYPE_KEY, id);
    // the backoff after a journal failure (vmflock.journal.failure-backoff), as the manager's and the collectors'
    Duration minBackoff = config.getDuration("vmflock.journal.failure-backoff.min");
    Duration maxBackoff = config.getDuration("vmflock.journal.failure-backoff.max");
    SiteActor.initSharding(sharding, clock, new SiteActor.Settings(LEASE_CHECK, minBackoff, maxBackoff));
    SagaActor.initSharding(sharding, new SagaActor.Dependencies(actuator, clock, timeScale, sites, settings.reservationLease(),
        settings.siteTimeout(), minBackoff, maxBackoff));
    MigrationManager.Dependencies deps = new MigrationManager.Dependencies(settings, clock, timeScale, sites, sagas, monitoring, provisioner,
        tickInterval, org.vmflock.control.ManagerObserver.all(java.util.List.of(metrics, live, traffic)));
    // on the oldest node with role manager (every node of the default configuration has it)
    return ClusterSingleton.get(system).init(SingletonActor.of(
        Behaviors.supervise(MigrationManager.create(deps)).onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
        MigrationManager.NAME).withSettings(ClusterSingletonSettings.create(system).withRole(SitePlacement.MANAGER_ROLE)));
  }

  /** The site actor of each site. */
  public Function<String, RecipientRef<SiteActor.Command>> sites() {
    return site -> sharding.entityRefFor(SiteActor.TYPE_KEY, site);
  }

  /** The sites whose collectors have a journal here, sorted. */
  public java.util.List<String> sitesInJournal() {
    JdbcReadJournal journal = PersistenceQuery.get(system).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    String prefix = Collector.TYPE_KEY.name() + PersistenceId.DefaultSeparator();
    return await(journal.currentPersistenceIds().runWith(Sink.seq(), system), "listing the journal's collectors").stream()
        .filter(id -> id.startsWith(prefix))
        .map(id -> id.substring(prefix.length()))
        .sorted()
        .toList();
  }

  /** Spawns a top-level actor; an empty name gives a generated one. */
  public <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
    return await(AskPattern.<SpawnProtocol.Command, ActorRef<T>>ask(system,
        r -> new SpawnProtocol.Spawn<>(behavior, name, Props.empty(), r), STARTUP_TIMEOUT, system.scheduler()), "spawning " + name);
  }

  /** Waits for a reply; a timeout or failure becomes an IllegalStateException naming what was awaited. */
  public static <T> T await(CompletionStage<T> stage, String what) {
    return await(stage, what, STARTUP_TIMEOUT);
  }

  public static <T> T await(CompletionStage<T> stage, String what, Duration timeout) {
    try {
      return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not finish within " + timeout.toSeconds() + " s");
    }
  }

  /** Whether this node's actor system has stopped, or its coordinated shutdown has reached the system's termination. */
  public boolean shutDown() {
    return terminating.isDone() || stopped();
  }

  /**
   * Stops the actor system, waiting up to 30 s; an {@link IllegalStateException} if it does not
   * stop. A node whose shutdown already ran to its end (downed, and {@link #ended} gave up waiting)
   * is not waited for again.
   */
  @Override
  public void close() {
    boolean ranAlready = terminating.isDone();
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(ranAlready ? 1 : SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      JournalCheck.release(config);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      if (!ranAlready) {
        throw new IllegalStateException("node " + system.name() + " did not stop within " + SHUTDOWN_TIMEOUT.toSeconds() + " s", e);
      }
    }
  }
}
