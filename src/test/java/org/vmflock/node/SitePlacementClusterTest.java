package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.execute.FaultPlan;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.NetworkPath;
import org.vmflock.monitor.Collector;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;

/**
 * Roles and placement (issue 15) on three real nodes in one JVM, on loopback, over one H2 journal:
 * rennes and lyon with roles {@code site-<name>} and {@code manager}, cloud with {@code site-cloud}
 * alone and the oldest. Each site's collector and site actor run on its own node (where the shard
 * regions say their entities are); the manager on the oldest node with role manager, never on
 * cloud; rennes stops: its entities run elsewhere, the manager moves to lyon; rennes starts again (a
 * new incarnation): its entities go home.
 */
class SitePlacementClusterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final List<String> SITES = List.of("rennes", "lyon", "cloud");
  private static final String MANAGER_PATH = "/system/singletonManager" + MigrationManager.NAME + "/" + MigrationManager.NAME;

  @Test
  void aSitesEntitiesRunOnItsNodeElsewhereWhileItIsAwayAndGoHomeWhenItIsBack(@TempDir Path journal) throws Exception {
    Map<String, VmflockNode> nodes = new LinkedHashMap<>();
    List<VmflockNode> started = new ArrayList<>();
    try {
      VmflockNode cloud = start(journal, "cloud", false, List.of());
      started.add(cloud);
      nodes.put("cloud", cloud);
      List<String> seed = List.of(Cluster.get(cloud.system()).selfMember().address().toString());
      // one after the other, Up each before the next: rennes is the oldest node with role manager
      for (String site : List.of("rennes", "lyon")) {
        VmflockNode n = start(journal, site, true, seed);
        started.add(n);
        nodes.put(site, n);
        awaitUp(cloud, nodes.size());
      }
      ControllerStart controller = new ControllerStart(journal);
      nodes.values().forEach(controller::on);

      Map<String, Set<String>> home = Map.of("rennes", Set.of("rennes"), "lyon", Set.of("lyon"), "cloud", Set.of("cloud"));
      awaitPlacement(nodes, cloud, "each site's entities on its node", home);
      awaitManagerOn(nodes, "rennes");

      // rennes' node leaves: its collector and site actor run on another node; the manager goes to lyon, not cloud
      long stop = System.nanoTime();
      nodes.remove("rennes").close();
      Map<String, Set<String>> away = awaitPlacement(nodes, cloud, "rennes' entities elsewhere", null);
      double elsewhere = seconds(stop);
      assertEquals(1, away.get("rennes").size(), "rennes' entities on one node: " + away);
      assertEquals(Set.of("lyon"), away.get("lyon"));
      assertEquals(Set.of("cloud"), away.get("cloud"));
      awaitManagerOn(nodes, "lyon");

      // rennes' node is back, a new incarnation on another port: its entities go home
      VmflockNode again = start(journal, "rennes", true, seed);
      started.add(again);
      nodes.put("rennes", again);
      awaitUp(cloud, 3);
      long up = System.nanoTime();
      controller.on(again);
      awaitPlacement(nodes, cloud, "rennes' entities home again", home);
      double back = seconds(up);
      assertManagerOn(nodes, "lyon");
      System.out.printf(java.util.Locale.ROOT, "site placement: rennes' entities elsewhere %.1f s after its node stopped, home %.1f s after it was Up again%n",
          elsewhere, back);
    } finally {
      for (VmflockNode n : started) {
        try {
          n.close();
        } catch (RuntimeException e) {
          // already stopped
        }
      }
    }
  }

  private static VmflockNode start(Path journal, String site, boolean manager, List<String> seeds) {
    List<String> roles = new ArrayList<>(List.of("site", "site-" + site));
    if (manager) {
      roles.add("manager");
    }
    Map<String, Object> settings = new HashMap<>();
    settings.put("pekko.cluster.roles", roles);
    settings.put("pekko.cluster.seed-nodes", seeds);
    settings.put("vmflock.node.sites", List.of(site));
    // the coordinator looks for shards to move home every 2 s (10 s shipped, Pekko's default)
    settings.put("pekko.cluster.sharding.rebalance-interval", "2s");
    return VmflockNode.start("placement", TestConfigs.node(journal, settings), Clock.system());
  }

  /** Starts the site actors' and sagas' sharding and the manager's singleton on a node, as {@code vmflock node} does. */
  private static final class ControllerStart {
    private final ManagerSettings settings;
    private final SimulatedFederation federation;

    ControllerStart(Path journal) {
      settings = ManagerSettings.from(TestConfigs.node(journal, Map.of()));
      NetworkPath wan = new NetworkPath(Duration.ofMillis(2), 4e9 / 8);
      federation = new SimulatedFederation(Clock.system(),
          new org.vmflock.plan.QemuPreCopyModel(org.vmflock.plan.QemuPreCopyModel.Settings.calibrated()), (a, b) -> wan, FaultPlan.none(), 7);
    }

    void on(VmflockNode node) {
      node.startController(settings, federation.actuator(), federation, 1, Duration.ofHours(1));
    }
  }

  private static void awaitUp(VmflockNode seen, int members) {
    Awaitility.await(members + " Up members").atMost(TIMEOUT).pollInterval(POLL).until(() -> {
      var state = Cluster.get(seen.system()).state();
      return state.members().size() == members
          && java.util.stream.StreamSupport.stream(state.getMembers().spliterator(), false).allMatch(m -> m.status() == MemberStatus.up());
    });
  }

  /**
   * Sends each site's collector and site actor a query through {@code via} (as sensors and sagas
   * would: an entity runs once a message comes) until both run on the nodes {@code expected} names
   * for every site ({@code null}: until each runs on exactly one node); returns where they run.
   */
  private static Map<String, Set<String>> awaitPlacement(Map<String, VmflockNode> nodes, VmflockNode via, String what,
      Map<String, Set<String>> expected) {
    Map<String, Set<String>>[] last = new Map[1];
    Awaitility.await(what).atMost(TIMEOUT).pollInterval(POLL).untilAsserted(() -> {
      for (String site : SITES) {
        via.collectors().apply(site).tell(new Collector.GetPeriods(0, 0, via.system().ignoreRef()));
        via.sites().apply(site).tell(new SiteActor.GetEnvironment(Instant.now(), via.system().ignoreRef()));
      }
      Map<String, Set<String>> collectors = where(nodes, Collector.TYPE_KEY);
      Map<String, Set<String>> siteActors = where(nodes, SiteActor.TYPE_KEY);
      if (expected != null) {
        assertEquals(expected, collectors, "where the collectors run");
      } else {
        assertTrue(SITES.stream().allMatch(s -> collectors.getOrDefault(s, Set.of()).size() == 1), "each collector on one node: " + collectors);
      }
      assertEquals(collectors, siteActors, "each site's site actor where its collector is");
      last[0] = collectors;
    });
    return last[0];
  }

  /** For each site, the nodes whose shard region runs its entity of {@code key}. */
  private static Map<String, Set<String>> where(Map<String, VmflockNode> nodes, EntityTypeKey<?> key) {
    Map<String, Set<String>> where = new TreeMap<>();
    nodes.forEach((name, node) -> {
      ShardRegion.CurrentShardRegionState state = VmflockNode.await(AskPattern.ask(node.sharding().shardState(),
          (ActorRef<ShardRegion.CurrentShardRegionState> r) -> new GetShardRegionState(key, r), Duration.ofSeconds(10), node.system().scheduler()),
          "region state of " + name, Duration.ofSeconds(15));
      for (ShardRegion.ShardState shard : state.getShards()) {
        assertEquals(Set.of(shard.shardId()), shard.getEntityIds().isEmpty() ? Set.of(shard.shardId()) : shard.getEntityIds(),
            "one shard per site, named for it, on " + name);
        if (!shard.getEntityIds().isEmpty()) {
          where.computeIfAbsent(shard.shardId(), s -> new TreeSet<>()).add(name);
        }
      }
    });
    return where;
  }

  private static boolean managerHere(VmflockNode node) {
    try {
      Adapter.toClassic(node.system()).actorSelection(MANAGER_PATH).resolveOne(Duration.ofSeconds(3)).toCompletableFuture().get();
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  private static void awaitManagerOn(Map<String, VmflockNode> nodes, String expected) {
    Awaitility.await("the manager on " + expected).atMost(TIMEOUT).pollInterval(POLL).until(() -> {
      assertFalse(managerHere(nodes.get("cloud")), "never on cloud, which has no role manager");
      return managerHere(nodes.get(expected));
    });
    assertManagerOn(nodes, expected);
  }

  private static void assertManagerOn(Map<String, VmflockNode> nodes, String expected) {
    nodes.forEach((name, node) -> assertEquals(name.equals(expected), managerHere(node), "the manager on " + name + "?"));
    assertTrue(nodes.containsKey(expected));
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
