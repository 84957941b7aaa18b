package org.vmflock.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.site.SiteEvent;

/** The infrastructure the planner gets from the knowledge. */
class KnowledgeTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final long GIB = 1L << 30;

  private static SiteEnvironment site(String name, Optional<Integer> quota) {
    Site s = new Site(name, new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(0.1), 0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    return SiteEnvironment.undefined(name).apply(new SiteEvent.Changed(new EnvironmentChange.Define(s, List.of(), quota), NOW));
  }

  @Test
  void aSitesQuotaCapsTheSlotsThePlannerSees() {
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("open", Optional.empty()), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("capped", Optional.of(3)), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("closed", Optional.of(0)), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("loose", Optional.of(100)), NOW));
    Infrastructure infra = k.infrastructure(Optional.of(new NetworkPath(Duration.ofMillis(10), 1e9 / 8)));
    assertEquals(8, infra.site("open").orElseThrow().capacity().slots());
    assertEquals(3, infra.site("capped").orElseThrow().capacity().slots());
    assertEquals(0, infra.site("closed").orElseThrow().capacity().slots());
    assertEquals(8, infra.site("loose").orElseThrow().capacity().slots(), "a quota above the capacity changes nothing");
    assertEquals(32, infra.site("capped").orElseThrow().capacity().cores(), "cores and memory stay the site's");
  }
}
