package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.stats.CloseReason;
import org.vmflock.monitor.stats.CollectorSettings;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.stats.SiteEvent;
import org.vmflock.monitor.stats.SitePeriod;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.stats.SiteStatistics;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.HostTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.testing.TestConfigs;

/**
 * A site's collector as an event-sourced entity (M5): commands to events to state, with every
 * command, event and state checked to serialize (the test kit does it on each step).
 */
class CollectorTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());

  private static final PeriodGrid GRID = PeriodGrid.of(Duration.ofSeconds(30));
  private static final long P = 60_000_000L; // a period id; it starts at P * 30 s
  private static final Duration GRACE = Duration.ofSeconds(10);
  private static final String SITE = "rennes";

  private ManualClock clock;
  private EventSourcedBehaviorTestKit<Collector.Command, SiteEvent, SiteStatistics> collector;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    collector = collectorWithRetention(0);
  }

  private EventSourcedBehaviorTestKit<Collector.Command, SiteEvent, SiteStatistics> collectorWithRetention(int retention) {
    clock = new ManualClock(GRID.end(P));
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        Collector.create(SITE, new CollectorSettings(GRID, GRACE, retention), 1000, Duration.ofHours(1), clock));
  }

  private void register(String host, String... vms) {
    List<RosterEntry> entries = java.util.Arrays.stream(vms)
        .map(vm -> new RosterEntry(vm, host, "02:00:00:00:00:0" + vm.charAt(vm.length() - 1), List.of("10.0.0." + vm.charAt(vm.length() - 1)), P))
        .toList();
    CommandResultWithReply<Collector.Command, SiteEvent, SiteStatistics, Collector.Reply> r =
        collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Register(host, entries, replyTo));
    assertInstanceOf(Collector.Accepted.class, r.reply());
  }

  private static SensorReport report(String vm, long period, String from, long packets, long bytes) {
    VmTraffic t = new VmTraffic(vm, period, List.of(new PeerTraffic(from, packets, bytes)), List.of(), 0, 0);
    return new SensorReport(SITE, "h1", t, 0, 0, false);
  }

  private CommandResultWithReply<Collector.Command, SiteEvent, SiteStatistics, Collector.Reply> send(SensorReport r) {
    return collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Report(r, replyTo));
  }

  @Test
  void aPeriodIsCompleteOnceEverySensorOfTheSiteReported() {
    register("h1", "vm1", "vm2");
    var first = send(report("vm1", P, "10.0.0.2", 5, 500));
    assertInstanceOf(Collector.Accepted.class, first.reply());
    assertEquals(1, first.events().size());
    assertEquals(CloseReason.OPEN, first.state().periods().get(P).closeReason());

    var second = send(report("vm2", P, "10.0.0.1", 7, 700));
    assertInstanceOf(Collector.Accepted.class, second.reply());
    assertEquals(2, second.events().size());
    SiteEvent.PeriodClosed closed = assertInstanceOf(SiteEvent.PeriodClosed.class, second.events().get(1));
    assertEquals(CloseReason.ALL_REPORTED, closed.reason());
    SitePeriod p = second.state().periods().get(P);
    assertEquals(List.of(), p.missing());
    assertEquals(7, p.reports().get("vm2").traffic().received().get(0).packets());
  }

  @Test
  void aDuplicateReportIsAcknowledgedAndChangesNothing() {
    register("h1", "vm1", "vm2");
    send(report("vm1", P, "10.0.0.2", 5, 500));
    SiteStatistics before = collector.getState();
    var again = send(report("vm1", P, "10.0.0.2", 99, 9900));
    Collector.Duplicate d = assertInstanceOf(Collector.Duplicate.class, again.reply());
    assertTrue(d.reason().contains("already reported period " + P), d.reason());
    assertTrue(again.hasNoEvents());
    assertEquals(before, collector.getState());
  }

  @Test
  void aBatchOfReportsIsDecidedReportByReportAndWrittenInOnePersist() {
    register("h1", "vm1", "vm2");
    send(report("vm1", P + 1, "10.0.0.2", 1, 100));
    List<SensorReport> batch = List.of(report("vm1", P, "10.0.0.2", 5, 500), report("vm1", P + 1, "10.0.0.2", 1, 100),
        report("vm9", P, "10.0.0.1", 1, 1), report("vm1", P, "10.0.0.2", 6, 600), report("vm2", P, "10.0.0.1", 7, 700));
    var r = collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Reports(batch, replyTo));
    Collector.Batch answer = assertInstanceOf(Collector.Batch.class, r.reply());
    assertEquals(2, answer.accepted());
    assertEquals(List.of(1, 2, 3), answer.refused().stream().map(SiteStatistics.Refusal::index).toList());
    assertEquals(List.of(SiteStatistics.Decision.Outcome.DUPLICATE, SiteStatistics.Decision.Outcome.REJECTED, SiteStatistics.Decision.Outcome.DUPLICATE),
        answer.refused().stream().map(SiteStatistics.Refusal::outcome).toList());
    assertTrue(answer.refused().get(1).reason().contains("unknown VM 'vm9'"), answer.refused().get(1).reason());
    // the answer goes back across nodes too
    new org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit(testKit.system()).verifySerialization(answer, true);
    // one fact for the two recorded (one journal row), and the period they complete closed after it
    assertEquals(List.of(new SiteEvent.ReportsRecorded(List.of(batch.get(0), batch.get(4)), clock.epochMillis()), SiteEvent.PeriodClosed.class),
        List.of(r.events().get(0), r.events().get(1).getClass()));
    assertEquals(2, r.events().size());
    assertEquals(CloseReason.ALL_REPORTED, r.state().periods().get(P).closeReason());
    assertEquals(5, r.state().periods().get(P).reports().get("vm1").traffic().received().get(0).packets());

    // the same state as the reports sent one by one
    var single = collectorWithRetention(0);
    single.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Register("h1", collector.getState().roster().values().stream().toList(), replyTo));
    single.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Report(report("vm1", P + 1, "10.0.0.2", 1, 100), replyTo));
    for (SensorReport each : batch) {
      single.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Report(each, replyTo));
    }
    assertEquals(single.getState(), collector.getState());

    var none = collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Reports(List.of(batch.get(0)), replyTo));
    assertEquals(0, assertInstanceOf(Collector.Batch.class, none.reply()).accepted());
    assertTrue(none.hasNoEvents());
  }

  @Test
  void gatheredMessagesAreAnsweredEachAsAloneAndWrittenAsOneFact() {
    // a gathered write is local (entity to child): not serialized, so not checked to be
    EventSourcedBehaviorTestKit<Collector.Command, SiteEvent, SiteStatistics> kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        Collector.create(SITE, new CollectorSettings(GRID, GRACE, 0), 1000, Duration.ofHours(1), clock),
        EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyCommands(false));
    collector = kit;
    register("h1", "vm1", "vm2");
    var one = testKit.<Collector.Reply>createTestProbe();
    var batch = testKit.<Collector.Reply>createTestProbe();
    var other = testKit.<Collector.Reply>createTestProbe();
    var dup = testKit.<Collector.Reply>createTestProbe();
    SensorReport vm1 = report("vm1", P, "10.0.0.2", 5, 500);
    SensorReport vm2 = report("vm2", P, "10.0.0.1", 7, 700);
    SensorReport next = report("vm1", P + 1, "10.0.0.2", 1, 100);
    List<Collector.Command> messages = List.of(new Collector.Report(vm1, one.ref()),
        // an unknown VM, one accepted, one already in the message before
        new Collector.Reports(List.of(report("vm9", P, "10.0.0.1", 1, 1), vm2, report("vm1", P, "10.0.0.2", 6, 600)), batch.ref()),
        new Collector.Report(next, other.ref()), new Collector.Report(report("vm2", P, "10.0.0.1", 8, 800), dup.ref()));
    var r = kit.runCommand((ActorRef<Collector.Written> replyTo) -> new Collector.Gathered(7, messages, replyTo));
    assertEquals(new Collector.Written(7), r.reply());
    one.expectMessage(new Collector.Accepted(SITE));
    Collector.Batch answer = batch.expectMessageClass(Collector.Batch.class);
    assertEquals(1, answer.accepted());
    assertEquals(List.of(0, 2), answer.refused().stream().map(SiteStatistics.Refusal::index).toList());
    assertEquals(List.of(SiteStatistics.Decision.Outcome.REJECTED, SiteStatistics.Decision.Outcome.DUPLICATE),
        answer.refused().stream().map(SiteStatistics.Refusal::outcome).toList());
    assertTrue(answer.refused().get(0).reason().contains("unknown VM 'vm9'"), answer.refused().get(0).reason());
    other.expectMessage(new Collector.Accepted(SITE));
    Collector.Duplicate d = dup.expectMessageClass(Collector.Duplicate.class);
    assertTrue(d.reason().contains("already reported period " + P), d.reason());
    // one fact for the three recorded, the period they complete closed after it
    assertEquals(List.of(new SiteEvent.ReportsRecorded(List.of(vm1, vm2, next), clock.epochMillis()), SiteEvent.PeriodClosed.class),
        List.of(r.events().get(0), r.events().get(1).getClass()));
    assertEquals(2, r.events().size());

    // the same state as the messages sent one after the other
    var single = collectorWithRetention(0);
    single.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Register("h1", kit.getState().roster().values().stream().toList(), replyTo));
    for (Collector.Command m : messages) {
      if (m instanceof Collector.Report c) {
        single.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Report(c.report(), replyTo));
      } else if (m instanceof Collector.Reports c) {
        single.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Reports(c.reports(), replyTo));
      }
    }
    assertEquals(single.getState(), kit.getState());
    // and after a restart, from the journal
    kit.restart();
    assertEquals(single.getState(), kit.getState());

    // nothing new: nothing written, each answered
    var none = kit.runCommand((ActorRef<Collector.Written> replyTo) -> new Collector.Gathered(8, List.of(new Collector.Report(vm1, one.ref())), replyTo));
    assertTrue(none.hasNoEvents());
    assertInstanceOf(Collector.Duplicate.class, one.receiveMessage());
  }

  @Test
  void aBatchPrunesOnceAtItsEnd() {
    collector = collectorWithRetention(2);
    register("h1", "vm1");
    var r = collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.Reports(
        List.of(report("vm1", P, "10.0.0.2", 1, 1), report("vm1", P + 1, "10.0.0.2", 1, 1), report("vm1", P + 2, "10.0.0.2", 1, 1)), replyTo));
    assertEquals(3, assertInstanceOf(Collector.Batch.class, r.reply()).accepted());
    assertEquals(List.of(P + 1, P + 2), List.copyOf(r.state().periods().keySet()));
    assertEquals(1, r.events().stream().filter(e -> e instanceof SiteEvent.PeriodsPruned).count());
  }

  @Test
  void reportsFromStrangersAreRejectedWithTheReasonAndChangeNothing() {
    register("h1", "vm1");
    SiteStatistics before = collector.getState();
    VmTraffic negative = new VmTraffic("vm1", P, List.of(new PeerTraffic("10.0.0.2", -1, 5)), List.of(), 0, 0);
    VmTraffic badAddress = new VmTraffic("vm1", P, List.of(new PeerTraffic("not-an-address", 1, 5)), List.of(), 0, 0);
    List<SensorReport> strangers = List.of(
        report("vm9", P, "10.0.0.2", 1, 1),
        new SensorReport("lyon", "h1", report("vm1", P, "10.0.0.2", 1, 1).traffic(), 0, 0, false),
        new SensorReport(SITE, "h2", report("vm1", P, "10.0.0.2", 1, 1).traffic(), 0, 0, false),
        report("vm1", P - 1, "10.0.0.2", 1, 1),
        new SensorReport(SITE, "h1", negative, 0, 0, false),
        new SensorReport(SITE, "h1", badAddress, 0, 0, false));
    List<String> reasons = List.of(
        "unknown VM 'vm9': not registered at site 'rennes'",
        "report of VM 'vm1' is for site 'lyon', not 'rennes'",
        "VM 'vm1' is registered on host 'h1', but the report came from host 'h2'",
        "period " + (P - 1) + " precedes the registration of VM 'vm1' (from period " + P + ")",
        "report of VM 'vm1' for period " + P + " has negative counts for 10.0.0.2",
        "report of VM 'vm1' for period " + P + ": invalid IP address 'not-an-address'");
    for (int i = 0; i < strangers.size(); i++) {
      var r = send(strangers.get(i));
      Collector.Rejected rejected = assertInstanceOf(Collector.Rejected.class, r.reply());
      assertEquals(reasons.get(i), rejected.reason());
      assertTrue(r.hasNoEvents());
    }
    assertEquals(before, collector.getState());
  }

  @Test
  void aSilentSensorIsRecordedMissingWhenTheGraceTimeRunsOut() {
    register("h1", "vm1", "vm2");
    send(report("vm1", P, "10.0.0.2", 5, 500)); // first heard of at the period's end (the clock)
    clock.advance(GRACE.minusMillis(1));
    assertTrue(collector.runCommand(Collector.CloseDue.INSTANCE).hasNoEvents(), "not before end + grace");
    clock.advance(Duration.ofMillis(1));
    var due = collector.runCommand(Collector.CloseDue.INSTANCE);
    SiteEvent.PeriodClosed closed = due.eventOfType(SiteEvent.PeriodClosed.class);
    assertEquals(CloseReason.GRACE, closed.reason());
    assertEquals(List.of("vm2"), closed.missing());
    assertEquals(List.of("vm2"), collector.getState().periods().get(P).missing());

    // a late report is still taken: the sensor is no longer missing, the period stays closed
    var late = send(report("vm2", P, "10.0.0.1", 3, 300));
    assertInstanceOf(Collector.Accepted.class, late.reply());
    SitePeriod p = collector.getState().periods().get(P);
    assertEquals(List.of(), p.missing());
    assertEquals(CloseReason.GRACE, p.closeReason());
  }

  @Test
  void retentionKeepsTheNewestPeriods() {
    collector = collectorWithRetention(2);
    register("h1", "vm1");
    for (long p = P; p < P + 3; p++) {
      send(report("vm1", p, "10.0.0.2", 1, 100));
    }
    SiteStatistics s = collector.getState();
    assertEquals(List.of(P + 1, P + 2), List.copyOf(s.periods().keySet()));
    assertEquals(P, s.prunedThrough());
    var tooOld = send(report("vm1", P, "10.0.0.2", 1, 100));
    assertEquals("period " + P + " is older than the periods kept", assertInstanceOf(Collector.Rejected.class, tooOld.reply()).reason());
  }

  @Test
  void hostCountersAreRecordedOncePerHostAndPeriod() {
    register("h1", "vm1");
    HostReport hr = new HostReport(SITE, new HostTraffic("h1", P, 3, 300, 2, 120, 1, 10), 0, false);
    var first = collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.ReportHost(hr, replyTo));
    assertInstanceOf(Collector.Accepted.class, first.reply());
    var again = collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.ReportHost(hr, replyTo));
    assertInstanceOf(Collector.Duplicate.class, again.reply());
    HostReport stranger = new HostReport(SITE, new HostTraffic("h9", P, 1, 1, 0, 0, 0, 0), 0, false);
    var rejected = collector.runCommand((ActorRef<Collector.Reply> replyTo) -> new Collector.ReportHost(stranger, replyTo));
    assertEquals("unknown host 'h9': it registered no VM at site 'rennes'", assertInstanceOf(Collector.Rejected.class, rejected.reply()).reason());
    assertEquals(3, collector.getState().periods().get(P).hosts().get("h1").traffic().unknownDestinationFrames());
  }

  @Test
  void aRestartRecoversTheSameStatistics() {
    register("h1", "vm1", "vm2");
    send(report("vm1", P, "10.0.0.2", 5, 500));
    send(report("vm2", P, "10.0.0.1", 7, 700));
    send(report("vm1", P + 1, "10.0.0.2", 1, 100));
    SiteStatistics before = collector.getState();
    collector.restart();
    assertEquals(before, collector.getState());
  }

  @Test
  void periodsAreReadBackForTheGlobalView() {
    register("h1", "vm1");
    send(report("vm1", P, "10.0.0.2", 5, 500));
    send(report("vm1", P + 1, "10.0.0.2", 6, 600));
    var r = collector.runCommand((ActorRef<SiteSnapshot> replyTo) -> new Collector.GetPeriods(P + 1, P + 5, replyTo));
    assertEquals(1, r.reply().periods().size());
    assertEquals(P + 1, r.reply().periods().get(0).period());
    assertEquals(P + 1, r.reply().newestPeriod());
    assertEquals(1, r.reply().roster().size());
  }

}
