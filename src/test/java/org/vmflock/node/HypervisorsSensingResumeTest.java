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
 * A node's sensing of a site started again after VMs moved to or from that site, as {@code bench
 * cluster} does it (issue 15): the application moved to west while the node sensing west was killed next
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
    List<TrafficMeter.Rate> rates = ring();
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

    sense("west", west, monitor, clock, meter);
    awaitComplete(west, new java.util.TreeSet<>(VMS));
    SiteSnapshot s = snapshot(west, lastReported + 1, P + 2);
    assertEquals(List.of(P, P + 1, P + 2), s.periods().stream().map(SitePeriod::period).toList(), "no period reported while the VMs were at east");
    assertTrue(s.periods().get(0).reports().values().stream().allMatch(r -> r.traffic().receivedBytes() > 0),
        "the traffic of the period they arrived in: " + s.periods().get(0));
  }

  /**
   * The site a VM left, as {@code bench cluster} lost two periods to it: app-vm3 and app-vm4 at
   * east until app-vm4 moved to west 10 s into period {@code P}. The node sensing east retired the
   * host that served both, started one for app-vm3 and reported it for {@code P} and {@code P + 1},
   * and was killed before the retired host left the roster: those periods closed at the grace time
   * with app-vm4 missing. Started again (its collector dropping the first deregistration it is
   * asked, as one sent to a node going down is lost), it resumes at {@code P}: the earlier hosts
   * leave the roster from there, asked until answered, and the periods are complete with app-vm3
   * alone, app-vm4 reported by west.
   */
  @Test
  void aSiteStartedAgainAfterAVmLeftItCompletesThePeriodsThatClosedWithTheVmMissing() {
    TrafficMeter meter = new TrafficMeter(Duration.ofHours(1));
    List<TrafficMeter.Rate> rates = ring();
    Map<String, TrafficMeter.Where> before = new TreeMap<>(at("west"));
    before.put("app-vm3", new TrafficMeter.Where("east", nic(2)));
    before.put("app-vm4", new TrafficMeter.Where("east", nic(3)));
    meter.rates(GRID.start(P - 4), before, rates);
    Map<String, TrafficMeter.Where> after = new TreeMap<>(before);
    after.put("app-vm4", new TrafficMeter.Where("west", nic(3)));
    meter.rates(GRID.start(P).plusSeconds(10), after, rates);

    ManualClock clock = new ManualClock(GRID.end(P - 1).plusSeconds(3));
    MonitorSettings monitor = TestConfigs.settings(Map.of("vmflock.monitor.period", "30s", "vmflock.monitor.flush-interval", "100ms",
        "vmflock.monitor.report-retry-interval", "200ms", "vmflock.monitor.report-timeout", "1s"));
    ActorRef<Collector.Command> east = testKit.spawn(Collector.create("east", new CollectorSettings(GRID, Duration.ofSeconds(10), 0), 1000,
        Duration.ofMillis(100), clock));
    // the earlier incarnation: both VMs from P - 4 to P - 1, app-vm3 alone (a host of its own) at P and P + 1
    String both = HypervisorsSensing.hostPrefix("east") + (P - 4);
    answered(east, r -> new Collector.Register(both, roster("east", both, List.of(2, 3), P - 4), r));
    for (long q = P - 4; q < P; q++) {
      for (String vm : List.of("app-vm3", "app-vm4")) {
        long period = q;
        answered(east, r -> new Collector.Report(new SensorReport("east", both, VmTraffic.empty(vm, period), 0, 0, false), r));
      }
    }
    String alone = HypervisorsSensing.hostPrefix("east") + P;
    answered(east, r -> new Collector.Register(alone, roster("east", alone, List.of(2), P), r));
    for (long q = P; q <= P + 1; q++) {
      long period = q;
      answered(east, r -> new Collector.Report(new SensorReport("east", alone, VmTraffic.empty("app-vm3", period), 0, 0, false), r));
    }
    clock.set(GRID.end(P + 2).plusSeconds(3));
    Awaitility.await("east's P and P + 1 closed with app-vm4 missing").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> snapshot(east, P, P + 1).periods().stream().allMatch(p -> p.closed() && p.missing().equals(List.of("app-vm4"))));

    // started again: its first deregistration is lost
    java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
    ActorRef<Collector.Command> lossy = testKit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(c -> {
      if (!(c instanceof Collector.Deregister && dropped.getAndIncrement() == 0)) {
        east.tell(c);
      }
      return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
    }));
    sense("east", lossy, monitor, clock, meter);
    awaitComplete(east, java.util.Set.of("app-vm3"));
    assertTrue(dropped.get() >= 2, "the deregistration was asked again: " + dropped.get());
    SiteSnapshot s = snapshot(east, P - 1, P + 2);
    assertEquals(List.of("app-vm3"), s.roster().stream().map(RosterEntry::vm).toList(), "app-vm4 left east's roster");
    assertEquals(List.of(), s.periods().get(0).missing(), "the period before the move: both reported");
    assertEquals(java.util.Set.of("app-vm3", "app-vm4"), s.periods().get(0).reports().keySet());
  }

  /** A node sensing {@code site} (its collector {@code collector}), started now. */
  private void sense(String site, ActorRef<Collector.Command> collector, MonitorSettings monitor, Clock clock, TrafficMeter meter) {
    int resumeBack = (int) (HypervisorsSensing.RESUME_BACK.toMillis() / PERIOD.toMillis());
    testKit.spawn(HypervisorsSensing.create(new HypervisorsSensing.Settings(List.of(site), monitor, clock, any -> collector,
        (any, instants) -> CompletableFuture.completedFuture(read(meter, any, instants)), resumeBack, 100)));
  }

  /** Waits for the collector's periods {@code P..P + 2} complete, each with a report of each of {@code vms} and no other. */
  private void awaitComplete(ActorRef<Collector.Command> collector, java.util.Set<String> vms) {
    Awaitility.await("periods " + P + ".." + (P + 2) + " complete, reported by " + vms).atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100)).until(() -> {
          SiteSnapshot s = snapshot(collector, P, P + 2);
          return s.periods().size() == 3 && s.periods().stream().allMatch(p -> p.closed() && p.missing().isEmpty() && p.reports().keySet().equals(vms));
        });
  }

  /** Each VM receiving from the next one (a ring). */
  private static List<TrafficMeter.Rate> ring() {
    List<TrafficMeter.Rate> rates = new ArrayList<>();
    for (int i = 0; i < VMS.size(); i++) {
      int from = (i + 1) % VMS.size();
      rates.add(new TrafficMeter.Rate(VMS.get(i), VMS.get(from), SimulatedFederation.address(nic(from)).toString(), 100, 100_000));
    }
    return rates;
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
    return roster("west", host, List.of(0, 1, 2, 3), since);
  }

  /** VMs number {@code vms} (from 0) at {@code site}, on {@code host} from period {@code since}. */
  private static List<RosterEntry> roster(String site, String host, List<Integer> vms, long since) {
    List<RosterEntry> out = new ArrayList<>();
    for (int i : vms) {
      VmEndpoint e = SimulatedFederation.endpoint(VMS.get(i), site, nic(i));
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
