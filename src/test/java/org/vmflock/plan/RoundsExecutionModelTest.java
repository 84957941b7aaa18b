package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmflock.model.Application;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.CommunicationRounds.Hop;
import org.vmflock.model.CommunicationRounds.Kind;
import org.vmflock.model.CommunicationRounds.RoundClass;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/** The round-based execution model (P1): which rounds pay a slow path, pipelines, per-interface bandwidth, splits never faster. */
class RoundsExecutionModelTest {

  private static final double WAN_LATENCY = 0.010;
  private static final NetworkPath WAN = new NetworkPath(Duration.ofMillis(10), 1e9 / 8);
  private static final double LAN_LATENCY = PlanFixtures.LAN.latencySeconds();
  private static final List<String> VMS = List.of("v1", "v2", "v3", "v4");
  private final BspExecutionModel model = new BspExecutionModel();

  @Test
  void onlyTheRoundsThatCrossSitesPayTheLinksLatency() {
    // two groups swap halos 100 times a work second each, and talk to each other 10 times
    CommunicationRounds rounds = new CommunicationRounds(List.of(
        exchange(100, 0, 1), exchange(100, 2, 3), exchange(10, 1, 2)));
    Application app = app(rounds, 0);
    ExecutionBreakdown along = breakdown(app, "a", "a", "b", "b");
    assertEquals(200 * LAN_LATENCY + 10 * WAN_LATENCY, along.latencySeconds(), 1e-9);
    assertEquals(10, along.wanRounds(), 1e-9);
    ExecutionBreakdown against = breakdown(app, "a", "b", "a", "b");
    assertEquals(200 * WAN_LATENCY + 10 * WAN_LATENCY, against.latencySeconds(), 1e-9);
    assertEquals(210, against.wanRounds(), 1e-9);
    ExecutionBreakdown whole = breakdown(app, "a", "a", "a", "a");
    assertEquals(210 * LAN_LATENCY, whole.latencySeconds(), 1e-9);
    assertEquals(0, whole.wanRounds());
  }

  @Test
  void aPipelineSweepPaysEachSlowHopOfItsChainOnceNotEachStage() {
    // LU-like: a chain v1 -> v2 -> v3 -> v4, 2 sweeps a work second (however many planes each carries)
    CommunicationRounds rounds = new CommunicationRounds(List.of(new RoundClass(Kind.PIPELINE, 2,
        List.of(new Hop(0, 1), new Hop(1, 2), new Hop(2, 3)))));
    Application app = app(rounds, 0);
    assertEquals(2 * (2 * LAN_LATENCY + WAN_LATENCY), breakdown(app, "a", "a", "b", "b").latencySeconds(), 1e-9);
    assertEquals(2, breakdown(app, "a", "a", "b", "b").wanRounds(), 1e-9);
    assertEquals(2 * 3 * WAN_LATENCY, breakdown(app, "a", "b", "a", "b").latencySeconds(), 1e-9);
    assertEquals(6, breakdown(app, "a", "b", "a", "b").wanRounds(), 1e-9);
  }

  @Test
  void aSitesNetworkIsEachVmsInterfaceNotOnePipeTheyShare() {
    // every VM sends 1 GB a work second to its ring neighbour: each interface carries 1 GB, the site 4 GB
    double[][] bytes = new double[4][4];
    for (int v = 0; v < 4; v++) {
      bytes[v][(v + 1) % 4] = 1e9;
    }
    Application app = app(CommunicationRounds.UNKNOWN, 0, bytes);
    ExecutionBreakdown whole = breakdown(app, "a", "a", "a", "a");
    assertEquals(1e9 / PlanFixtures.LAN.bytesPerSecond(), whole.bandwidthSeconds(), 1e-9);
    // split, two of the ring's hops cross the 1 Gbit/s link, one each way: 1 GB each way over it
    ExecutionBreakdown split = breakdown(app, "a", "a", "b", "b");
    assertEquals(1e9 / WAN.bytesPerSecond(), split.bandwidthSeconds(), 1e-9);
  }

  @Test
  void noSplitIsPredictedFasterThanOneSiteWithEqualCpus() {
    Random random = new Random(14);
    for (int trial = 0; trial < 500; trial++) {
      int n = 2 + random.nextInt(7);
      double[][] bytes = new double[n][n];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          bytes[i][j] = i != j && random.nextDouble() < 0.5 ? random.nextDouble() * 1e9 : 0;
        }
      }
      List<RoundClass> classes = new ArrayList<>();
      for (int c = 0; c < 1 + random.nextInt(4); c++) {
        List<Hop> hops = new ArrayList<>();
        for (int h = 0; h < 1 + random.nextInt(n); h++) {
          int from = random.nextInt(n);
          int to = (from + 1 + random.nextInt(n - 1)) % n;
          if (!hops.contains(new Hop(from, to))) {
            hops.add(new Hop(from, to));
          }
        }
        classes.add(new RoundClass(random.nextBoolean() ? Kind.EXCHANGE : Kind.PIPELINE, random.nextDouble() * 1000, hops));
      }
      List<String> vms = new ArrayList<>();
      for (int v = 0; v < n; v++) {
        vms.add("v" + v);
      }
      Application app = app(new CommunicationRounds(classes), 1, traffic(vms, bytes));
      NetworkPath link = new NetworkPath(Duration.ofNanos((long) (random.nextDouble() * 20e6)), (0.01 + random.nextDouble() * 20) * 1e9 / 8);
      Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", n, 1, 0.1), PlanFixtures.site("b", n, 1, 0.1)), link);
      double whole = model.secondsPerWork(app, TrafficLayout.of(app, Placement.all(vms, "a"), infra), infra, LinkShare.none(2));
      Placement split = Placement.EMPTY;
      for (String v : vms) {
        split = split.with(v, random.nextBoolean() ? "a" : "b");
      }
      double there = model.secondsPerWork(app, TrafficLayout.of(app, split, infra), infra, LinkShare.none(2));
      assertTrue(there >= whole - 1e-12, "trial " + trial + ": " + split + " predicted " + there + " s per work second, one site " + whole);
    }
  }

  private ExecutionBreakdown breakdown(Application app, String... sites) {
    Infrastructure infra = PlanFixtures.infra(List.of(PlanFixtures.site("a", 4, 1, 0.1), PlanFixtures.site("b", 4, 1, 0.1)), WAN);
    Placement p = Placement.EMPTY;
    for (int v = 0; v < sites.length; v++) {
      p = p.with(VMS.get(v), sites[v]);
    }
    return model.breakdown(app, TrafficLayout.of(app, p, infra), infra, LinkShare.none(2));
  }

  private static RoundClass exchange(double perWork, int a, int b) {
    return new RoundClass(Kind.EXCHANGE, perWork, List.of(new Hop(a, b), new Hop(b, a)));
  }

  private static Application app(CommunicationRounds rounds, double syncs) {
    return app(rounds, syncs, new double[4][4]);
  }

  private static Application app(CommunicationRounds rounds, double syncs, double[][] bytes) {
    return app(rounds, syncs, traffic(VMS, bytes));
  }

  private static Application app(CommunicationRounds rounds, double syncs, TrafficMatrix traffic) {
    List<Vm> vms = traffic.vms().stream().map(PlanFixtures::vm).toList();
    return new Application("app", vms, new Workload(100, 0, syncs, traffic, rounds), Objective.TIME, Optional.empty(), Optional.empty(), 0);
  }

  private static TrafficMatrix traffic(List<String> vms, double[][] bytes) {
    return new TrafficMatrix(vms, new double[vms.size()][vms.size()], bytes);
  }
}
