package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.node.VmflockNode;
import org.vmflock.testing.TestConfigs;

/**
 * A collector on the embedded H2 journal, behind Cluster Sharding, recovers the same statistics
 * when its node is restarted on the same journal: from its events and from a snapshot (taken every
 * three events here, older events then deleted); and reports written together, on H2 and on
 * PostgreSQL.
 */
class CollectorRecoveryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final long P = 60_000_000L;

  @Test
  void aRestartedNodeRecoversEveryPeriodFromTheJournal(@TempDir Path journal) {
    Map<String, Object> settings = Map.of("vmflock.collector.snapshot-every", 3, "vmflock.monitor.period", "30s");
    SiteSnapshot before;
    try (VmflockNode node = VmflockNode.start("recovery-1", TestConfigs.node(journal, settings), Clock.system())) {
      RecipientRef<Collector.Command> rennes = node.collectors().apply("rennes");
      Collector.Reply registered = ask(node, rennes, r -> new Collector.Register("h1", List.of(
          new RosterEntry("vm1", "h1", "02:00:00:00:00:01", List.of("10.0.0.1"), P),
          new RosterEntry("vm2", "h1", "02:00:00:00:00:02", List.of("10.0.0.2", "fd00::2"), P)), r));
      assertInstanceOf(Collector.Accepted.class, registered);
      for (long p = P; p < P + 5; p++) {
        for (String vm : List.of("vm1", "vm2")) {
          String peer = vm.equals("vm1") ? "10.0.0.2" : "10.0.0.1";
          VmTraffic t = new VmTraffic(vm, p, List.of(new PeerTraffic(peer, p - P + 1, 100 * (p - P + 1))), List.of(), 0, 0);
          assertInstanceOf(Collector.Accepted.class, ask(node, rennes, r -> new Collector.Report(new SensorReport("rennes", "h1", t, 0, 0, false), r)));
        }
      }
      before = snapshot(node);
      assertEquals(5, before.periods().size());
      assertEquals(List.of("rennes"), node.sitesInJournal());
    }
    assertTrue(snapshotsTaken(journal) > 0, "recovery goes through a snapshot");
    try (VmflockNode node = VmflockNode.start("recovery-2", TestConfigs.node(journal, settings), Clock.system())) {
      assertEquals(before, snapshot(node));
      // and it goes on: a duplicate is still recognised after recovery
      VmTraffic again = new VmTraffic("vm1", P + 4, List.of(), List.of(), 0, 0);
      assertInstanceOf(Collector.Duplicate.class,
          ask(node, node.collectors().apply("rennes"), r -> new Collector.Report(new SensorReport("rennes", "h1", again, 0, 0, false), r)));
    }
  }

  /**
   * Events of both kinds in one journal: single {@code ReportRecorded} events (as a collector wrote
   * them before reports were gathered) and {@code ReportsRecorded} ones (a batch, or the messages
   * gathered while a write was in flight: one row for many reports), replayed without a snapshot.
   */
  @Test
  void reportsWrittenOneByOneAndTogetherAreRecoveredAlike(@TempDir Path journal) {
    Map<String, Object> settings = Map.of("vmflock.collector.snapshot-every", 100_000, "vmflock.monitor.period", "30s");
    List<RosterEntry> vms = new java.util.ArrayList<>();
    for (int v = 0; v < 20; v++) {
      vms.add(new RosterEntry("vm" + v, "h1", String.format("02:00:00:00:00:%02x", v), List.of("10.0.0." + (v + 1)), P));
    }
    MonitorSettings monitor = TestConfigs.settings(settings);
    try (VmflockNode node = VmflockNode.start("recovery-old", TestConfigs.node(journal, settings), Clock.system())) {
      // the journal side alone, as the collector was: one event per report
      ActorRef<Collector.Command> old = node.system().systemActorOf(Collector.create("rennes", monitor.collector(), monitor.snapshotEvery(),
          monitor.collectorTickInterval(), Clock.system()), "old-collector", org.apache.pekko.actor.typed.Props.empty());
      assertInstanceOf(Collector.Accepted.class, ask(node, old, r -> new Collector.Register("h1", vms, r)));
      for (int v = 0; v < 20; v++) {
        int w = v;
        assertInstanceOf(Collector.Accepted.class, ask(node, old, r -> new Collector.Report(report(w, P), r)));
      }
    }
    int oneByOne = journalRows(journal);
    SiteSnapshot before;
    try (VmflockNode node = VmflockNode.start("recovery-new", TestConfigs.node(journal, settings), Clock.system())) {
      RecipientRef<Collector.Command> rennes = node.collectors().apply("rennes");
      // eight hosts' worth of batches at once, and single reports: all in flight together
      List<java.util.concurrent.CompletionStage<Collector.Reply>> answers = new java.util.ArrayList<>();
      for (long p = P + 1; p <= P + 8; p++) {
        List<SensorReport> batch = new java.util.ArrayList<>();
        for (int v = 0; v < 20; v++) {
          batch.add(report(v, p));
        }
        answers.add(AskPattern.ask(rennes, (ActorRef<Collector.Reply> r) -> new Collector.Reports(batch, r), TIMEOUT, node.system().scheduler()));
      }
      for (int v = 0; v < 20; v++) {
        int w = v;
        answers.add(AskPattern.ask(rennes, (ActorRef<Collector.Reply> r) -> new Collector.Report(report(w, P + 9), r), TIMEOUT, node.system().scheduler()));
      }
      for (var a : answers) {
        Collector.Reply reply = VmflockNode.await(a, "a report", TIMEOUT);
        assertTrue(reply instanceof Collector.Accepted || reply instanceof Collector.Batch b && b.accepted() == 20 && b.refused().isEmpty(), reply.toString());
      }
      before = snapshot(node);
      assertEquals(10, before.periods().size());
      before.periods().forEach(sp -> assertEquals(20, sp.reports().size(), "period " + sp.period()));
      before.periods().forEach(sp -> assertEquals(org.vmflock.monitor.stats.CloseReason.ALL_REPORTED, sp.closeReason(), "period " + sp.period()));
    }
    // 180 reports in 28 messages: a recorded fact per write (one per message at most) and a closing per period (9)
    int together = journalRows(journal) - oneByOne;
    assertTrue(together <= 28 + 9, together + " rows for 180 reports");
    assertTrue(oneByOne >= 21, oneByOne + " rows for 20 reports one by one and a registration");
    try (VmflockNode node = VmflockNode.start("recovery-both", TestConfigs.node(journal, settings), Clock.system())) {
      assertEquals(before, snapshot(node));
      RecipientRef<Collector.Command> rennes = node.collectors().apply("rennes");
      // a duplicate of either kind is still recognised
      assertInstanceOf(Collector.Duplicate.class, ask(node, rennes, r -> new Collector.Report(report(3, P), r)));
      Collector.Batch b = assertInstanceOf(Collector.Batch.class, ask(node, rennes, r -> new Collector.Reports(List.of(report(3, P + 4), report(4, P + 10)), r)));
      assertEquals(1, b.accepted());
      assertEquals(List.of(0), b.refused().stream().map(org.vmflock.monitor.stats.SiteStatistics.Refusal::index).toList());
    }
  }

  /**
   * On PostgreSQL, as a cluster's nodes journal: reports written together (many messages in flight)
   * come back after a restart, and a report already in a gathered write is a duplicate.
   */
  @Test
  void reportsWrittenTogetherComeBackFromPostgresql(@TempDir Path dir) throws Exception {
    try (org.vmflock.testing.TestPostgresql db = org.vmflock.testing.TestPostgresql.create("collector")) {
      Map<String, Object> settings = new java.util.HashMap<>(db.journal());
      settings.put("vmflock.collector.snapshot-every", 100_000);
      settings.put("vmflock.monitor.period", "30s");
      List<RosterEntry> vms = new java.util.ArrayList<>();
      for (int v = 0; v < 20; v++) {
        vms.add(new RosterEntry("vm" + v, "h1", String.format("02:00:00:00:00:%02x", v), List.of("10.0.0." + (v + 1)), P));
      }
      SiteSnapshot before;
      try (VmflockNode node = VmflockNode.start("recovery-pg-1", TestConfigs.node(dir, settings), Clock.system())) {
        RecipientRef<Collector.Command> rennes = node.collectors().apply("rennes");
        assertInstanceOf(Collector.Accepted.class, ask(node, rennes, r -> new Collector.Register("h1", vms, r)));
        List<java.util.concurrent.CompletionStage<Collector.Reply>> answers = new java.util.ArrayList<>();
        for (long p = P; p < P + 10; p++) {
          List<SensorReport> batch = new java.util.ArrayList<>();
          for (int v = 0; v < 20; v++) {
            batch.add(report(v, p));
          }
          answers.add(AskPattern.ask(rennes, (ActorRef<Collector.Reply> r) -> new Collector.Reports(batch, r), TIMEOUT, node.system().scheduler()));
        }
        for (var a : answers) {
          Collector.Batch b = assertInstanceOf(Collector.Batch.class, VmflockNode.await(a, "a batch", TIMEOUT));
          assertEquals(20, b.accepted());
        }
        before = snapshot(node);
        assertEquals(10, before.periods().size());
      }
      try (java.sql.Connection c = db.connect(); java.sql.ResultSet rs = c.createStatement().executeQuery(
          "SELECT COUNT(*) FROM event_journal WHERE persistence_id = 'Collector|rennes'")) {
        rs.next();
        // a registration, and per message at most a recorded fact and its period closed
        assertTrue(rs.getInt(1) <= 1 + 2 * 10, rs.getInt(1) + " rows for 200 reports");
      }
      try (VmflockNode node = VmflockNode.start("recovery-pg-2", TestConfigs.node(dir, settings), Clock.system())) {
        assertEquals(before, snapshot(node));
        Collector.Batch again = assertInstanceOf(Collector.Batch.class,
            ask(node, node.collectors().apply("rennes"), r -> new Collector.Reports(List.of(report(7, P + 3)), r)));
        assertEquals(0, again.accepted());
        assertEquals(org.vmflock.monitor.stats.SiteStatistics.Decision.Outcome.DUPLICATE, again.refused().get(0).outcome());
      }
    }
  }

  private static SensorReport report(int vm, long period) {
    VmTraffic t = new VmTraffic("vm" + vm, period, List.of(new PeerTraffic("10.0.0." + ((vm + 1) % 20 + 1), period - P + 1, 100 * (period - P + 1))), List.of(), 0, 0);
    return new SensorReport("rennes", "h1", t, 0, 0, false);
  }

  private static int journalRows(Path journal) {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:file:" + journal.toAbsolutePath().resolve("vmflock"));
        java.sql.ResultSet rs = c.createStatement().executeQuery(
            "SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = 'Collector|rennes'")) {
      rs.next();
      return rs.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Snapshots of the collector in the H2 journal, read directly with JDBC. */
  private static int snapshotsTaken(Path journal) {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:h2:file:" + journal.toAbsolutePath().resolve("vmflock"));
        java.sql.ResultSet rs = c.createStatement().executeQuery(
            "SELECT COUNT(*) FROM \"snapshot\" WHERE \"persistence_id\" = 'Collector|rennes'")) {
      rs.next();
      return rs.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static SiteSnapshot snapshot(VmflockNode node) {
    return VmflockNode.await(AskPattern.ask(node.collectors().apply("rennes"),
        (ActorRef<SiteSnapshot> r) -> new Collector.GetPeriods(P, P + 10, r), TIMEOUT, node.system().scheduler()), "snapshot", TIMEOUT);
  }

  private static Collector.Reply ask(VmflockNode node, RecipientRef<Collector.Command> collector,
      java.util.function.Function<ActorRef<Collector.Reply>, Collector.Command> message) {
    return VmflockNode.await(AskPattern.ask(collector, message::apply, TIMEOUT, node.system().scheduler()), "collector", TIMEOUT);
  }
}
