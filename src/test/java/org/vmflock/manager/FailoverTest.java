package org.vmflock.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.execute.FaultPlan;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.node.VmflockNode;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;

/**
 * Failover of the migration manager (K1): three nodes in one JVM form a cluster on loopback over one
 * journal; the node holding the singleton leaves in the middle of a migration; the singleton moves
 * to another node, rebuilds its knowledge, resumes the sagas in flight, and every migration ends
 * (completed or rolled back, never forgotten) with the decisions and placement intact.
 */
class FailoverTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final long GIB = 1L << 30;

  @Test
  void theNewSingletonFinishesTheMigrationsInFlight(@TempDir Path journal) throws Exception {
    // a site actor's shard moves with the leaving node, and may drop a message meanwhile: the saga
    // sends it again; on a loaded 2-core machine the hand-over may take longer than the default 5 s
    Map<String, Object> settings = new HashMap<>(Map.of("vmflock.manager.debounce", "1h", "vmflock.manager.site-timeout", "30s"));
    // migrations in real time: 2 GiB over 4 Gb/s takes about 4 s, long enough to stop a node in the middle
    NetworkPath wan = new NetworkPath(Duration.ofMillis(2), 4e9 / 8);
    SimulatedFederation federation = new SimulatedFederation(Clock.system(),
        org.vmflock.plan.PreCopyMigrationModel.Settings.defaults(), (a, b) -> wan, FaultPlan.none(), 7);
    VmflockNode a = VmflockNode.start("failover", TestConfigs.node(journal, settings), Clock.system());
    String seed = Cluster.get(a.system()).selfMember().address().toString();
    settings.put("pekko.cluster.seed-nodes", List.of(seed));
    VmflockNode b = VmflockNode.start("failover", TestConfigs.node(journal, settings), Clock.system());
    VmflockNode c = VmflockNode.start("failover", TestConfigs.node(journal, settings), Clock.system());
    List<VmflockNode> nodes = List.of(a, b, c);
    try {
      TestProbe<Object> probe = TestProbe.create(c.system());
      probe.awaitAssert(TIMEOUT, () -> {
        assertEquals(3, Cluster.get(a.system()).state().members().size());
        Cluster.get(a.system()).state().getMembers().forEach(m -> assertEquals(MemberStatus.up(), m.status()));
        return null;
      });
      ManagerSettings ms = ManagerSettings.from(TestConfigs.node(journal, settings));
      ActorRef<MigrationManager.Command> viaA = a.startController(ms, federation.actuator(), federation, 1, Duration.ofHours(1));
      b.startController(ms, federation.actuator(), federation, 1, Duration.ofHours(1));
      ActorRef<MigrationManager.Command> viaC = c.startController(ms, federation.actuator(), federation, 1, Duration.ofHours(1));

      for (String site : List.of("east", "west")) {
        Capacity cap = new Capacity(8, 32, 64 * GIB);
        Site s = new Site(site, cap, 1.0, PriceSchedule.flat(site.equals("east") ? 0.05 : 0.10), 0.01, Map.of(),
            new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
        SiteActor.Reply r = VmflockNode.await(AskPattern.ask(c.sites().apply(site),
            (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(new EnvironmentChange.Define(s, List.of(), Optional.empty()), ref), TIMEOUT,
            c.system().scheduler()), "define", TIMEOUT);
        assertInstanceOf(SiteActor.Accepted.class, r);
        federation.site(site, cap);
      }
      viaC.tell(new MigrationManager.WatchSites(List.of("east", "west"), c.system().ignoreRef()));
      probe.awaitAssert(TIMEOUT, () -> {
        assertEquals(2, status(c, viaC).knowledge().sites().size());
        return null;
      });
      Application app = ControllerFixture.cg("hpc", 8, Objective.COST);
      MigrationManager.Reply submitted = VmflockNode.await(AskPattern.ask(viaC,
          (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.Submit(app, ControllerFixture.all(app, "east"), r), TIMEOUT,
          c.system().scheduler()), "submit", TIMEOUT);
      assertInstanceOf(MigrationManager.Accepted.class, submitted);

      // east becomes expensive: the application's VMs migrate to west
      VmflockNode.await(AskPattern.ask(c.sites().apply("east"),
          (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(new EnvironmentChange.Price("*", Instant.now(), 0.5), ref), TIMEOUT,
          c.system().scheduler()), "price", TIMEOUT);
      MigrationManager.CycleReport report = VmflockNode.await(AskPattern.ask(viaC,
          (ActorRef<MigrationManager.CycleReport> r) -> new MigrationManager.RunCycle(java.util.Set.of(), r), TIMEOUT, c.system().scheduler()),
          "cycle", TIMEOUT);
      DecisionRecord move = report.decisions().stream().filter(d -> d.kind().equals("migrate")).findFirst().orElseThrow();
      probe.awaitAssert(TIMEOUT, () -> {
        Knowledge k = status(c, viaC).knowledge();
        assertTrue(k.migrations().values().stream().anyMatch(m -> m.status() == MigrationRecord.Status.RUNNING), "a migration runs");
        return null;
      });
      Knowledge before = status(c, viaC).knowledge();
      assertFalse(before.migrations().isEmpty());

      // the oldest node, which holds the singleton, leaves in the middle of it
      a.close();

      probe.awaitAssert(TIMEOUT.multipliedBy(2), () -> {
        Knowledge k = status(c, viaC).knowledge();
        assertTrue(k.migrations().isEmpty(), "in flight: " + k.migrations().keySet());
        return null;
      });
      Knowledge after = status(c, viaC).knowledge();
      DecisionRecord audited = after.decision(move.id()).orElseThrow();
      assertTrue(audited.outcome() == DecisionRecord.Outcome.APPLIED || audited.outcome() == DecisionRecord.Outcome.ROLLED_BACK
          || audited.outcome() == DecisionRecord.Outcome.PARTIAL, audited.toString());
      assertEquals(before.decisions().size(), after.decisions().size(), "no decision lost or added");
      assertEquals(before.applications().keySet(), after.applications().keySet());
      for (String vm : app.vmNames()) {
        String site = after.placement().get(vm);
        assertEquals(1, federation.world().whereIs(vm).size(), vm + " runs in exactly one place");
        assertEquals(site, federation.world().whereIs(vm).get(0).site(), vm + " runs where the knowledge says");
      }
      assertTrue(federation.world().reservations().isEmpty(), "no reservation leaked");
      assertEquals(DecisionRecord.Outcome.APPLIED, audited.outcome(), "nothing failed: the migrations completed; "
          + after.history().stream().map(m -> m.order().vm() + " " + m.status() + " " + m.reason()).toList());
    } finally {
      for (VmflockNode n : nodes) {
        try {
          n.close();
        } catch (RuntimeException e) {
          // already stopped
        }
      }
    }
  }

  private static MigrationManager.Status status(VmflockNode node, ActorRef<MigrationManager.Command> manager) {
    return VmflockNode.await(AskPattern.ask(manager, MigrationManager.GetStatus::new, TIMEOUT, node.system().scheduler()), "status", TIMEOUT);
  }
}
