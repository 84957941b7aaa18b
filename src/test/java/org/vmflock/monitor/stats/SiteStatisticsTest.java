package org.vmflock.monitor.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.stats.SiteEvent.HostReportRecorded;
import org.vmflock.monitor.stats.SiteEvent.PeriodClosed;
import org.vmflock.monitor.stats.SiteEvent.PeriodsPruned;
import org.vmflock.monitor.stats.SiteEvent.ReportRecorded;
import org.vmflock.monitor.stats.SiteEvent.VmsRegistered;
import org.vmflock.monitor.stats.SiteStatistics.Decision;
import org.vmflock.monitor.stats.SiteStatistics.Decision.Outcome;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.HostTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;

class SiteStatisticsTest {

  /** 30 s periods, 10 s grace, every period kept. Period 100 is [3_000_000, 3_030_000) ms. */
  private static final CollectorSettings SETTINGS = new CollectorSettings(PeriodGrid.of(Duration.ofSeconds(30)), Duration.ofSeconds(10), 0);
  private static final long END_100 = 3_030_000L;

  private static final RosterEntry VM1 = new RosterEntry("vm1", "h1", "02:00:00:77:00:01", List.of("10.77.0.1"), 100);
  private static final RosterEntry VM2 = new RosterEntry("vm2", "h1", "02:00:00:77:00:02", List.of("10.77.0.2", "fd77::2"), 100);
  private static final RosterEntry VM3 = new RosterEntry("vm3", "h2", "02:00:00:77:00:03", List.of("10.77.0.3"), 100);

  /** Applies the decision's events, as the collector's persistence does. */
  private static SiteStatistics apply(SiteStatistics s, Decision d) {
    return apply(s, d.events());
  }

  private static SiteStatistics apply(SiteStatistics s, List<SiteEvent> events) {
    for (SiteEvent e : events) {
      s = s.apply(e);
    }
    return s;
  }

  private static SensorReport report(String vm, String host, long period) {
    return report("s1", vm, host, period, new VmTraffic(vm, period, List.of(new PeerTraffic("10.77.0.9", 2, 200)), List.of(), 0, 0));
  }

  private static SensorReport report(String site, String vm, String host, long period, VmTraffic traffic) {
    return new SensorReport(site, host, traffic, 0, 0, false);
  }

  private static HostReport hostReport(String site, String host, long period) {
    return new HostReport(site, new HostTraffic(host, period, 1, 60, 2, 120, 0, 0), 0, false);
  }

  /** Site s1: vm1, vm2 on h1 and vm3 on h2, all from period 100. */
  private static SiteStatistics registered() {
    SiteStatistics s = SiteStatistics.empty("s1");
    s = apply(s, s.decideRegister("h1", List.of(VM1, VM2)));
    return apply(s, s.decideRegister("h2", List.of(VM3)));
  }

  private static SiteStatistics record(SiteStatistics s, SensorReport r, long now, CollectorSettings settings) {
    Decision d = s.decideReport(r, now, settings);
    assertEquals(Outcome.RECORDED, d.outcome(), d.reason());
    return apply(s, d);
  }

  // ---------------------------------------------------------------- registration

  @Test
  void registrationAddsTheVmsAndTheHost() {
    SiteStatistics empty = SiteStatistics.empty("s1");
    Decision d = empty.decideRegister("h1", List.of(VM1, VM2));
    assertEquals(new Decision(Outcome.RECORDED, "", List.of(new VmsRegistered("h1", List.of(VM1, VM2)))), d);
    SiteStatistics s = apply(empty, d);
    assertEquals(List.of("vm1", "vm2"), List.copyOf(s.roster().keySet()));
    assertEquals(VM2, s.roster().get("vm2"));
    assertEquals(Set.of("h1"), s.hosts());
    assertEquals(List.of("vm1", "vm2"), s.expected(100));
    assertEquals(List.of(), s.expected(99));
  }

  @Test
  void registrationsThatAreRefused() {
    SiteStatistics s = SiteStatistics.empty("s1");
    assertEquals(Decision.rejected("registration from host 'h1' lists no VM"), s.decideRegister("h1", List.of()));
    assertEquals(Decision.rejected("VM 'vm3' names host 'h2' in a registration from host 'h1'"), s.decideRegister("h1", List.of(VM1, VM3)));
    assertEquals(
        Decision.rejected("registration from host 'bad host': invalid host name 'bad host' (letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)"),
        s.decideRegister("bad host", List.of(VM1)));
    assertEquals(
        Decision.rejected("registration from host 'h1': invalid MAC address '02:00' (expected six hex bytes like 02:00:00:77:00:01)"),
        s.decideRegister("h1", List.of(new RosterEntry("vm1", "h1", "02:00", List.of("10.0.0.1"), 0))));
    assertEquals(
        Decision.rejected("registration from host 'h1': invalid IP address '10.0.0'"),
        s.decideRegister("h1", List.of(new RosterEntry("vm1", "h1", "02:00:00:00:00:01", List.of("10.0.0"), 0))));
    assertEquals(
        Decision.rejected("registration from host 'h1': invalid VM name 'vm/1' (letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)"),
        s.decideRegister("h1", List.of(new RosterEntry("vm/1", "h1", "02:00:00:00:00:01", List.of("10.0.0.1"), 0))));
  }

  @Test
  void reRegisteringAVmMovesItToTheNewHost() {
    SiteStatistics s = registered();
    RosterEntry moved = new RosterEntry("vm1", "h2", "02:00:00:77:00:01", List.of("10.77.0.1"), 105);
    s = apply(s, s.decideRegister("h2", List.of(moved)));
    assertEquals(moved, s.roster().get("vm1"));
    assertEquals(List.of("vm1", "vm2", "vm3"), List.copyOf(s.roster().keySet()));
    assertEquals(Outcome.REJECTED, s.decideReport(report("vm1", "h1", 105), END_100, SETTINGS).outcome());
    assertEquals(Outcome.RECORDED, s.decideReport(report("vm1", "h2", 105), END_100, SETTINGS).outcome());
  }

  // ---------------------------------------------------------------- deregistration

  @Test
  void aDeregisteredHostsVmsAreNoLongerExpectedAndAskedAgainItIsADuplicate() {
    SiteStatistics s = registered();
    Decision d = s.decideDeregister("h2", 101, END_100);
    assertEquals(Decision.recorded(List.of(new SiteEvent.HostDeregistered("h2", 101L))), d);
    s = apply(s, d);
    assertEquals(Set.of("h1"), s.hosts());
    assertEquals(List.of("vm1", "vm2"), s.expected(100));
    assertEquals(Outcome.REJECTED, s.decideReport(report("vm3", "h2", 101), END_100, SETTINGS).outcome());
    // asked again (its answer lost), or a host never registered: nothing changes
    assertEquals(Outcome.DUPLICATE, s.decideDeregister("h2", 101, END_100).outcome());
    assertEquals(Outcome.DUPLICATE, s.decideDeregister("h9", 101, END_100).outcome());
  }

  /**
   * The deregistration came after the grace time of periods its VMs were already gone in (as in
   * {@code bench cluster}: a VM moved to another site, the node sensing the site it left killed
   * before its host left the roster): from the period it names on, they are no longer missing;
   * before it, they still are, and other VMs missing stay missing.
   */
  @Test
  void aLateDeregistrationCompletesThePeriodsFromItsPeriodThatClosedWithItsVmsMissing() {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_031_000, SETTINGS);
    s = record(s, report("vm1", "h1", 101), 3_061_000, SETTINGS);
    s = record(s, report("vm2", "h1", 101), 3_061_000, SETTINGS);
    s = record(s, report("vm1", "h1", 102), 3_091_000, SETTINGS);
    s = apply(s, s.closeDue(3_090_000, SETTINGS));
    assertEquals(List.of("vm2", "vm3"), s.periods().get(100L).missing());
    assertEquals(List.of("vm3"), s.periods().get(101L).missing());
    assertFalse(s.periods().get(102L).closed());

    Decision d = s.decideDeregister("h2", 101, 3_095_000);
    assertEquals(List.of(new SiteEvent.HostDeregistered("h2", 101L)), d.events(), "102 still waits for vm2");
    s = apply(s, d);
    assertEquals(List.of("vm2", "vm3"), s.periods().get(100L).missing(), "before the period named: still missing");
    SitePeriod p101 = s.periods().get(101L);
    assertEquals(List.of(), p101.missing(), "vm3 was not at the site in 101");
    assertEquals(CloseReason.GRACE, p101.closeReason());
    assertEquals(3_090_000, p101.closedAtMillis());
    // the open period closes without vm3, with vm2 (of a host still here) missing
    assertEquals(List.of(new PeriodClosed(102, CloseReason.GRACE, List.of("vm2"), 3_101_000)), s.closeDue(3_101_000, SETTINGS));
  }

  @Test
  void anOpenPeriodWhoseOtherVmsAllReportedClosesWhenTheHostThatHeldItLeaves() {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_031_000, SETTINGS);
    s = record(s, report("vm2", "h1", 100), 3_031_000, SETTINGS);
    assertFalse(s.periods().get(100L).closed(), "vm3 of h2 expected");
    Decision d = s.decideDeregister("h2", 100, 3_032_000);
    assertEquals(List.of(new SiteEvent.HostDeregistered("h2", 100L), new PeriodClosed(100, CloseReason.ALL_REPORTED, List.of(), 3_032_000)),
        d.events());
    assertEquals(List.of(), apply(s, d).periods().get(100L).missing());
  }

  @Test
  void aDeregistrationWhosePeriodIsNotKnownCompletesNoClosedPeriod() throws Exception {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_031_000, SETTINGS);
    s = apply(s, s.closeDue(3_041_000, SETTINGS));
    // as journals written before the period was known hold it
    var cbor = new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper();
    SiteEvent.HostDeregistered old = cbor.readValue(cbor.writeValueAsBytes(java.util.Map.of("host", "h2")), SiteEvent.HostDeregistered.class);
    assertEquals(new SiteEvent.HostDeregistered("h2", Long.MAX_VALUE), old);
    s = s.apply(old);
    assertEquals(List.of("vm2", "vm3"), s.periods().get(100L).missing());
    assertEquals(Set.of("h1"), s.hosts());
  }

  // ---------------------------------------------------------------- reports

  @Test
  void aReportIsRecordedAndOpensItsPeriod() {
    SiteStatistics s = registered();
    SensorReport r = report("vm1", "h1", 100);
    Decision d = s.decideReport(r, 3_031_000, SETTINGS);
    assertEquals(new Decision(Outcome.RECORDED, "", List.of(new ReportRecorded(r, 3_031_000))), d);
    assertTrue(s.periods().isEmpty(), "deciding changes nothing");

    SiteStatistics next = apply(s, d);
    SitePeriod p = next.periods().get(100L);
    assertEquals(3_031_000, p.firstSeenMillis());
    assertEquals(CloseReason.OPEN, p.closeReason());
    assertFalse(p.closed());
    assertEquals(r, p.reports().get("vm1"));
    assertEquals(100, next.newestPeriod());
  }

  @Test
  void aSecondReportOfTheSamePeriodIsADuplicate() {
    SiteStatistics s = record(registered(), report("vm1", "h1", 100), 3_031_000, SETTINGS);
    SensorReport again = new SensorReport("s1", "h1", new VmTraffic("vm1", 100, List.of(), List.of(), 9, 900), 0, 0, false);
    Decision d = s.decideReport(again, 3_032_000, SETTINGS);
    assertEquals(new Decision(Outcome.DUPLICATE, "VM 'vm1' already reported period 100", List.of()), d);
    // the first report stays
    assertEquals(report("vm1", "h1", 100), s.periods().get(100L).reports().get("vm1"));
  }

  @Test
  void reportsThatAreRefusedWithTheirReason() {
    SiteStatistics s = registered();
    long now = END_100;
    assertEquals(Decision.rejected("unknown VM 'vm9': not registered at site 's1'"),
        s.decideReport(report("vm9", "h1", 100), now, SETTINGS));
    assertEquals(Decision.rejected("report of VM 'vm1' is for site 's2', not 's1'"),
        s.decideReport(report("s2", "vm1", "h1", 100, VmTraffic.empty("vm1", 100)), now, SETTINGS));
    assertEquals(Decision.rejected("VM 'vm1' is registered on host 'h1', but the report came from host 'h2'"),
        s.decideReport(report("vm1", "h2", 100), now, SETTINGS));
    assertEquals(Decision.rejected("period 99 precedes the registration of VM 'vm1' (from period 100)"),
        s.decideReport(report("vm1", "h1", 99), now, SETTINGS));
  }

  @Test
  void reportsWithNegativeCountsAreRefused() {
    SiteStatistics s = registered();
    String whole = "report of VM 'vm1' for period 100 has negative counts";
    assertEquals(Decision.rejected(whole),
        s.decideReport(report("s1", "vm1", "h1", 100, new VmTraffic("vm1", 100, List.of(), List.of(), -1, 0)), END_100, SETTINGS));
    assertEquals(Decision.rejected(whole),
        s.decideReport(report("s1", "vm1", "h1", 100, new VmTraffic("vm1", 100, List.of(), List.of(), 0, -5)), END_100, SETTINGS));
    assertEquals(Decision.rejected(whole),
        s.decideReport(new SensorReport("s1", "h1", VmTraffic.empty("vm1", 100), -1, 0, false), END_100, SETTINGS));
    assertEquals(Decision.rejected(whole),
        s.decideReport(new SensorReport("s1", "h1", VmTraffic.empty("vm1", 100), 0, -1, false), END_100, SETTINGS));
    assertEquals(Decision.rejected(whole + " for 10.77.0.2"),
        s.decideReport(report("s1", "vm1", "h1", 100,
            new VmTraffic("vm1", 100, List.of(new PeerTraffic("10.77.0.2", -1, 10)), List.of(), 0, 0)), END_100, SETTINGS));
    assertEquals(Decision.rejected(whole + " for 10.77.0.200"),
        s.decideReport(report("s1", "vm1", "h1", 100,
            new VmTraffic("vm1", 100, List.of(), List.of(new PeerTraffic("10.77.0.200", 1, -10)), 0, 0)), END_100, SETTINGS));
  }

  @Test
  void reportsWithMalformedAddressesAreRefused() {
    SiteStatistics s = registered();
    assertEquals(Decision.rejected("report of VM 'vm1' for period 100: invalid IP address 'launcher'"),
        s.decideReport(report("s1", "vm1", "h1", 100,
            new VmTraffic("vm1", 100, List.of(new PeerTraffic("launcher", 1, 10)), List.of(), 0, 0)), END_100, SETTINGS));
    assertEquals(Decision.rejected("report of VM 'vm1' for period 100: invalid IP address '10.0.0.256'"),
        s.decideReport(report("s1", "vm1", "h1", 100,
            new VmTraffic("vm1", 100, List.of(), List.of(new PeerTraffic("10.0.0.256", 1, 10)), 0, 0)), END_100, SETTINGS));
    assertTrue(s.periods().isEmpty());
  }

  // ---------------------------------------------------------------- completeness

  @Test
  void aPeriodClosesWhenEveryExpectedSensorReported() {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_030_500, SETTINGS);
    s = record(s, report("vm3", "h2", 100), 3_030_700, SETTINGS);
    assertFalse(s.periods().get(100L).closed());

    SensorReport last = report("vm2", "h1", 100);
    Decision d = s.decideReport(last, 3_030_900, SETTINGS);
    assertEquals(List.of(new ReportRecorded(last, 3_030_900), new PeriodClosed(100, CloseReason.ALL_REPORTED, List.of(), 3_030_900)), d.events());
    s = apply(s, d);
    SitePeriod p = s.periods().get(100L);
    assertEquals(CloseReason.ALL_REPORTED, p.closeReason());
    assertEquals(3_030_900, p.closedAtMillis());
    assertEquals(3_030_500, p.firstSeenMillis());
    assertEquals(List.of(), p.missing());
    assertEquals(List.of("vm1", "vm2", "vm3"), List.copyOf(p.reports().keySet()));
    // nothing is due afterwards
    assertEquals(List.of(), s.closeDue(10_000_000, SETTINGS));
  }

  @Test
  void vmsRegisteredLaterAreNotExpectedForEarlierPeriods() {
    SiteStatistics s = SiteStatistics.empty("s1");
    s = apply(s, s.decideRegister("h1", List.of(VM1, new RosterEntry("vm2", "h1", "02:00:00:77:00:02", List.of("10.77.0.2"), 101))));
    assertEquals(List.of("vm1"), s.expected(100));
    assertEquals(List.of("vm1", "vm2"), s.expected(101));
    Decision d = s.decideReport(report("vm1", "h1", 100), END_100, SETTINGS);
    assertEquals(new PeriodClosed(100, CloseReason.ALL_REPORTED, List.of(), END_100), d.events().get(1));
    s = apply(s, d);
    assertEquals(Outcome.REJECTED, s.decideReport(report("vm2", "h1", 100), END_100, SETTINGS).outcome());
  }

  @Test
  void atGraceTimeThePeriodClosesWithTheSilentSensorsMissing() {
    SiteStatistics s = registered();
    // first heard of 2 s after the period's end: deadline = max(3_030_000, 3_032_000) + 10_000 = 3_042_000
    s = record(s, report("vm1", "h1", 100), 3_032_000, SETTINGS);
    assertEquals(3_042_000, SETTINGS.graceDeadlineMillis(100, 3_032_000));
    assertEquals(List.of(), s.closeDue(3_041_999, SETTINGS));

    List<SiteEvent> due = s.closeDue(3_042_000, SETTINGS);
    assertEquals(List.of(new PeriodClosed(100, CloseReason.GRACE, List.of("vm2", "vm3"), 3_042_000)), due);
    s = apply(s, due);
    SitePeriod p = s.periods().get(100L);
    assertEquals(CloseReason.GRACE, p.closeReason());
    assertEquals(3_042_000, p.closedAtMillis());
    assertEquals(List.of("vm2", "vm3"), p.missing());
    // missing means unknown: no (zero) report is made up for them
    assertEquals(Set.of("vm1"), p.reports().keySet());
    assertEquals(List.of(), s.closeDue(5_000_000, SETTINGS));
  }

  @Test
  void graceRunsFromThePeriodEndWhenTheFirstReportCameBefore() {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_010_000, SETTINGS); // inside the period
    assertEquals(3_040_000, SETTINGS.graceDeadlineMillis(100, 3_010_000));
    assertEquals(List.of(), s.closeDue(3_039_999, SETTINGS));
    assertEquals(List.of(new PeriodClosed(100, CloseReason.GRACE, List.of("vm2", "vm3"), 3_040_000)), s.closeDue(3_040_000, SETTINGS));
  }

  @Test
  void closeDueClosesEveryOverduePeriodAtOnce() {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_031_000, SETTINGS); // deadline 3_041_000
    s = record(s, report("vm2", "h1", 101), 3_061_000, SETTINGS); // deadline 3_071_000
    s = record(s, report("vm3", "h2", 102), 3_091_000, SETTINGS); // deadline 3_101_000
    assertEquals(List.of(
            new PeriodClosed(100, CloseReason.GRACE, List.of("vm2", "vm3"), 3_071_000),
            new PeriodClosed(101, CloseReason.GRACE, List.of("vm1", "vm3"), 3_071_000)),
        s.closeDue(3_071_000, SETTINGS));
  }

  @Test
  void aLateReportAfterGraceIsRecordedAndNoLongerMissing() {
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_032_000, SETTINGS);
    s = apply(s, s.closeDue(3_042_000, SETTINGS));

    SensorReport late = report("vm2", "h1", 100);
    Decision d = s.decideReport(late, 3_050_000, SETTINGS);
    // recorded, and the period is not closed a second time
    assertEquals(new Decision(Outcome.RECORDED, "", List.of(new ReportRecorded(late, 3_050_000))), d);
    s = apply(s, d);
    SitePeriod p = s.periods().get(100L);
    assertEquals(CloseReason.GRACE, p.closeReason());
    assertEquals(3_042_000, p.closedAtMillis());
    assertEquals(List.of("vm3"), p.missing());
    assertEquals(Set.of("vm1", "vm2"), p.reports().keySet());
    // still a duplicate the second time
    assertEquals(Outcome.DUPLICATE, s.decideReport(late, 3_051_000, SETTINGS).outcome());
  }

  // ---------------------------------------------------------------- retention

  @Test
  void retentionOfTwoKeepsTheTwoNewestPeriods() {
    CollectorSettings keep2 = new CollectorSettings(SETTINGS.grid(), SETTINGS.grace(), 2);
    SiteStatistics s = registered();
    s = record(s, report("vm1", "h1", 100), 3_031_000, keep2);
    s = record(s, report("vm1", "h1", 101), 3_061_000, keep2);
    assertEquals(SiteStatistics.NONE, s.prunedThrough());

    SensorReport r102 = report("vm1", "h1", 102);
    Decision d = s.decideReport(r102, 3_091_000, keep2);
    assertEquals(List.of(new ReportRecorded(r102, 3_091_000), new PeriodsPruned(100)), d.events());
    s = apply(s, d);
    assertEquals(List.of(101L, 102L), List.copyOf(s.periods().keySet()));
    assertEquals(100, s.prunedThrough());

    assertEquals(Decision.rejected("period 100 is older than the periods kept"), s.decideReport(report("vm2", "h1", 100), 3_092_000, keep2));
    assertEquals(Outcome.RECORDED, s.decideReport(report("vm2", "h1", 101), 3_092_000, keep2).outcome());

    s = record(s, report("vm1", "h1", 105), 3_181_000, keep2);
    assertEquals(List.of(102L, 105L), List.copyOf(s.periods().keySet()));
    assertEquals(101, s.prunedThrough());
    assertEquals(List.of(102L, 105L), s.periodsBetween(0, 200).stream().map(SitePeriod::period).toList());
  }

  @Test
  void retentionZeroKeepsEveryPeriod() {
    SiteStatistics s = registered();
    for (long p = 100; p < 110; p++) {
      s = record(s, report("vm1", "h1", p), 3_000_000 + (p - 99) * 30_000, SETTINGS);
    }
    assertEquals(10, s.periods().size());
    assertEquals(SiteStatistics.NONE, s.prunedThrough());
    assertEquals(List.of(103L, 104L, 105L), s.periodsBetween(103, 105).stream().map(SitePeriod::period).toList());
    assertEquals(List.of(), s.periodsBetween(105, 103));
  }

  // ---------------------------------------------------------------- host reports

  @Test
  void hostReportsAreRecordedOncePerHostAndPeriod() {
    SiteStatistics s = registered();
    HostReport r = hostReport("s1", "h1", 100);
    Decision d = s.decideHostReport(r, 3_031_000, SETTINGS);
    assertEquals(new Decision(Outcome.RECORDED, "", List.of(new HostReportRecorded(r, 3_031_000))), d);
    s = apply(s, d);
    SitePeriod p = s.periods().get(100L);
    assertEquals(r, p.hosts().get("h1"));
    assertEquals(3_031_000, p.firstSeenMillis());
    assertFalse(p.closed(), "a host report does not stand for the VMs' sensors");
    assertEquals(List.of(), p.reports().keySet().stream().toList());

    assertEquals(new Decision(Outcome.DUPLICATE, "host 'h1' already reported period 100", List.of()),
        s.decideHostReport(hostReport("s1", "h1", 100), 3_032_000, SETTINGS));
    assertEquals(Outcome.RECORDED, s.decideHostReport(hostReport("s1", "h2", 100), 3_032_000, SETTINGS).outcome());
  }

  @Test
  void hostReportsThatAreRefused() {
    SiteStatistics s = registered();
    assertEquals(Decision.rejected("report of host 'h1' is for site 's2', not 's1'"),
        s.decideHostReport(hostReport("s2", "h1", 100), END_100, SETTINGS));
    assertEquals(Decision.rejected("unknown host 'h9': it registered no VM at site 's1'"),
        s.decideHostReport(hostReport("s1", "h9", 100), END_100, SETTINGS));

    CollectorSettings keep1 = new CollectorSettings(SETTINGS.grid(), SETTINGS.grace(), 1);
    s = record(s, report("vm1", "h1", 100), END_100, keep1);
    s = record(s, report("vm1", "h1", 101), END_100 + 30_000, keep1);
    assertEquals(100, s.prunedThrough());
    assertEquals(Decision.rejected("period 100 is older than the periods kept (retention 1)"),
        s.decideHostReport(hostReport("s1", "h1", 100), END_100 + 30_000, keep1));
  }

  @Test
  void aHostReportOfANewPeriodMayPruneTheOldest() {
    CollectorSettings keep1 = new CollectorSettings(SETTINGS.grid(), SETTINGS.grace(), 1);
    SiteStatistics s = record(registered(), report("vm1", "h1", 100), END_100, keep1);
    HostReport r = hostReport("s1", "h1", 101);
    Decision d = s.decideHostReport(r, END_100 + 30_000, keep1);
    assertEquals(List.of(new HostReportRecorded(r, END_100 + 30_000), new PeriodsPruned(100)), d.events());
  }

  // ---------------------------------------------------------------- purity

  @Test
  void applyLeavesTheOldStateUnchanged() {
    SiteStatistics s0 = SiteStatistics.empty("s1");
    SiteStatistics s1 = s0.apply(new VmsRegistered("h1", List.of(VM1, VM2)));
    assertTrue(s0.roster().isEmpty());
    assertTrue(s0.hosts().isEmpty());

    SensorReport r = report("vm1", "h1", 100);
    SiteStatistics s2 = s1.apply(new ReportRecorded(r, 3_031_000));
    assertTrue(s1.periods().isEmpty());

    SiteStatistics s3 = s2.apply(new ReportRecorded(report("vm2", "h1", 100), 3_032_000));
    assertEquals(Set.of("vm1"), s2.periods().get(100L).reports().keySet());
    assertEquals(Set.of("vm1", "vm2"), s3.periods().get(100L).reports().keySet());

    SiteStatistics s4 = s3.apply(new PeriodClosed(100, CloseReason.GRACE, List.of(), 3_045_000));
    assertFalse(s3.periods().get(100L).closed());
    assertTrue(s4.periods().get(100L).closed());

    SiteStatistics s5 = s4.apply(new PeriodsPruned(100));
    assertEquals(1, s4.periods().size());
    assertEquals(SiteStatistics.NONE, s4.prunedThrough());
    assertTrue(s5.periods().isEmpty());
    assertEquals(100, s5.prunedThrough());

    SiteStatistics s6 = s5.apply(new HostReportRecorded(hostReport("s1", "h1", 101), 3_061_000));
    assertTrue(s5.periods().isEmpty());
    assertEquals(1, s6.periods().size());

    // a second application of the same events gives an equal state
    SiteStatistics again = s0.apply(new VmsRegistered("h1", List.of(VM1, VM2))).apply(new ReportRecorded(r, 3_031_000));
    assertEquals(s2, again);
  }

  @Test
  void reportsRecordedTogetherFoldAsOneAfterTheOther() {
    SiteStatistics s1 = SiteStatistics.empty("s1").apply(new VmsRegistered("h1", List.of(VM1, VM2)))
        .apply(new ReportRecorded(report("vm1", "h1", 100), 3_001_000));
    List<SensorReport> reports = List.of(report("vm2", "h1", 100), report("vm1", "h1", 101), report("vm2", "h1", 101));
    SiteStatistics together = s1.apply(new SiteEvent.ReportsRecorded(reports, 3_031_000));
    SiteStatistics oneByOne = s1;
    for (SensorReport r : reports) {
      oneByOne = oneByOne.apply(new ReportRecorded(r, 3_031_000));
    }
    assertEquals(oneByOne, together);
    // period 100 opened by the earlier report, 101 by these
    assertEquals(3_001_000, together.periods().get(100L).firstSeenMillis());
    assertEquals(3_031_000, together.periods().get(101L).firstSeenMillis());
    assertTrue(s1.periods().get(100L).reports().size() == 1 && !s1.periods().containsKey(101L), "the state before is unchanged");
    assertThrows(IllegalArgumentException.class, () -> new SiteEvent.ReportsRecorded(List.of(), 0));
  }

  @Test
  void lateReportsRecordedTogetherLeaveTheMissingListAsOneByOne() {
    List<RosterEntry> vms = new java.util.ArrayList<>();
    for (int v = 0; v < 20; v++) {
      vms.add(new RosterEntry("vm" + v, "h1", String.format("02:00:00:77:01:%02x", v), List.of("10.77.1." + (v + 1)), 100));
    }
    SiteStatistics s = SiteStatistics.empty("s1").apply(new VmsRegistered("h1", vms));
    for (int v = 0; v < 15; v++) {
      s = s.apply(new ReportRecorded(report("vm" + v, "h1", 100), 3_001_000));
    }
    s = s.apply(new PeriodClosed(100, CloseReason.GRACE, List.of("vm15", "vm16", "vm17", "vm18", "vm19"), 3_045_000));
    // one late report next to 15 (added as it is), then all five late ones (the period rebuilt once)
    for (List<String> late : List.of(List.of("vm17"), List.of("vm15", "vm16", "vm17", "vm18", "vm19"))) {
      List<SensorReport> reports = late.stream().map(vm -> report(vm, "h1", 100)).toList();
      SiteStatistics oneByOne = s;
      for (SensorReport r : reports) {
        oneByOne = oneByOne.apply(new ReportRecorded(r, 3_050_000));
      }
      SiteStatistics together = s.apply(new SiteEvent.ReportsRecorded(reports, 3_050_000));
      assertEquals(oneByOne, together, late.toString());
      assertEquals(15 + late.size(), together.periods().get(100L).reports().size());
    }
    SiteStatistics all = s.apply(new SiteEvent.ReportsRecorded(List.of("vm15", "vm16", "vm17", "vm18", "vm19").stream()
        .map(vm -> report(vm, "h1", 100)).toList(), 3_050_000));
    assertEquals(List.of(), all.periods().get(100L).missing());
    assertThrows(UnsupportedOperationException.class, () -> all.periods().get(100L).reports().clear());
  }

  @Test
  void stateIsUnmodifiable() {
    SiteStatistics s = record(registered(), report("vm1", "h1", 100), END_100, SETTINGS);
    assertThrows(UnsupportedOperationException.class, () -> s.periods().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.roster().remove("vm1"));
    assertThrows(UnsupportedOperationException.class, () -> s.hosts().add("h9"));
    assertThrows(UnsupportedOperationException.class, () -> s.periods().get(100L).reports().clear());
  }

  @Test
  void closingAPeriodNobodyReportedChangesNothing() {
    SiteStatistics s = registered();
    assertSame(s, s.apply(new PeriodClosed(100, CloseReason.GRACE, List.of("vm1"), END_100)));
    assertEquals(SiteStatistics.NONE, s.newestPeriod());
  }
}
