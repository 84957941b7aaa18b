package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A site's switch and uplink: what 0 means, what is refused, and a site with them through the journal's CBOR, old and new. */
class SiteFabricTest {

  private static final ObjectMapper CBOR = new CBORMapper().registerModule(new Jdk8Module()).registerModule(new JavaTimeModule())
      .registerModule(new ParameterNamesModule()).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static Site site(SiteFabric fabric) {
    return new Site("lyon", new Capacity(8, 32, 64L << 30), 1.13, PriceSchedule.flat(0), 0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of(), fabric);
  }

  @Test
  void zeroIsNotABottleneck() {
    assertFalse(SiteFabric.NON_BLOCKING.limitsBackbone() || SiteFabric.NON_BLOCKING.limitsUplink());
    assertEquals(Double.POSITIVE_INFINITY, SiteFabric.NON_BLOCKING.backbone());
    SiteFabric g5k = new SiteFabric(0, 10e9 / 8);
    assertTrue(g5k.limitsUplink() && !g5k.limitsBackbone());
    assertEquals(10e9 / 8, g5k.uplink());
  }

  @Test
  void aNegativeOrInfiniteBandwidthIsRefusedNamed() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new SiteFabric(-1, 0)).getMessage().contains("backbone"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new SiteFabric(0, Double.POSITIVE_INFINITY)).getMessage().contains("uplink"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new SiteFabric(Double.NaN, 0)).getMessage().contains("backbone"));
  }

  @Test
  void aSiteKeepsItsFabricThroughCborAndOneWrittenWithoutItHasNone() throws Exception {
    Site limited = site(new SiteFabric(400e9 / 8, 10e9 / 8));
    assertEquals(limited, CBOR.readValue(CBOR.writeValueAsBytes(limited), Site.class));
    // as journals written before the fabric existed hold a site: no such field
    ObjectNode old = CBOR.valueToTree(limited);
    old.remove("fabric");
    Site read = CBOR.treeToValue(old, Site.class);
    assertEquals(SiteFabric.NON_BLOCKING, read.fabric());
    assertEquals(limited.withFabric(SiteFabric.NON_BLOCKING), read);
    // every copy keeps it
    assertEquals(limited.fabric(), limited.withCapacity(new Capacity(4, 16, 32L << 30)).fabric());
    assertEquals(limited.fabric(), limited.withHosting(PriceSchedule.flat(1)).fabric());
    assertEquals(limited.fabric(), limited.withAvailability(List.of()).fabric());
  }
}
