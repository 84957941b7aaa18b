package org.vmflock.monitor;

import org.vmflock.node.Replay;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.clock.ManualClock;
import org.vmflock.clock.Sleeper;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.capture.Pace;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.node.VmflockNode;
import org.vmflock.testing.TestConfigs;
import org.vmflock.testing.TestData;

/** Replays on one node: paced by the capture's timestamps, and over VMs of several sites. */
class ReplayTest {

  @TempDir static Path journal;
  private static VmflockNode node;

  @BeforeAll
  static void start() {
    node = VmflockNode.start("replay-test", TestConfigs.node(journal, Map.of("vmflock.monitor.period", "1s")), Clock.system());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void aPacedReplayFollowsTheCapturesTimestampsAtTheGivenSpeed() throws Exception {
    // the replay's clock only moves when the replay sleeps, so its sleeps add up to the pacing
    ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    List<Duration> sleeps = new ArrayList<>();
    Sleeper sleeper = d -> {
      sleeps.add(d);
      clock.advance(d);
    };
    List<Replay.Progress> progress = new ArrayList<>();
    VmInventory vms = VmInventory.read(TestData.npb("vms4.csv"));
    Replay.Result r = Replay.run(node, vms, List.of(TestData.npb("ep.A.4.pcap.gz")), Pace.parse("x2"), clock, sleeper, progress::add);
    long captureMicros = r.lastFrameMicros() - r.firstFrameMicros();
    long slept = sleeps.stream().mapToLong(Duration::toNanos).sum() / 1000;
    // the last frame is due half the capture's span after the first
    assertEquals(captureMicros / 2, slept, 1, "slept " + slept + " us for a capture of " + captureMicros + " us at x2");
    assertTrue(progress.stream().anyMatch(p -> !p.done()), "progress shown while the replay runs");
    assertTrue(progress.get(progress.size() - 1).done());
    assertEquals(MatrixCsv.read(TestData.npb("ep.A.4.bytes.csv"), TrafficMetric.BYTES).reorder(vms.names()).totalBytes(),
        r.statistics().matrix().reorder(vms.names()).totalBytes());
  }

  @Test
  void vmsOfSeveralSitesAreMergedByTheGlobalView(@TempDir Path dir) throws Exception {
    Path twoSites = dir.resolve("vms.csv");
    Files.writeString(twoSites, """
        vm,ip,mac,site
        vm1,10.77.0.1,02:00:00:77:00:01,rennes
        vm2,10.77.0.2,02:00:00:77:00:02,rennes
        vm3,10.77.0.3,02:00:00:77:00:03,lyon
        vm4,10.77.0.4,02:00:00:77:00:04,lyon
        """);
    VmInventory vms = VmInventory.read(twoSites);
    Replay.Result r = Replay.run(node, vms, List.of(TestData.npb("cg.A.4.pcap.gz")), Pace.MAX, Clock.system(), Sleeper.system(), p -> { });
    TrafficMatrix reference = MatrixCsv.read(TestData.npb("cg.A.4.packets.csv"), TrafficMetric.PACKETS);
    TrafficMatrix observed = r.statistics().matrix().reorder(vms.names());
    for (int s = 0; s < 4; s++) {
      for (int d = 0; d < 4; d++) {
        assertEquals(reference.packets(s, d), observed.packets(s, d), "vm" + (s + 1) + " -> vm" + (d + 1));
      }
    }
    assertTrue(node.sitesInJournal().containsAll(List.of("rennes", "lyon")));
  }
}
