package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol;
import org.vmflock.emulate.hypervisors.TrafficMeter;
import org.vmflock.monitor.stats.CloseReason;
import org.vmflock.monitor.stats.SitePeriod;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;

/**
 * Where a site's sensing resumes, from what its collector holds, and a period's traffic from two
 * readings of the hypervisors' counters.
 */
class HypervisorsSensingTest {

  private static SitePeriod period(long p, CloseReason reason, List<String> reported, List<String> missing) {
    TreeMap<String, SensorReport> reports = new TreeMap<>();
    reported.forEach(vm -> reports.put(vm, new SensorReport("east", "h", VmTraffic.empty(vm, p), 0, 0, false)));
    return new SitePeriod(p, reports, new TreeMap<>(), 0, reason, missing, 0);
  }

  private static SiteSnapshot snapshot(SitePeriod... periods) {
    return new SiteSnapshot("east", List.of(), List.of(periods), periods.length == 0 ? Long.MIN_VALUE : periods[periods.length - 1].period(),
        Long.MIN_VALUE);
  }

  @Test
  void aSiteResumesAfterItsNewestPeriodReportedOrFromTheFirstOfItsNewestIncompleteOnes() {
    assertEquals(Long.MIN_VALUE, HypervisorsSensing.resumeFrom(snapshot(), 100), "nothing reported: as far back as a site resumes");
    assertEquals(13, HypervisorsSensing.resumeFrom(snapshot(
        period(11, CloseReason.ALL_REPORTED, List.of("a", "b"), List.of()),
        period(12, CloseReason.ALL_REPORTED, List.of("a", "b"), List.of())), 20), "after the newest, complete");
    assertEquals(12, HypervisorsSensing.resumeFrom(snapshot(
        period(10, CloseReason.GRACE, List.of("a"), List.of("b")),
        period(11, CloseReason.ALL_REPORTED, List.of("a", "b"), List.of()),
        period(12, CloseReason.GRACE, List.of("a"), List.of("b")),
        period(13, CloseReason.OPEN, List.of("a"), List.of())), 20),
        "the newest incomplete ones (a report lost with a stopped node), not an old one before a complete period");
    assertEquals(13, HypervisorsSensing.resumeFrom(snapshot(
        period(11, CloseReason.ALL_REPORTED, List.of("a", "b"), List.of()),
        period(12, CloseReason.ALL_REPORTED, List.of("a", "b"), List.of()),
        period(13, CloseReason.OPEN, List.of(), List.of())), 20), "a period no VM reported (only the host): reported again");
  }

  @Test
  void aPeriodsTrafficIsTheDifferenceOfTheReadingsAtItsEndsForTheVmsThereAtItsEnd() {
    List<TrafficMeter.Count> start = List.of(new TrafficMeter.Count("10.0.0.2", 10, 1000));
    List<TrafficMeter.Count> end = List.of(new TrafficMeter.Count("10.0.0.2", 25, 4000), new TrafficMeter.Count("10.0.0.3", 1, 60));
    HypervisorsProtocol.SiteTraffic t = new HypervisorsProtocol.SiteTraffic("east", 0, 0, List.of(
        new HypervisorsProtocol.VmCounters("a", 1, List.of(new HypervisorsProtocol.Reading(0, true, start), new HypervisorsProtocol.Reading(1, true, end))),
        new HypervisorsProtocol.VmCounters("gone", 4, List.of(new HypervisorsProtocol.Reading(0, true, start),
            new HypervisorsProtocol.Reading(1, false, end)))));
    CountedTraffic c = HypervisorsSensing.periodTraffic(t, 0, 7);
    assertEquals(1, c.vms().size(), "the VM that left before the period's end reports it elsewhere: " + c);
    assertEquals("a", c.vms().get(0).vm());
    assertEquals(7, c.vms().get(0).period());
    assertEquals(List.of(new PeerTraffic("10.0.0.2", 15, 3000), new PeerTraffic("10.0.0.3", 1, 60)), c.vms().get(0).received());
    assertEquals(16, c.frames());
  }
}
