package org.vmflock.site;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.dispatch.Futures;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The shard allocation of sites' entities (collectors, site actors): {@link SitePlacement}'s
 * decisions on the regions the coordinator knows, each with its node's roles and status from the
 * cluster's membership. {@link #of} makes an entity's shard its site (the entity id) and gives its
 * shards this allocation, on nodes with role {@link SitePlacement#SITE_ROLE}.
 */
public final class SiteShardAllocation extends ShardCoordinator.AbstractShardAllocationStrategy
    implements ShardCoordinator.ActorSystemDependentAllocationStrategy {

  private static final Set<MemberStatus> LEAVING = Set.of(MemberStatus.leaving(), MemberStatus.exiting(), MemberStatus.down());
  private static final Set<MemberStatus> JOINING = Set.of(MemberStatus.joining(), MemberStatus.weaklyUp());

  private volatile Cluster cluster;

  /** {@code entity} with one shard per site (the shard id is the entity id, the site's name), placed by site, on role {@code site}. */
  public static <M> Entity<M, ShardingEnvelope<M>> of(Entity<M, ShardingEnvelope<M>> entity) {
    return entity.withMessageExtractor(new OneShardPerSite<M>())
        .withAllocationStrategy(new SiteShardAllocation())
        .withRole(SitePlacement.SITE_ROLE);
  }

  @Override
  public void start(ActorSystem system) {
    cluster = Cluster.get(system);
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    ActorRef chosen = SitePlacement.allocate(shardId, regions(current)).map(SitePlacement.Region::ref).orElse(requester);
    return Futures.successful(chosen);
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    // as Pekko's own allocation: not while a node joins or one is unreachable (the hand-over needs every region)
    ClusterEvent.CurrentClusterState state = cluster.state();
    boolean settling = state.getUnreachable().size() > 0
        || java.util.stream.StreamSupport.stream(state.getMembers().spliterator(), false).anyMatch(m -> JOINING.contains(m.status()));
    return Futures.successful(settling ? Set.of() : SitePlacement.rebalance(regions(current), inProgress));
  }

  private List<SitePlacement.Region<ActorRef>> regions(Map<ActorRef, IndexedSeq<String>> current) {
    Map<Address, Member> members = new java.util.HashMap<>();
    cluster.state().getMembers().forEach(m -> members.put(m.address(), m));
    List<SitePlacement.Region<ActorRef>> regions = new ArrayList<>();
    current.forEach((region, shards) -> {
      Address address = region.path().address().hasLocalScope() ? cluster.selfAddress() : region.path().address();
      Member m = members.get(address);
      // a member not yet in this node's view: a region like any other, serving no site, until it is
      Set<String> roles = m == null ? Set.of() : m.getRoles();
      boolean leaving = m != null && LEAVING.contains(m.status());
      regions.add(new SitePlacement.Region<>(region, address.toString(), roles, leaving, CollectionConverters.asJava(shards)));
    });
    return regions;
  }

  /** A site's entity, in a shard of its own named for it. */
  private static final class OneShardPerSite<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
    @Override
    public String entityId(ShardingEnvelope<M> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public M unwrapMessage(ShardingEnvelope<M> envelope) {
      return envelope.message();
    }
  }
}
