package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InfrastructureTest {

  private static Site site(String name) {
    return new Site(name, new Capacity(4, 4, 1L << 34), 1.0, PriceSchedule.flat(0), 0, Map.of(), new NetworkPath(Duration.ofNanos(1000), 1e9),
        List.of());
  }

  private static final NetworkPath SLOW = new NetworkPath(Duration.ofMillis(10), 1e8);
  private static final NetworkPath FAST = new NetworkPath(Duration.ofMillis(1), 1e9);
  private static final NetworkPath DEFAULT = new NetworkPath(Duration.ofMillis(50), 1e7);

  @Test
  void aLinkReplacesTheOneBetweenTheSameSitesEitherWayRoundOrIsAdded() {
    Infrastructure infra = new Infrastructure(List.of(site("a"), site("b"), site("c")), List.of(new Link("a", "b", SLOW)), Optional.of(DEFAULT));
    Infrastructure faster = infra.with(new Link("b", "a", FAST));
    assertEquals(1, faster.links().size());
    assertEquals(DEFAULT, faster.path("a", "c"));
    assertEquals(FAST, faster.path("a", "b"));
    Infrastructure more = faster.with(new Link("a", "c", SLOW));
    assertEquals(2, more.links().size());
    assertEquals(SLOW, more.path("c", "a"));
    assertEquals(SLOW, infra.path("a", "b"), "the original is unchanged");
    assertThrows(IllegalArgumentException.class, () -> infra.with(new Link("a", "paris", FAST)));
  }
}
