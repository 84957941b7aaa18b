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
import org.vmflock.model.Workload;

/**
 * Seconds per work second of the bulk-synchronous model, by hand: 1 / slowest speed + the busiest VM
 * interface or inter-site link (bytes over the bandwidth the path gives this application) + each
 * round's slowest hop (here no rounds are known: syncs barriers among all that talk).
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

  /** v1 -> v2: 10 MB per work second, v2 -> v3: 5 MB, v3 -> v1: 4 MB; {@code syncs} barriers per work second. */
  private static Application app(String name, double syncs) {
    List<String> vms = List.of(name + "1", name + "2", name + "3");
    double[][] bytes = {{0, 10 * MB, 0}, {0, 0, 5 * MB}, {4 * MB, 0, 0}};
    return PlanFixtures.app(name, vms.stream().map(PlanFixtures::vm).toList(),
        new Workload(1000, 0, syncs, PlanFixtures.traffic(vms, bytes)), Objective.TIME);
  }

  private double rate(Application app, Placement p, Infrastructure infra, LinkShare share) {
    return model.secondsPerWork(app, TrafficLayout.of(app, p, infra), infra, share);
  }

  @Test
  void oneSiteComputesAndExchangesOverItsOwnNetwork() {
    // All on a (speed 2): compute 1/2; each VM's interface at 1000 MB/s, the busiest v1 (sends 10 MB)
    // and v2 (receives 10 MB): 0.01 s, not the site's 19 MB through one pipe; 10 syncs x 0.1 ms = 0.001 s.
    Infrastructure infra = infra(2, 1);
    Application app = app("v", 10);
    assertEquals(0.5 + 0.010 + 0.001, rate(app, Placement.all(app.vmNames(), "a"), infra, LinkShare.none(2)), EPS);
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
    // v1, v2 on a; v3 on b; both speed 1. Inside a: v1 -> v2 10 MB at 1000 MB/s = 0.01 s.
    // a -> b: v2 -> v3 5 MB at 100 MB/s = 0.05 s; b -> a: v3 -> v1 4 MB = 0.04 s. The slowest
    // exchange: 0.05 s. Latency: the largest path used is the link's 10 ms, x 10 syncs = 0.1 s.
    // Total 1 + 0.05 + 0.1 = 1.15 s per work second.
    Infrastructure infra = infra(1, 1);
    Application app = app("v", 10);
    Placement p = Placement.of(Map.of("v1", "a", "v2", "a", "v3", "b"));
    assertEquals(1.15, rate(app, p, infra, LinkShare.none(2)), EPS);
    // without barriers, only compute and exchange: 1.05 s
    assertEquals(1.05, rate(app("v", 0), p, infra, LinkShare.none(2)), EPS);
  }

  @Test
  void theSlowestCpuGoverns() {
    // a at speed 2, b at speed 0.5, one VM on b: compute 1 / 0.5 = 2 s (not the mean, not the fastest).
    // Placement v1, v2 on a, v3 on b, 0 syncs: 2 + 0.05 = 2.05 s.
    Infrastructure infra = infra(2, 0.5);
    Placement p = Placement.of(Map.of("v1", "a", "v2", "a", "v3", "b"));
    assertEquals(2.05, rate(app("v", 0), p, infra, LinkShare.none(2)), EPS);
  }

  @Test
  void syncsPayTheLargestLatencyUsed() {
    // Same split, 100 syncs per work second: 100 x 10 ms = 1 s on top of 1.05 s.
    Infrastructure infra = infra(1, 1);
    Placement p = Placement.of(Map.of("v1", "a", "v2", "a", "v3", "b"));
    assertEquals(2.05, rate(app("v", 100), p, infra, LinkShare.none(2)), EPS);
  }

  @Test
  void anotherApplicationOnTheLinkHalvesItsBandwidth() {
    // Another application "w" also sends between a and b: the link's 100 MB/s is shared by two:
    // a -> b 5 MB at 50 MB/s = 0.1 s (was 0.05). The site's own network is not shared.
    // 1 + 0.1 + 10 x 0.01 = 1.2 s.
    Infrastructure infra = infra(1, 1);
    Application app = app("v", 10);
    Placement p = Placement.of(Map.of("v1", "a", "v2", "a", "v3", "b"));
    Application other = app("w", 0);
    LinkShare share = LinkShare.none(2);
    share.add(TrafficLayout.of(other, Placement.of(Map.of("w1", "a", "w2", "b", "w3", "b")), infra), +1);
    assertEquals(1.2, rate(app, p, infra, share), EPS);
    // when the other application keeps to one site, the link is this one's alone again
    LinkShare local = LinkShare.none(2);
    local.add(TrafficLayout.of(other, Placement.all(other.vmNames(), "b"), infra), +1);
    assertEquals(1.15, rate(app, p, infra, local), EPS);
  }
}
