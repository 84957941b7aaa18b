package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.SiteFabric;
import org.vmflock.model.Workload;

/**
 * Seconds per work second of the bulk-synchronous model, by hand: the larger of 1 / slowest speed and
 * the busiest VM interface, inter-site link, site uplink or switch (bytes over the bandwidth the path
 * gives this application; transfers overlap compute), + each round's slowest hop (here no rounds are
 * known: syncs barriers among all that talk).
 */
class BspExecutionModelTest {

  private static final double MB = 1e6;
  private static final double EPS = 1e-12;
  /** Inside a site: 1000 MB/s, 0.1 ms. */
  private static final NetworkPath INSIDE = new NetworkPath(Duration.ofNanos(100_000), 1000 * MB);
  /** Between a and b: 100 MB/s, 10 ms. */
  private static final NetworkPath SLOW = new NetworkPath(Duration.ofMillis(10), 100 * MB);

  private final BspExecutionModel model = new BspExecutionModel();

  private static Site site(String name, double speed) {
    return new Site(name, new Capacity(8, 32, 64L << 30), speed, PriceSchedule.flat(0.1), 0.02, Map.of(), INSIDE, List.of());
  }

  private static Infrastructure infra(double speedA, double speedB) {
    return new Infrastructure(List.of(site("a", speedA), site("b", speedB)), List.of(new Link("a", "b", SLOW)), Optional.empty());
  }

  /** v1 -> v2: 10 MB per work second, v2 -> v3: 5 MB, v3 -> v1: 4 MB, all times {@code scale}; {@code syncs} barriers per work second. */
  private static Application app(String name, double syncs, double scale) {
    List<String> vms = List.of(name + "1", name + "2", name + "3");
    double[][] bytes = {{0, 10 * MB * scale, 0}, {0, 0, 5 * MB * scale}, {4 * MB * scale, 0, 0}};
    return PlanFixtures.app(name, vms.stream().map(PlanFixtures::vm).toList(),
        new Workload(1000, 0, syncs, PlanFixtures.traffic(vms, bytes)), Objective.TIME);
  }

  private static Application app(String name, double syncs) {
    return app(name, syncs, 1);
  }

  private double rate(Application app, Placement p, Infrastructure infra, LinkShare share) {
    return model.secondsPerWork(app, TrafficLayout.of(app, p, infra), infra, share);
  }

  private static final Placement SPLIT = Placement.of(Map.of("v1", "a", "v2", "a", "v3", "b"));

  @Test
  void oneSiteComputesAndExchangesOverItsOwnNetwork() {
    // All on a (speed 2): compute 1/2; each VM's interface at 1000 MB/s, the busiest v1 (sends 10 MB)
    // and v2 (receives 10 MB): 0.01 s, not the site's 19 MB through one pipe, and overlapped by the
    // compute; 10 syncs x 0.1 ms = 0.001 s.
    Infrastructure infra = infra(2, 1);
    Application app = app("v", 10);
    assertEquals(0.5 + 0.001, rate(app, Placement.all(app.vmNames(), "a"), infra, LinkShare.none(2)), EPS);
    // 100 times the traffic: v1's interface 1 s, longer than the compute: 1 + 0.001
    assertEquals(1 + 0.001, rate(app("v", 10, 100), Placement.all(app.vmNames(), "a"), infra, LinkShare.none(2)), EPS);
  }

  @Test
  void computeOnlyWhenNothingIsExchanged() {
    // No traffic, no path used: only 1 / speed, whatever the syncs.
    Infrastructure infra = infra(4, 1);
    List<String> vms = List.of("c1", "c2");
    Application idle = PlanFixtures.app("c", vms.stream().map(PlanFixtures::vm).toList(),
        new Workload(100, 0, 50, org.vmflock.model.TrafficMatrix.zero(vms)), Objective.TIME);
    assertEquals(0.25, rate(idle, Placement.all(vms, "a"), infra, LinkShare.none(2)), EPS);
  }

  @Test
  void trafficCrossingASlowLink() {
    // v1, v2 on a; v3 on b; both speed 1. Times 40: inside a v1 -> v2 400 MB at 1000 MB/s = 0.4 s;
    // a -> b: v2 -> v3 200 MB at 100 MB/s = 2 s; b -> a: v3 -> v1 160 MB = 1.6 s. The slowest
    // transfer, 2 s, is longer than the compute (1 s). Latency: the largest path used is the link's
    // 10 ms, x 10 syncs = 0.1 s. Total 2 + 0.1 = 2.1 s per work second.
    Infrastructure infra = infra(1, 1);
    assertEquals(2.1, rate(app("v", 10, 40), SPLIT, infra, LinkShare.none(2)), EPS);
    // without barriers, the transfer alone: 2 s
    assertEquals(2.0, rate(app("v", 0, 40), SPLIT, infra, LinkShare.none(2)), EPS);
    // at the first traffic (a -> b 0.05 s), the compute hides it: 1 + 0.1
    assertEquals(1.1, rate(app("v", 10), SPLIT, infra, LinkShare.none(2)), EPS);
  }

  @Test
  void theSlowestCpuGoverns() {
    // a at speed 2, b at speed 0.5, one VM on b: compute 1 / 0.5 = 2 s (not the mean, not the fastest),
    // which hides the 0.05 s transfer; 0 syncs.
    Infrastructure infra = infra(2, 0.5);
    assertEquals(2.0, rate(app("v", 0), SPLIT, infra, LinkShare.none(2)), EPS);
  }

  @Test
  void syncsPayTheLargestLatencyUsed() {
    // Same split, 100 syncs per work second: 100 x 10 ms = 1 s on top of the 1 s compute.
    Infrastructure infra = infra(1, 1);
    assertEquals(2.0, rate(app("v", 100), SPLIT, infra, LinkShare.none(2)), EPS);
  }

  @Test
  void anotherApplicationOnTheLinkHalvesItsBandwidth() {
    // Times 40; another application "w" also sends between a and b: the link's 100 MB/s is shared by
    // two: a -> b 200 MB at 50 MB/s = 4 s (was 2). The site's own network is not shared.
    // 4 + 10 x 0.01 = 4.1 s.
    Infrastructure infra = infra(1, 1);
    Application app = app("v", 10, 40);
    Application other = app("w", 0);
    LinkShare share = LinkShare.none(2);
    share.add(TrafficLayout.of(other, Placement.of(Map.of("w1", "a", "w2", "b", "w3", "b")), infra), +1);
    assertEquals(4.1, rate(app, SPLIT, infra, share), EPS);
    // when the other application keeps to one site, the link is this one's alone again
    LinkShare local = LinkShare.none(2);
    local.add(TrafficLayout.of(other, Placement.all(other.vmNames(), "b"), infra), +1);
    assertEquals(2.1, rate(app, SPLIT, infra, local), EPS);
  }

  /** Three sites a, b, c at speed 1, a's uplink {@code uplink} MB/s, the paths 1000 MB/s, 10 ms. */
  private static Infrastructure withUplink(double uplinkMb, double backboneMb) {
    NetworkPath fast = new NetworkPath(Duration.ofMillis(10), 1000 * MB);
    Site a = site("a", 1).withFabric(new SiteFabric(backboneMb * MB, uplinkMb * MB));
    return new Infrastructure(List.of(a, site("b", 1), site("c", 1)),
        List.of(new Link("a", "b", fast), new Link("a", "c", fast), new Link("b", "c", fast)), Optional.empty());
  }

  @Test
  void aSitesUplinkCarriesEverythingLeavingIt() {
    // Times 40, a's uplink 150 MB/s: a -> b carries v2 -> v3 200 MB (1.33 s at 150 MB/s; the path
    // 0.2 s), b -> a v3 -> v1 160 MB (1.07 s): the uplink's busier direction governs: 200 / 150.
    Infrastructure infra = withUplink(150, 0);
    assertEquals(200.0 / 150, rate(app("v", 0, 40), SPLIT, infra, LinkShare.none(3)), 1e-9);
    // another application leaving a for c (not on the path to b) shares the uplink: 400 / 150
    Application other = app("w", 0);
    LinkShare share = LinkShare.none(3);
    share.add(TrafficLayout.of(other, Placement.of(Map.of("w1", "a", "w2", "c", "w3", "c")), infra), +1);
    assertEquals(400.0 / 150, rate(app("v", 0, 40), SPLIT, infra, share), 1e-9);
    // w is counted at the uplinks it crosses, a's and c's, not b's
    assertEquals(1, share.uplinkOthers(0));
    assertEquals(0, share.uplinkOthers(1));
    assertEquals(1, share.uplinkOthers(2));
  }

  @Test
  void aBlockingSwitchCarriesEverythingInsideAndThroughTheSite() {
    // Times 40, a's switch 500 MB/s, on one site a: 400 + 200 + 160 MB through it = 1.52 s (the interfaces 0.4 s)
    Infrastructure infra = withUplink(0, 500);
    Application app = app("v", 0, 40);
    assertEquals(760.0 / 500, rate(app, Placement.all(app.vmNames(), "a"), infra, LinkShare.none(3)), 1e-9);
    // split: a's switch carries v1 -> v2 (400), a -> b (200) and b -> a (160) alike: 1.52 s; b's does not block
    assertEquals(760.0 / 500, rate(app, SPLIT, infra, LinkShare.none(3)), 1e-9);
    // v2 with v3 on b: a's switch carries v1 -> v2 and v3 -> v1 only (560 MB): a blocking switch makes a split faster
    Placement apart = Placement.of(Map.of("v1", "a", "v2", "b", "v3", "b"));
    assertEquals(560.0 / 500, rate(app, apart, infra, LinkShare.none(3)), 1e-9);
  }

  @Test
  void aFabricThatDoesNotBlockChangesNothing() {
    Infrastructure plain = withUplink(0, 0);
    Infrastructure wide = withUplink(1e6, 1e6);
    for (Placement p : List.of(SPLIT, Placement.all(List.of("v1", "v2", "v3"), "a"))) {
      assertEquals(rate(app("v", 10, 40), p, plain, LinkShare.none(3)), rate(app("v", 10, 40), p, wide, LinkShare.none(3)), EPS);
    }
  }
}
