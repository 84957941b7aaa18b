package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.vmflock.manager.MigrationManager;

/**
 * {@code GET /api/cluster}: the cluster as this node sees it — itself, every member (oldest first,
 * with its status, roles and whether it is reachable from here), and whether the migration manager,
 * a cluster singleton, runs on this node now (its actor found here, not inferred from the members'
 * ages): where to look after a node of the cluster is lost.
 */
final class ClusterRoutes extends AllDirectives {

  /** Where the cluster-singleton manager puts the migration manager on the node that hosts it. */
  static final String MANAGER_PATH = "/system/singletonManager" + MigrationManager.NAME + "/" + MigrationManager.NAME;
  private static final Duration LOOKUP = Duration.ofSeconds(2);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;

  ClusterRoutes(ActorSystem<?> system) {
    this.system = system;
  }

  Route routes() {
    return path("cluster", () -> get(() -> onSuccess(managerHere(), here -> ApiServer.json(StatusCodes.OK, document(here)))));
  }

  /** Whether the migration manager's actor runs in this node's actor system now. */
  private CompletionStage<Boolean> managerHere() {
    return Adapter.toClassic(system).actorSelection(MANAGER_PATH).resolveOne(LOOKUP).handle((ref, error) -> error == null);
  }

  private ObjectNode document(boolean managerHere) {
    Cluster cluster = Cluster.get(system);
    Member self = cluster.selfMember();
    org.apache.pekko.cluster.ClusterEvent.CurrentClusterState state = cluster.state();
    java.util.Set<Member> unreachable = state.getUnreachable();
    ObjectNode o = JSON.createObjectNode();
    o.put("self", self.address().toString());
    o.put("status", status(self.status()));
    o.set("roles", roles(self));
    List<Member> members = new ArrayList<>();
    state.getMembers().forEach(members::add);
    members.sort((a, b) -> a.isOlderThan(b) ? -1 : b.isOlderThan(a) ? 1 : 0);
    ArrayNode list = o.putArray("members");
    for (Member m : members) {
      ObjectNode n = list.addObject().put("address", m.address().toString()).put("status", status(m.status()))
          .put("reachable", !unreachable.contains(m));
      n.set("roles", roles(m));
    }
    if (state.getLeader() != null) {
      o.put("leader", state.getLeader().toString());
    }
    o.putObject("manager").put("here", managerHere);
    return o;
  }

  private static ArrayNode roles(Member m) {
    ArrayNode roles = JSON.createArrayNode();
    m.getRoles().stream().filter(r -> !r.startsWith("dc-")).sorted().forEach(roles::add);
    return roles;
  }

  private static String status(MemberStatus s) {
    return s.toString().replace("$", "").replace("MemberStatus", "").toLowerCase(Locale.ROOT);
  }
}
