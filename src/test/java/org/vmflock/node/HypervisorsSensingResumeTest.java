package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.Clock;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol;
import org.vmflock.emulate.hypervisors.TrafficMeter;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.stats.CollectorSettings;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.stats.SitePeriod;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.testing.TestConfigs;

/**
 * A node's sensing of a site started again after VMs moved to that site, as {@code bench cluster}
 * does it (issue 15): the application moved to west while the node sensing west was killed next
 * (before it reported the VMs, after it registered them), and west's collector holds reports of
 * earlier stays only, older than how far back a site resumes (10 minutes, 20 periods of 30 s). The
 * periods from the VMs' arrival are reported, every VM in each. The hypervisors' counters are a
 * {@link TrafficMeter} as the hypervisors' server keeps them; the clock is a manual one, fixed
 * after the restart.
 */
class HypervisorsSensingResumeTest {

  /** A system (and in-memory journal) of each test's own. */
  private ActorTestKit testKit;
  private static final Duration PERIOD = Duration.ofSeconds(30);
  private static final PeriodGrid GRID = PeriodGrid.of(PERIOD);
  /** The period the application's VMs arrive at west in. */
  private static final long P = 60_000_000L;
  private static final List<String> VMS = List.of("app-vm1", "app-vm2", "app-vm3", "app-vm4");

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSiteWhoseReportsAreOlderThanHowFarBackItResumesReportsTheVmsThatJustArrivedFromTheirArrival() {
    // west's VMs left it 22 periods before they came back: its newest report is 23 periods old
    assertArrivalReported(P - 23);
  }

  @Test
  void aSiteWithReportsWithinHowFarBackItResumesReportsTheVmsThatJustArrivedFromTheirArrival() {
    assertArrivalReported(P - 5);
  }

  /**
   * The application at west until period {@code lastReported} (reported), at east after, at west
   * again from period {@code P} on (moved 10 s into it); the node sensing west registered them
   * since {@code P} and was killed; started again at the end of {@code P + 2}.
   */
  private void assertArrivalReported(long lastReported) {
    TrafficMeter meter = new TrafficMeter(Duration.ofHours(1));
    List<TrafficMeter.Rate> rates = new ArrayList<>();
    for (int i = 0; i < VMS.size(); i++) {
      int from = (i + 1) % VMS.size();
      rates.add(new TrafficMeter.Rate(VMS.get(i), VMS.get(from), SimulatedFederation.address(nic(from)).toString(), 100, 100_000));
    }
    meter.rates(GRID.start(lastReported - 3), at("west"), rates);
    meter.rates(GRID.start(lastReported + 1).plusSeconds(5), at("east"), rates);
    meter.rates(GRID.start(P).plusSeconds(10), at("west"), rates);

    Instant now = GRID.end(P + 2).plusSeconds(3);
    ManualClock clock = new ManualClock(now);
    MonitorSettings monitor = TestConfigs.settings(Map.of("vmflock.monitor.period", "30s", "vmflock.monitor.flush-interval", "100ms",
        "vmflock.monitor.report-retry-interval", "200ms"));
    ActorRef<Collector.Command> west = testKit.spawn(Collector.create("west", new CollectorSettings(GRID, Duration.ofSeconds(10), 0), 1000,
        Duration.ofMillis(100), clock));
    // what the earlier incarnations left: the reports of the earlier stay, then the VMs' arrival registered
    String before = HypervisorsSensing.hostPrefix("west") + (lastReported - 3);
    answered(west, r -> new Collector.Register(before, roster(before, lastReported - 3), r));
    for (long q = lastReported - 3; q <= lastReported; q++) {
      for (String vm : VMS) {
        long period = q;
        answered(west, r -> new Collector.Report(new SensorReport("west", before, VmTraffic.empty(vm, period), 0, 0, false), r));
      }
    }
    answered(west, r -> new Collector.Deregister(before, r));
    String killed = HypervisorsSensing.hostPrefix("west") + P;
    answered(west, r -> new Collector.Register(killed, roster(killed, P), r));

    int resumeBack = (int) (HypervisorsSensing.RESUME_BACK.toMillis() / PERIOD.toMillis());
    testKit.spawn(HypervisorsSensing.create(new HypervisorsSensing.Settings(List.of("west"), monitor, clock, site -> west,
        (site, instants) -> CompletableFuture.completedFuture(read(meter, site, instants)), resumeBack, 100)));

    Awaitility.await("west's periods " + P + ".." + (P + 2) + " complete, every VM reported").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100)).until(() -> {
          SiteSnapshot s = snapshot(west, P, P + 2);
          return s.periods().size() == 3 && s.periods().stream().allMatch(p -> p.closed() && p.missing().isEmpty() && p.reports().keySet().equals(
              new java.util.TreeSet<>(VMS)));
        });
    SiteSnapshot s = snapshot(west, lastReported + 1, P + 2);
    assertEquals(List.of(P, P + 1, P + 2), s.periods().stream().map(SitePeriod::period).toList(), "no period reported while the VMs were at east");
    assertTrue(s.periods().get(0).reports().values().stream().allMatch(r -> r.traffic().receivedBytes() > 0),
        "the traffic of the period they arrived in: " + s.periods().get(0));
  }

  private static int nic(int i) {
    return 10 + i;
  }

  private static Map<String, TrafficMeter.Where> at(String site) {
    Map<String, TrafficMeter.Where> where = new TreeMap<>();
    for (int i = 0; i < VMS.size(); i++) {
      where.put(VMS.get(i), new TrafficMeter.Where(site, nic(i)));
    }
    return where;
  }

  private static List<RosterEntry> roster(String host, long since) {
    List<RosterEntry> out = new ArrayList<>();
    for (int i = 0; i < VMS.size(); i++) {
      VmEndpoint e = SimulatedFederation.endpoint(VMS.get(i), "west", nic(i));
      out.add(new RosterEntry(e.vm(), host, e.mac().toString(), e.addresses().stream().map(Object::toString).toList(), since));
    }
    return out;
  }

  /** The hypervisors' counters of {@code site}'s VMs at {@code instants}, as their server answers {@code GET /traffic}. */
  private static HypervisorsProtocol.SiteTraffic read(TrafficMeter meter, String site, List<Long> instants) {
    synchronized (meter) {
      List<Map<String, TrafficMeter.Where>> here = new ArrayList<>();
      Map<String, Integer> nics = new TreeMap<>();
      for (long a : instants) {
        Map<String, TrafficMeter.Where> there = meter.vmsAt(site, Clock.ofEpochMicros(a));
        here.add(there);
        there.forEach((vm, w) -> nics.put(vm, w.nic()));
      }
      List<HypervisorsProtocol.VmCounters> vms = new ArrayList<>();
      nics.forEach((vm, nic) -> {
        List<HypervisorsProtocol.Reading> readings = new ArrayList<>();
        for (int i = 0; i < instants.size(); i++) {
          readings.add(new HypervisorsProtocol.Reading(instants.get(i), here.get(i).containsKey(vm), meter.received(vm, Clock.ofEpochMicros(instants.get(i)))));
        }
        vms.add(new HypervisorsProtocol.VmCounters(vm, nic, readings));
      });
      return new HypervisorsProtocol.SiteTraffic(site, instants.get(instants.size() - 1), instants.get(0), vms);
    }
  }

  private void answered(ActorRef<Collector.Command> collector, java.util.function.Function<ActorRef<Collector.Reply>, Collector.Command> command) {
    TestProbe<Collector.Reply> probe = testKit.createTestProbe();
    collector.tell(command.apply(probe.ref()));
    assertInstanceOf(Collector.Accepted.class, probe.receiveMessage(Duration.ofSeconds(10)));
  }

  private SiteSnapshot snapshot(ActorRef<Collector.Command> collector, long from, long to) {
    TestProbe<SiteSnapshot> probe = testKit.createTestProbe();
    collector.tell(new Collector.GetPeriods(from, to, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }
}
