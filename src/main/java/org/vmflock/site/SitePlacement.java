package org.vmflock.site;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.vmflock.model.InvalidInputException;

/**
 * Where a site's entities run (its collector, its site actor: one shard per site, the shard named
 * for the site): on a node of the site, role {@code site-<name>}, when one has a shard region; else
 * on the least loaded node; and back home when a node of the site comes (back) while the shard runs
 * elsewhere. The decisions alone, on plain data: {@link SiteShardAllocation} gives them to Pekko's
 * shard coordinator.
 */
public final class SitePlacement {

  /** The role of a node that may run sites' entities (their shard regions are on nodes with it). */
  public static final String SITE_ROLE = "site";
  /** The role of a node that may host the migration manager (the cluster singleton). */
  public static final String MANAGER_ROLE = "manager";
  /** The prefix of the role that says which site a node serves: {@code site-rennes}. */
  public static final String SITE_ROLE_PREFIX = "site-";

  private SitePlacement() {}

  /**
   * Refuses roles vmflock would not act on, naming the setting: a role other than {@code site},
   * {@code manager} and {@code site-<name>}; neither {@code site} nor {@code manager} (the node would
   * run nothing); a {@code site-<name>} without {@code site} (its node
   * would run no site's entity); and, when {@code vmflock.node.sites} names sites ({@code nodeSites})
   * and the roles name some too, a site it names without its role or a site role it does not name
   * (either alone is fine: a node may sense sites whose entities run elsewhere, or serve a site's
   * entities with no sensors of its own).
   */
  public static void checkRoles(List<String> roles, Optional<List<String>> nodeSites) {
    String setting = "pekko.cluster.roles";
    for (String role : roles) {
      boolean known = role.equals(SITE_ROLE) || role.equals(MANAGER_ROLE)
          || (role.startsWith(SITE_ROLE_PREFIX) && !role.substring(SITE_ROLE_PREFIX.length()).isBlank());
      if (!known) {
        throw new InvalidInputException(setting, "unknown role \"" + role + "\": vmflock's roles are " + SITE_ROLE
            + " (runs sites' collectors and site actors), " + SITE_ROLE_PREFIX + "<name> (serves site <name>, with " + SITE_ROLE + ") and "
            + MANAGER_ROLE + " (may host the migration manager)");
      }
    }
    if (!roles.contains(SITE_ROLE) && !roles.contains(MANAGER_ROLE)) {
      throw new InvalidInputException(setting, "roles " + roles + " name neither " + SITE_ROLE + " nor " + MANAGER_ROLE
          + ": the node would run nothing (the default is [" + SITE_ROLE + ", " + MANAGER_ROLE + "])");
    }
    List<String> served = roles.stream().filter(r -> r.startsWith(SITE_ROLE_PREFIX)).map(r -> r.substring(SITE_ROLE_PREFIX.length())).toList();
    if (!served.isEmpty() && !roles.contains(SITE_ROLE)) {
      throw new InvalidInputException(setting, "role " + roleOf(served.get(0)) + " without role " + SITE_ROLE
          + ": the node would run no site's entity; add \"" + SITE_ROLE + "\"");
    }
    if (nodeSites.isPresent() && !nodeSites.get().isEmpty() && !served.isEmpty()) {
      for (String site : nodeSites.get()) {
        if (!served.contains(site)) {
          throw new InvalidInputException("vmflock.node.sites", "site " + site + " has no role " + roleOf(site) + " in " + setting + " " + roles);
        }
      }
      for (String site : served) {
        if (!nodeSites.get().contains(site)) {
          throw new InvalidInputException(setting, "role " + roleOf(site) + " but vmflock.node.sites " + nodeSites.get() + " does not name " + site);
        }
      }
    }
  }

  /** The role of the nodes of {@code site}. */
  public static String roleOf(String site) {
    return SITE_ROLE_PREFIX + site;
  }

  /**
   * A shard region as the coordinator sees it: {@code ref} what stands for it, {@code node} its
   * node's address (to order equals the same way every time), the node's roles, whether the node is
   * on its way out of the cluster (leaving, exiting, down), and the shards the region holds.
   */
  public record Region<R>(R ref, String node, Set<String> roles, boolean leaving, List<String> shards) {
    public Region {
      roles = Set.copyOf(roles);
      shards = List.copyOf(shards);
    }

    /** Whether this region's node serves {@code site} and stays. */
    public boolean homeOf(String site) {
      return !leaving && roles.contains(roleOf(site));
    }
  }

  // staying nodes first, then the fewest shards, then the address (the same choice every time)
  private static final Comparator<Region<?>> LEAST_LOADED = Comparator.<Region<?>, Boolean>comparing(Region::leaving)
      .thenComparingInt(r -> r.shards().size())
      .thenComparing(Region::node);

  /**
   * The region that should run {@code site}'s shard: the least loaded of the site's own staying
   * nodes when there is one, else the least loaded of all (staying ones first); empty when there is
   * no region at all.
   */
  public static <R> Optional<Region<R>> allocate(String site, Collection<Region<R>> regions) {
    Optional<Region<R>> home = regions.stream().filter(r -> r.homeOf(site)).min(LEAST_LOADED);
    return home.isPresent() ? home : regions.stream().min(LEAST_LOADED);
  }

  /**
   * The shards to move, each to be allocated again (by {@link #allocate}) at its next message: those
   * that run away from their site while a node of the site has a region, except those already
   * moving ({@code inProgress}). A shard at home, or whose site has no node, stays where it is.
   */
  public static <R> Set<String> rebalance(Collection<Region<R>> regions, Set<String> inProgress) {
    Set<String> away = new TreeSet<>();
    for (Region<R> r : regions) {
      for (String shard : r.shards()) {
        if (!inProgress.contains(shard) && !r.homeOf(shard) && regions.stream().anyMatch(h -> h.homeOf(shard))) {
          away.add(shard);
        }
      }
    }
    return away;
  }
}
