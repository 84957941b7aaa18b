package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;
import org.vmflock.testing.TestPostgresql;

/**
 * The journal and snapshots on a real PostgreSQL (K3), a database of its own per test: the schema
 * is created on a new database, once even when nodes start together; a node's site actor comes back
 * from the journal and its snapshots after the node restarts; and a restart of the PostgreSQL server
 * while the site actor writes loses no acknowledged event: the actor meets the failure, backs off,
 * recovers and goes on.
 */
class PostgresqlJournalTest {

  private static final Duration ASK = Duration.ofSeconds(5);
  private static final Duration SETTLE = Duration.ofSeconds(60);
  private static final long GIB = 1L << 30;
  private static final Capacity VM = new Capacity(1, 1, GIB);
  private static final String SITE = "rennes";
  // more than the site actor's snapshot interval (200 events): recovery reads a snapshot, then events
  private static final int PLACED = 230;

  private TestPostgresql db;

  @BeforeEach
  void database() {
    db = TestPostgresql.create("journal");
  }

  @AfterEach
  void drop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void nodesStartingTogetherOnANewDatabaseCreateTheSchemaOnce(@TempDir Path dir) throws Exception {
    com.typesafe.config.Config config = TestConfigs.node(dir, db.journal());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<JournalCheck.Finding>> starts = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        starts.add(pool.submit(() -> JournalCheck.prepare(config)));
      }
      int fresh = 0;
      for (Future<JournalCheck.Finding> f : starts) {
        JournalCheck.State s = f.get(SETTLE.toSeconds(), TimeUnit.SECONDS).state();
        assertTrue(s == JournalCheck.State.NEW || s == JournalCheck.State.EMPTY, s.toString());
        fresh += s == JournalCheck.State.NEW ? 1 : 0;
      }
      assertTrue(fresh >= 1, "the first found no journal");
    } finally {
      pool.shutdownNow();
    }
    assertEquals(Set.of("durable_state", "event_journal", "event_tag", "snapshot"), tables());
    assertEquals(JournalCheck.State.EMPTY, JournalCheck.prepare(config).state(), "a later start finds the schema, with no event");
  }

  @Test
  void aSiteActorComesBackFromTheJournalAndItsSnapshotsAfterTheNodeRestarts(@TempDir Path dir) throws Exception {
    com.typesafe.config.Config config = TestConfigs.node(dir, db.journal());
    List<String> placed = new ArrayList<>();
    try (VmflockNode node = start(config)) {
      assertEquals(JournalCheck.State.NEW, node.journal().state(), node.journal().toString());
      define(node);
      for (int i = 0; i < PLACED; i++) {
        String vm = String.format("vm-%04d", i);
        assertInstanceOf(SiteActor.Accepted.class, place(node, vm));
        placed.add(vm);
      }
    }
    assertTrue(rows("snapshot") > 0, "the site actor took a snapshot in PostgreSQL");
    try (VmflockNode node = start(config)) {
      assertEquals(JournalCheck.State.HOLDS_EVENTS, node.journal().state());
      assertEquals(placed, List.copyOf(books(node)), "every VM placed before the restart");
      assertInstanceOf(SiteActor.Accepted.class, place(node, "vm-after"), "the actor goes on");
    }
  }

  @Test
  void aPostgresqlRestartWhileTheSiteActorWritesLosesNoAcknowledgedEvent(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "restarting the PostgreSQL server (pg_ctlcluster) needs root");
    Map<String, Object> overrides = new HashMap<>(db.journal());
    // the journal plugin's circuit breaker, open after 10 failures, fails every call for its reset timeout (30 s by default)
    overrides.putAll(Map.of("vmflock.journal.failure-backoff.max", "2s",
        "jdbc-journal.circuit-breaker.reset-timeout", "2s", "jdbc-snapshot-store.circuit-breaker.reset-timeout", "2s"));
    com.typesafe.config.Config config = TestConfigs.node(dir, overrides);
    Set<String> acknowledged = new TreeSet<>();
    int unanswered = 0;
    try (VmflockNode node = start(config)) {
      define(node);
      CompletableFuture<Void> restart = null;
      int afterRestart = 0;
      long deadline = System.nanoTime() + SETTLE.toNanos();
      for (int i = 0; afterRestart < 40; i++) {
        assertTrue(System.nanoTime() < deadline, "40 writes acknowledged after the restart within " + SETTLE
            + " (acknowledged " + acknowledged.size() + ", unanswered " + unanswered + ")");
        if (restart == null && acknowledged.size() == 40) {
          // the server goes down and comes back while the actor keeps writing
          restart = CompletableFuture.runAsync(db::restartServer);
        }
        String vm = String.format("vm-%04d", i);
        boolean done = restart != null && restart.isDone();
        try {
          assertInstanceOf(SiteActor.Accepted.class, place(node, vm));
          acknowledged.add(vm);
          afterRestart += done ? 1 : 0;
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.TimeoutException e) {
          unanswered++; // persisted or not: only what was acknowledged must be there
        }
      }
      restart.join();
      assertTrue(unanswered > 0, "the restart cut the journal's connections: some writes were not acknowledged");
      Set<String> held = books(node);
      assertTrue(held.containsAll(acknowledged), "the running actor holds every acknowledged VM; missing: " + missing(acknowledged, held));
    }
    try (VmflockNode node = start(config)) {
      Set<String> held = books(node);
      assertTrue(held.containsAll(acknowledged), "recovered from the journal, every acknowledged VM; missing: " + missing(acknowledged, held));
    }
  }

  private static Set<String> missing(Set<String> expected, Set<String> held) {
    Set<String> m = new TreeSet<>(expected);
    m.removeAll(held);
    return m;
  }

  private static VmflockNode start(com.typesafe.config.Config config) {
    VmflockNode node = VmflockNode.start("pg-journal", config, Clock.system());
    SiteActor.initSharding(node.sharding(), node.clock(), new SiteActor.Settings(Duration.ofHours(1),
        config.getDuration("vmflock.journal.failure-backoff.min"), config.getDuration("vmflock.journal.failure-backoff.max")));
    return node;
  }

  private static void define(VmflockNode node) {
    Site s = new Site(SITE, new Capacity(10_000, 10_000, 10_000 * GIB), 1.0, PriceSchedule.flat(0.05), 0.01, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    SiteActor.Reply r = VmflockNode.await(AskPattern.ask(node.sites().apply(SITE),
        (ActorRef<SiteActor.Reply> to) -> new SiteActor.Change(new EnvironmentChange.Define(s, List.of(), Optional.empty()), to), SETTLE,
        node.system().scheduler()), "defining the site", SETTLE);
    assertInstanceOf(SiteActor.Accepted.class, r);
  }

  private static SiteActor.Reply place(VmflockNode node, String vm) throws java.util.concurrent.TimeoutException {
    try {
      return AskPattern.ask(node.sites().apply(SITE), (ActorRef<SiteActor.Reply> to) -> new SiteActor.Place(vm, VM, Optional.empty(), to), ASK,
          node.system().scheduler()).toCompletableFuture().get(ASK.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new java.util.concurrent.CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The VMs the site's books hold, every page. */
  private static Set<String> books(VmflockNode node) {
    Set<String> vms = new TreeSet<>();
    Optional<String> after = Optional.empty();
    while (true) {
      Optional<String> from = after;
      SiteActor.BooksPage page = VmflockNode.await(AskPattern.ask(node.sites().apply(SITE),
          (ActorRef<SiteActor.BooksPage> to) -> new SiteActor.GetBooks(from, to), SETTLE, node.system().scheduler()), "books", SETTLE);
      vms.addAll(page.placed().keySet());
      if (!page.more() || page.placed().isEmpty()) {
        return vms;
      }
      after = Optional.of(page.placed().lastKey());
    }
  }

  private long rows(String table) throws Exception {
    try (Connection c = db.connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    }
  }

  private Set<String> tables() throws Exception {
    Set<String> names = new TreeSet<>();
    try (Connection c = db.connect(); ResultSet r = c.getMetaData().getTables(null, "public", "%", new String[] {"TABLE"})) {
      while (r.next()) {
        names.add(r.getString("TABLE_NAME"));
      }
    }
    return names;
  }
}
