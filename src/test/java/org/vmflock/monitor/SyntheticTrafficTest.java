package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.capture.SyntheticTraffic;
import org.vmflock.monitor.stats.GlobalStatistics;
import org.vmflock.monitor.stats.PeriodStatistics;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.testing.TestConfigs;

/**
 * Synthetic traffic from a rate matrix (M4) through a host's monitor, its sensors and a collector,
 * time driven by a manual clock: each period holds exactly the rates times its length.
 */
class SyntheticTrafficTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static final MonitorSettings SETTINGS = TestConfigs.settings(Map.of(
      "vmflock.monitor.period", "10s", "vmflock.monitor.watermark-lag", "0s", "vmflock.monitor.flush-interval", "100ms"));
  private static final PeriodGrid GRID = SETTINGS.grid();
  private static final long P = 170_000_000L;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void eachPeriodHoldsTheRatesTimesItsLength() {
    List<VmEndpoint> vms = List.of(
        new VmEndpoint("vm1", "s", MacAddress.parse("02:00:00:00:00:01"), List.of(IpAddress.parse("10.0.0.1"))),
        new VmEndpoint("vm2", "s", MacAddress.parse("02:00:00:00:00:02"), List.of(IpAddress.parse("fd00::2"))));
    // per second: vm1 sends vm2 100 frames of 1000 bytes; vm2 sends vm1 2.5 frames of 240 bytes
    TrafficMatrix rates = new TrafficMatrix(List.of("vm1", "vm2"),
        new double[][] {{0, 100}, {2.5, 0}}, new double[][] {{0, 100_000}, {600, 0}});
    ManualClock clock = new ManualClock(GRID.start(P));
    TrafficCounter counter = new TrafficCounter("h1", GRID, vms, List.of());
    SyntheticTraffic source = new SyntheticTraffic(rates, vms, clock, counter);
    ActorRef<Collector.Command> collector = testKit.spawn(Collector.create("s", SETTINGS.collector(), 100, Duration.ofHours(1), clock));
    ActorRef<HostMonitor.Command> monitor = testKit.spawn(HostMonitor.polled(
        new HostMonitor.HostSpec("h1", "s", vms, GRID.startMicros(P)), SETTINGS, clock, site -> collector, () -> source));
    TestProbe<HostMonitor.Ready> ready = testKit.createTestProbe(HostMonitor.Ready.class);
    monitor.tell(new HostMonitor.AwaitReady(ready.ref()));
    ready.receiveMessage();

    clock.advance(Duration.ofSeconds(20)); // two whole periods
    monitor.tell(HostMonitor.StopCapture.INSTANCE);
    TestProbe<HostMonitor.Drained> drained = testKit.createTestProbe(HostMonitor.Drained.class);
    monitor.tell(new HostMonitor.Drain(drained.ref()));
    drained.receiveMessage();

    TestProbe<SiteSnapshot> snapshot = testKit.createTestProbe(SiteSnapshot.class);
    collector.tell(new Collector.GetPeriods(P, P + 2, snapshot.ref()));
    GlobalStatistics g = new GlobalStatistics(List.of(snapshot.receiveMessage()), SETTINGS.collector());
    for (long p = P; p < P + 2; p++) {
      PeriodStatistics s = g.statistics(p, clock.epochMillis());
      assertEquals(1000, s.matrix().packets(0, 1), "vm1 -> vm2 frames in period " + p);
      assertEquals(1_000_000, s.matrix().bytes(0, 1));
      assertEquals(25, s.matrix().packets(1, 0), "vm2 -> vm1 frames in period " + p);
      assertEquals(25 * 240, s.matrix().bytes(1, 0));
    }
  }
}
