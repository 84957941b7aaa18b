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
 * three events here, older events then deleted).
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
