package org.vmflock.emulate.lab;

import java.time.Duration;

/** The tests' federation of three sites linked in a triangle at 1 Gbit/s: a-b 2 ms, a-c 6 ms, b-c 1 ms one way. */
final class Triangle {

  static final Duration DELAY_AB = Duration.ofMillis(2);
  private static final long RATE = 1_000_000_000L;

  private Triangle() {}

  /** Its sites and links; the caller adds what else it needs (an overlay) and builds it. */
  static FederationSpec.Builder spec() {
    return FederationSpec.builder().site("a").site("b").site("c")
        .link("a", "b", WanLinkSpec.of(DELAY_AB, RATE))
        .link("a", "c", WanLinkSpec.of(Duration.ofMillis(6), RATE))
        .link("b", "c", WanLinkSpec.of(Duration.ofMillis(1), RATE));
  }
}
