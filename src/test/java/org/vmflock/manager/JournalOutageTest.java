package org.vmflock.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.StepResult;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.PacedActuator;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
import org.vmflock.knowledge.DecisionKind;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.VmflockNode;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;
import org.vmflock.testing.TestPostgresql;
import org.junit.jupiter.api.Assumptions;

/**
 * The real journal fails for a few seconds in the middle of a migration (issue 10, item 9): on H2,
 * the journal table is renamed away from another connection to the same database when a migration
 * reaches a given step, and back {@link #OUTAGE} later; on PostgreSQL (issue 15), the server is
 * stopped (every connection cut) and started again {@link #OUTAGE} later. Every event-sourced actor
 * that meets the failure restarts with a backoff and recovers; the migrations complete or roll back, every VM
 * ends in exactly one place (the simulated hypervisors, the site actors' books and the manager
 * agree), and no reservation is left.
 */
class JournalOutageTest {

  private static final Duration OUTAGE = Duration.ofSeconds(3);
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final long GIB = 1L << 30;
  private static final List<String> SITES = List.of("a", "b");

  /** What makes the journal fail, and what ends it. */
  private interface Outage {
    void begin();

    void end();
  }

  /** Renames the H2 journal table away, and back. */
  private record RenamedTable(String url) implements Outage {
    @Override
    public void begin() {
      rename("\"event_journal\"", "\"event_journal_away\"");
    }

    @Override
    public void end() {
      rename("\"event_journal_away\"", "\"event_journal\"");
    }

    private void rename(String from, String to) {
      try (Connection c = new org.h2.Driver().connect(url, new java.util.Properties()); Statement s = c.createStatement()) {
        s.execute("ALTER TABLE PUBLIC." + from + " RENAME TO " + to);
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Stops the PostgreSQL server, and starts it again. */
  private record StoppedServer(TestPostgresql db) implements Outage {
    @Override
    public void begin() {
      db.stopServer();
    }

    @Override
    public void end() {
      db.startServer();
    }
  }

  /** Begins the outage on the first step {@code at} of any migration, and ends it after {@link #OUTAGE}. */
  private static final class OutageActuator implements Actuator {
    private final Actuator actual;
    private final MigrationStep at;
    private final Outage outage;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
    final CompletableFuture<String> began = new CompletableFuture<>();
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    final List<String> performed = Collections.synchronizedList(new ArrayList<>());

    OutageActuator(Actuator actual, MigrationStep at, Outage outage) {
      this.actual = actual;
      this.at = at;
      this.outage = outage;
    }

    @Override
    public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
      performed.add(order.migrationId() + " " + step);
      if (step == at && failed.compareAndSet(false, true)) {
        try {
          outage.begin();
        } catch (RuntimeException e) {
          began.completeExceptionally(e);
          throw e;
        }
        began.complete(order.migrationId());
        timer.schedule(() -> {
          try {
            outage.end();
            ended.complete(null);
          } catch (RuntimeException e) {
            ended.completeExceptionally(e);
          }
        }, OUTAGE.toMillis(), TimeUnit.MILLISECONDS);
      }
      return actual.perform(order, step, attempt, progress);
    }

    @Override
    public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
      performed.add(order.migrationId() + " " + step);
      return actual.compensate(order, step, attempt);
    }

  }

  /** Counts the restarts on a journal failure that actors log (Pekko's supervisor logs each, with the failure). */
  private static final class JournalFailuresLogged extends ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent>
      implements AutoCloseable {
    private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
    private final ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    JournalFailuresLogged() {
      setContext(root.getLoggerContext());
      start();
      root.addAppender(this);
    }

    @Override
    protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
      for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        if (t.getClassName().endsWith(".JournalFailureException")) {
          count.incrementAndGet();
          return;
        }
      }
    }

    int count() {
      return count.get();
    }

    @Override
    public void close() {
      root.detachAppender(this);
      stop();
    }
  }

  @ParameterizedTest
  @EnumSource(value = MigrationStep.class, names = {"RESERVE", "PRECOPY", "COMMIT", "NETWORK_UPDATE"})
  void aJournalOutageInTheMiddleOfAMigrationEndsWithEveryVmInOnePlace(MigrationStep at, @TempDir Path dir) throws Exception {
    var config = TestConfigs.node(dir, overrides(Map.of()));
    outageInTheMiddleOfAMigration(at, config, new RenamedTable(NodeConfig.h2Url(config)));
  }

  @ParameterizedTest
  @EnumSource(value = MigrationStep.class, names = {"PRECOPY", "COMMIT"})
  void aPostgresqlServerStoppedInTheMiddleOfAMigrationEndsWithEveryVmInOnePlace(MigrationStep at, @TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "stopping the PostgreSQL server (pg_ctlcluster) needs root");
    try (TestPostgresql db = TestPostgresql.create("outage")) {
      outageInTheMiddleOfAMigration(at, TestConfigs.node(dir, overrides(db.journal())), new StoppedServer(db));
    }
  }

  private static Map<String, Object> overrides(Map<String, Object> journal) {
    // the journal plugin's circuit breaker, open after 10 failures, fails every call for its reset timeout (30 s by default)
    Map<String, Object> overrides = new HashMap<>(Map.of("vmflock.manager.debounce", "1h", "vmflock.journal.failure-backoff.max", "2s",
        "jdbc-journal.circuit-breaker.reset-timeout", "2s", "jdbc-snapshot-store.circuit-breaker.reset-timeout", "2s"));
    overrides.putAll(journal);
    return overrides;
  }

  private static void outageInTheMiddleOfAMigration(MigrationStep at, com.typesafe.config.Config config, Outage outage) throws Exception {
    ManualClock clock = new ManualClock(ControllerFixture.START);
    try (JournalFailuresLogged restarts = new JournalFailuresLogged(); VmflockNode node = VmflockNode.start("outage", config, clock)) {
      ManagerSettings settings = ManagerSettings.from(config);
      NetworkPath wan = new NetworkPath(Duration.ofMillis(2), 10e9 / 8);
      SimulatedFederation federation = new SimulatedFederation(clock, settings.planning().migration(), (x, y) -> wan, FaultPlan.none(), 1);
      OutageActuator actuator = new OutageActuator(new PacedActuator(federation.actuator(), ControllerFixture.TIME_SCALE), at, outage);
      ActorRef<MigrationManager.Command> manager = node.startController(settings, actuator, federation, ControllerFixture.TIME_SCALE, Duration.ofHours(1));
      TestProbe<Object> probe = TestProbe.create(node.system());
      for (String site : SITES) {
        Capacity cap = new Capacity(8, 32, 64 * GIB);
        Site s = new Site(site, cap, 1.0, PriceSchedule.flat(0.05), 0.01, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
        assertInstanceOf(SiteActor.Accepted.class, change(node, site, new EnvironmentChange.Define(s, List.of(), Optional.empty())));
        federation.site(site, cap);
      }
      manager.tell(new MigrationManager.WatchSites(SITES, node.system().ignoreRef()));
      probe.awaitAssert(SETTLE, () -> {
        assertEquals(SITES, ControllerFixture.status(node, manager).sites().stream().map(StatusPage.SiteLine::name).toList());
        return null;
      });
      Application app = ControllerFixture.cg("app", 8, Objective.COST);
      assertInstanceOf(MigrationManager.Accepted.class, VmflockNode.await(AskPattern.ask(manager,
          (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.Submit(app, ControllerFixture.all(app, "a"), r),
          SETTLE, node.system().scheduler()), "submit", SETTLE));

      // a price rise at a moves the four VMs to b; the journal fails when the first migration reaches step `at`
      assertInstanceOf(SiteActor.Accepted.class, change(node, "a", new EnvironmentChange.Price("*", clock.now(), 0.30)));
      MigrationManager.CycleReport cycle = VmflockNode.await(AskPattern.ask(manager,
          (ActorRef<MigrationManager.CycleReport> r) -> new MigrationManager.RunCycle(java.util.Set.of("app"), r), SETTLE,
          node.system().scheduler()), "cycle", SETTLE);
      DecisionRecord move = cycle.decisions().stream().filter(d -> d.kind() == DecisionKind.MIGRATE).findFirst().orElseThrow();
      actuator.began.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
      actuator.ended.get(SETTLE.toSeconds(), TimeUnit.SECONDS);

      StatusPage[] settled = new StatusPage[1];
      probe.awaitAssert(SETTLE, () -> {
        settled[0] = ControllerFixture.status(node, manager);
        assertTrue(settled[0].inFlight().isEmpty(), "migrations in flight: " + settled[0].inFlight());
        return null;
      });
      StatusPage k = settled[0];
      assertTrue(restarts.count() > 0, "actors met the journal's failure and restarted");
      assertTrue(!ControllerFixture.decision(k, move.id()).outcome().equals("pending"), "the decision's outcome is recorded");

      // every VM in exactly one place, the same for the hypervisors, the site actors and the manager; nothing reserved
      Map<String, SiteActor.BooksPage> books = new HashMap<>();
      for (String site : SITES) {
        books.put(site, VmflockNode.await(AskPattern.ask(node.sites().apply(site),
            (ActorRef<SiteActor.BooksPage> r) -> new SiteActor.GetBooks(Optional.empty(), r), SETTLE, node.system().scheduler()), "books of " + site, SETTLE));
      }
      Map<String, String> known = ControllerFixture.placement(k);
      for (String vm : app.vmNames()) {
        List<SimulatedWorld.Instance> runs = federation.instances().stream().filter(i -> i.vm().name().equals(vm) && i.state().theVm()).toList();
        assertEquals(1, runs.size(), vm + " runs in exactly one place: " + runs);
        String site = runs.get(0).site();
        assertEquals(site, known.get(vm), vm + ": the manager knows where it runs");
        assertEquals(List.of(site), SITES.stream().filter(s -> books.get(s).placed().containsKey(vm)).toList(), vm + ": one site's books hold it");
      }
      for (String site : SITES) {
        assertEquals(List.of(), books.get(site).reservations(), "no reservation left at " + site);
      }
      assertEquals(List.of(), federation.reservations(), "no reservation left at the hypervisors");
    }
  }

  private static SiteActor.Reply change(VmflockNode node, String site, EnvironmentChange c) {
    return VmflockNode.await(AskPattern.ask(node.sites().apply(site), (ActorRef<SiteActor.Reply> r) -> new SiteActor.Change(c, r), SETTLE,
        node.system().scheduler()), "site change", SETTLE);
  }

}
