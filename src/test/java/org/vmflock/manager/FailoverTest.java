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
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
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
 * journal (H2); the node holding the singleton leaves in the middle of a migration; the singleton moves
 * to another node, rebuilds its knowledge, resumes the sagas in flight, and every migration ends
 * (completed or rolled back, never forgotten) with the decisions and placement intact.
 */
class FailoverTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final long GIB = 1L << 30;

  /**
   * On H2. The same on PostgreSQL, each node with its own connections, is {@code
   * node.ClusterChaosTest}'s rolling restart: node processes, each leaving in the middle of a
   * migration (it ran here too, 39 s, until that test existed).
   */
  @Test
  void theNewSingletonFinishesTheMigrationsInFlight(@TempDir Path journal) throws Exception {
    failover(journal);
  }

  private static void failover(Path journal) throws Exception {
    // a site actor's shard moves with the leaving node, and may drop a message meanwhile: the saga
    // sends it again; on a loaded 2-core machine the hand-over may take longer than the default 5 s
    Map<String, Object> settings = new HashMap<>(Map.of("vmflock.manager.debounce", "1h", "vmflock.manager.site-timeout", "30s"));
    // migrations in real time: 2 GiB over 4 Gb/s takes about 4 s, long enough to stop a node in the middle
    NetworkPath wan = new NetworkPath(Duration.ofMillis(2), 4e9 / 8);
    SimulatedFederation federation = new SimulatedFederation(Clock.system(),
        new org.vmflock.plan.QemuPreCopyModel(org.vmflock.plan.QemuPreCopyModel.Settings.calibrated()), (a, b) -> wan, FaultPlan.none(), 7);
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
      org.vmflock.execute.Actuator paced = new org.vmflock.execute.PacedActuator(federation.actuator(), 1);
      ActorRef<MigrationManager.Command> viaA = a.startController(ms, paced, federation, 1, Duration.ofHours(1));
      b.startController(ms, paced, federation, 1, Duration.ofHours(1));
      ActorRef<MigrationManager.Command> viaC = c.startController(ms, paced, federation, 1, Duration.ofHours(1));

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
        assertEquals(2, status(c, viaC).sites().size());
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
      DecisionRecord move = report.decisions().stream().filter(d -> d.kind() == org.vmflock.knowledge.DecisionKind.MIGRATE).findFirst().orElseThrow();
      probe.awaitAssert(TIMEOUT, () -> {
        StatusPage k = status(c, viaC);
        assertTrue(k.inFlight().stream().anyMatch(m -> m.status() == MigrationRecord.Status.RUNNING), "a migration runs");
        return null;
      });
      StatusPage before = status(c, viaC);
      assertFalse(before.inFlight().isEmpty());

      // the oldest node, which holds the singleton, leaves in the middle of it
      a.close();

      probe.awaitAssert(TIMEOUT.multipliedBy(2), () -> {
        StatusPage k = status(c, viaC);
        assertTrue(k.inFlight().isEmpty(), "in flight: " + k.inFlight());
        return null;
      });
      StatusPage after = status(c, viaC);
      StatusPage.DecisionLine audited = ControllerFixture.decision(after, move.id());
      assertTrue(List.of("applied", "rolled_back", "partial").contains(audited.outcome()), audited.toString());
      assertEquals(before.totals().decisions(), after.totals().decisions(), "no decision lost or added");
      assertEquals(before.applications().stream().map(StatusPage.AppLine::name).toList(),
          after.applications().stream().map(StatusPage.AppLine::name).toList());
      Map<String, String> placement = ControllerFixture.placement(after);
      for (String vm : app.vmNames()) {
        String site = placement.get(vm);
        List<org.vmflock.execute.SimulatedWorld.Instance> where = federation.instances().stream().filter(i -> i.vm().name().equals(vm)).toList();
        assertEquals(1, where.size(), vm + " runs in exactly one place");
        assertEquals(site, where.get(0).site(), vm + " runs where the knowledge says");
      }
      assertTrue(federation.reservations().isEmpty(), "no reservation leaked");
      assertEquals("applied", audited.outcome(), "nothing failed: the migrations completed; " + after.ended());
    } finally {
      // the survivors leave together: one after the other, the last waited 10 s for an exit nobody acknowledged
      nodes.forEach(n -> n.system().terminate());
      for (VmflockNode n : nodes) {
        try {
          n.close();
        } catch (RuntimeException e) {
          // already stopped
        }
      }
    }
  }

  private static StatusPage status(VmflockNode node, ActorRef<MigrationManager.Command> manager) {
    return ControllerFixture.status(node, manager);
  }
}
