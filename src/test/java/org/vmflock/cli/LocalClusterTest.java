package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** How {@code bench cluster} counts the periods lost, from the sites' periods as the API lists them. */
class LocalClusterTest {

  private static final Set<String> VMS = Set.of("vm1", "vm2", "vm3", "vm4");

  private static JsonNode period(long q, String state, String... reported) {
    ObjectNode p = LocalCluster.JSON.createObjectNode().put("period", q).put("state", state);
    List.of(reported).forEach(p.putArray("reported")::add);
    return p;
  }

  private static Map<Long, JsonNode> site(JsonNode... periods) {
    Map<Long, JsonNode> out = new TreeMap<>();
    for (JsonNode p : periods) {
      out.put(p.get("period").asLong(), p);
    }
    return out;
  }

  @Test
  void aPeriodIsLostUnlessEveryVmReportedItOnceAtOneSiteOrTheOtherAndEachSiteHasItComplete() {
    Map<Long, JsonNode> east = site(
        period(1, "complete", "vm1", "vm2", "vm3", "vm4"),
        period(2, "complete", "vm3", "vm4"), // moved in period 2: two at each site
        period(4, "missing", "vm1", "vm2", "vm3", "vm4"), // reported all, but closed without one the roster expected
        period(5, "complete", "vm1", "vm2", "vm3"),
        period(6, "complete", "vm1", "vm2", "vm3", "vm4"),
        period(7, "open", "vm1", "vm2", "vm3", "vm4"));
    Map<Long, JsonNode> west = site(
        period(2, "complete", "vm1", "vm2"),
        period(3, "complete", "vm1", "vm2", "vm3", "vm4"),
        period(6, "complete", "vm4")); // reported twice
    assertEquals(List.of(4L, 5L, 6L, 7L, 8L), LocalCluster.lostPeriods(List.of(east, west), 1, 8, VMS),
        "1-3 whole; 4 incomplete at east; 5 without vm4; 6 with vm4 twice; 7 open; 8 at neither site");
    assertEquals(List.of(), LocalCluster.lostPeriods(List.of(east, west), 1, 3, VMS));
  }
}
