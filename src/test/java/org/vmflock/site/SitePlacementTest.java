package org.vmflock.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmflock.model.InvalidInputException;
import org.vmflock.node.NodeConfig;
import org.vmflock.site.SitePlacement.Region;

/** Where a site's shard goes, and when it goes home: {@link SitePlacement} on plain regions. */
class SitePlacementTest {

  private static Region<String> region(String node, List<String> roles, String... shards) {
    return new Region<>(node, "pekko://vmflock@" + node, Set.copyOf(roles), false, List.of(shards));
  }

  private static Region<String> leaving(Region<String> r) {
    return new Region<>(r.ref(), r.node(), r.roles(), true, r.shards());
  }

  private static final List<String> RENNES = List.of("site", "site-rennes", "manager");
  private static final List<String> LYON = List.of("site", "site-lyon", "manager");
  private static final List<String> CLOUD = List.of("site", "site-cloud");

  @Test
  void aSiteShardGoesToANodeOfItsSiteEvenWhenItIsTheMostLoaded() {
    List<Region<String>> regions = List.of(region("a", RENNES, "x", "y", "z"), region("b", LYON), region("c", CLOUD));
    assertEquals("a", SitePlacement.allocate("rennes", regions).orElseThrow().ref());
    assertEquals("b", SitePlacement.allocate("lyon", regions).orElseThrow().ref());
    assertEquals("c", SitePlacement.allocate("cloud", regions).orElseThrow().ref());
  }

  @Test
  void amongTheNodesOfItsSiteTheLeastLoaded() {
    List<Region<String>> regions = List.of(region("a1", RENNES, "x", "y"), region("a2", RENNES, "z"), region("b", LYON));
    assertEquals("a2", SitePlacement.allocate("rennes", regions).orElseThrow().ref());
  }

  @Test
  void withoutANodeOfItsSiteTheLeastLoadedStayingNode() {
    Region<String> a = region("a", RENNES);
    List<Region<String>> regions = List.of(leaving(a), region("b", LYON, "lyon", "x"), region("c", CLOUD, "cloud"));
    // rennes' only node is leaving: it is no home, and the least loaded staying node takes the shard
    assertEquals("c", SitePlacement.allocate("rennes", regions).orElseThrow().ref());
    assertEquals("c", SitePlacement.allocate("nancy", regions).orElseThrow().ref(), "a site no node serves");
    // equal loads: the same node every time (by address)
    assertEquals("b", SitePlacement.allocate("nancy", List.of(region("c", CLOUD), region("b", LYON))).orElseThrow().ref());
  }

  @Test
  void nodesWithoutSiteRolesShareTheShardsByLoad() {
    // the default configuration: roles site and manager, no site-<name>
    List<String> plain = List.of("site", "manager");
    List<Region<String>> regions = List.of(region("a", plain, "east"), region("b", plain));
    assertEquals("b", SitePlacement.allocate("west", regions).orElseThrow().ref());
    assertEquals(Set.of(), SitePlacement.rebalance(regions, Set.of()), "nothing has a home to go to");
  }

  @Test
  void noRegionNoChoice() {
    assertEquals(Optional.empty(), SitePlacement.allocate("rennes", List.<Region<String>>of()));
  }

  @Test
  void aShardAwayFromItsSiteGoesHomeWhenANodeOfTheSiteIsBack() {
    // rennes' node was away: its shard ran on cloud's node; rennes' node is back (a new region, empty)
    List<Region<String>> regions = List.of(region("a", RENNES), region("b", LYON, "lyon"), region("c", CLOUD, "cloud", "rennes", "nancy"));
    assertEquals(Set.of("rennes"), SitePlacement.rebalance(regions, Set.of()), "nancy has no node: it stays");
    assertEquals(Set.of(), SitePlacement.rebalance(regions, Set.of("rennes")), "already moving");
    // without rennes' node, nothing moves
    assertEquals(Set.of(), SitePlacement.rebalance(List.of(regions.get(1), regions.get(2)), Set.of()));
    // rennes' node back but leaving: not a home
    assertEquals(Set.of(), SitePlacement.rebalance(List.of(leaving(regions.get(0)), regions.get(1), regions.get(2)), Set.of()));
  }

  @Test
  void aShardAtHomeStaysThereWhateverTheLoad() {
    List<Region<String>> regions = List.of(region("a1", RENNES, "rennes"), region("a2", RENNES), region("b", LYON, "lyon"));
    assertEquals(Set.of(), SitePlacement.rebalance(regions, Set.of()));
  }

  @Test
  void aShardOnALeavingNodeOfItsSiteMovesToAnotherNodeOfTheSite() {
    Region<String> a1 = leaving(region("a1", RENNES, "rennes"));
    assertEquals(Set.of("rennes"), SitePlacement.rebalance(List.of(a1, region("a2", RENNES)), Set.of()));
    assertEquals("a2", SitePlacement.allocate("rennes", List.of(a1, region("a2", RENNES, "x", "y"))).orElseThrow().ref());
  }

  @Test
  void rolesVmflockActsOnAreAccepted() {
    SitePlacement.checkRoles(List.of("site", "manager"), Optional.empty());
    SitePlacement.checkRoles(List.of("manager"), Optional.empty());
    SitePlacement.checkRoles(List.of("site", "site-rennes", "manager"), Optional.of(List.of("rennes")));
    SitePlacement.checkRoles(List.of("site", "site-rennes", "site-nancy"), Optional.of(List.of("nancy", "rennes")));
  }

  @Test
  void aNodesConfigurationHasBothRolesByDefaultAndIsRefusedWithOthers() {
    assertEquals(List.of("site", "manager"), NodeConfig.load(Optional.empty(), Map.of()).getStringList("pekko.cluster.roles"));
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> NodeConfig.load(Optional.empty(), Map.of("pekko.cluster.roles", List.of("monitor", "manager"))));
    assertTrue(e.getMessage().contains("pekko.cluster.roles"), e.getMessage());
  }

  @Test
  void otherRolesAreRefusedNamingTheSetting() {
    InvalidInputException unknown = assertThrows(InvalidInputException.class,
        () -> SitePlacement.checkRoles(List.of("monitor", "manager"), Optional.empty()));
    assertTrue(unknown.getMessage().contains("pekko.cluster.roles") && unknown.getMessage().contains("unknown role \"monitor\""), unknown.getMessage());
    assertThrows(InvalidInputException.class, () -> SitePlacement.checkRoles(List.of("site", "site-"), Optional.empty()));
    InvalidInputException none = assertThrows(InvalidInputException.class, () -> SitePlacement.checkRoles(List.of(), Optional.empty()));
    assertTrue(none.getMessage().contains("neither site nor manager"), none.getMessage());
    InvalidInputException alone = assertThrows(InvalidInputException.class,
        () -> SitePlacement.checkRoles(List.of("site-rennes", "manager"), Optional.empty()));
    assertTrue(alone.getMessage().contains("without role site"), alone.getMessage());
    InvalidInputException noRole = assertThrows(InvalidInputException.class,
        () -> SitePlacement.checkRoles(List.of("site", "site-rennes"), Optional.of(List.of("rennes", "lyon"))));
    assertTrue(noRole.getMessage().contains("vmflock.node.sites") && noRole.getMessage().contains("site lyon has no role site-lyon"),
        noRole.getMessage());
    InvalidInputException unnamed = assertThrows(InvalidInputException.class,
        () -> SitePlacement.checkRoles(List.of("site", "site-rennes", "site-lyon"), Optional.of(List.of("rennes"))));
    assertTrue(unnamed.getMessage().contains("does not name lyon"), unnamed.getMessage());
  }
}
