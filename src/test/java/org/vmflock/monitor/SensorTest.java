package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.HostTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.testing.TestConfigs;

/** A sensor (M1, M2): closes its periods on the capture's watermark and reports each until acknowledged. */
class SensorTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static final MonitorSettings SETTINGS = TestConfigs.settings(Map.of(
      "vmflock.monitor.period", "30s",
      "vmflock.monitor.report-timeout", "300ms",
      "vmflock.monitor.report-retry-interval", "200ms"));
  private static final PeriodGrid GRID = SETTINGS.grid();
  private static final long P = 60_000_000L;
  private static final long SECOND = 1_000_000L;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static VmTraffic traffic(long period, long packets, long bytes) {
    return new VmTraffic("vm1", period, List.of(new PeerTraffic("10.0.0.2", packets, bytes)), List.of(), 0, 0);
  }

  private static Sensor.Counted counted(List<VmTraffic> t, long sinceMicros, long watermarkMicros, boolean end) {
    return new Sensor.Counted(t, List.of(), sinceMicros, watermarkMicros, end);
  }

  private static SensorReport expectReport(TestProbe<Collector.Command> collector, Collector.Reply answer) {
    Collector.Report r = collector.expectMessageClass(Collector.Report.class);
    r.replyTo().tell(answer);
    return r.report();
  }

  @Test
  void everyClosedPeriodIsReportedSilentOnesIncluded() {
    TestProbe<Collector.Command> collector = testKit.createTestProbe(Collector.Command.class);
    ActorRef<Sensor.Command> sensor = testKit.spawn(Sensor.forVm("vm1", "rennes", "h1", SETTINGS, collector.ref()));
    long since = GRID.startMicros(P) + 5 * SECOND; // observation began inside P
    // two batches of P, then a watermark past P's end: P closes, summed, partial
    sensor.tell(counted(List.of(traffic(P, 3, 300)), since, since + SECOND, false));
    sensor.tell(counted(List.of(traffic(P, 2, 200)), since, GRID.endMicros(P) + SECOND, false));
    SensorReport first = expectReport(collector, new Collector.Accepted("rennes"));
    assertEquals(new SensorReport("rennes", "h1", traffic(P, 5, 500), 0, 0, true), first);
    // nothing counted, watermark at the end of P+2: P+1 and P+2 are reported as silent, whole periods
    sensor.tell(counted(List.of(), since, GRID.endMicros(P + 2), false));
    assertEquals(new SensorReport("rennes", "h1", VmTraffic.empty("vm1", P + 1), 0, 0, false), expectReport(collector, new Collector.Accepted("rennes")));
    assertEquals(new SensorReport("rennes", "h1", VmTraffic.empty("vm1", P + 2), 0, 0, false), expectReport(collector, new Collector.Accepted("rennes")));
    TestProbe<Sensor.Drained> drained = testKit.createTestProbe(Sensor.Drained.class);
    sensor.tell(new Sensor.Drain(drained.ref()));
    assertEquals(new Sensor.Drained("vm1", 3, 0, 0, 0), drained.receiveMessage());
  }

  @Test
  void aReportIsSentAgainUntilTheCollectorAnswers() {
    TestProbe<Collector.Command> collector = testKit.createTestProbe(Collector.Command.class);
    ActorRef<Sensor.Command> sensor = testKit.spawn(Sensor.forVm("vm1", "rennes", "h1", SETTINGS, collector.ref()));
    sensor.tell(counted(List.of(traffic(P, 1, 100)), GRID.startMicros(P), GRID.endMicros(P), false));
    Collector.Report unanswered = collector.expectMessageClass(Collector.Report.class);
    TestProbe<Sensor.Drained> drained = testKit.createTestProbe(Sensor.Drained.class);
    sensor.tell(new Sensor.Drain(drained.ref()));
    drained.expectNoMessage(Duration.ofMillis(100));
    // no answer within the timeout: the same report comes again, and a duplicate is an acknowledgement
    SensorReport again = expectReport(collector, new Collector.Duplicate("rennes", "already there"));
    assertEquals(unanswered.report(), again);
    assertEquals(new Sensor.Drained("vm1", 1, 0, 0, 0), drained.receiveMessage());
  }

  @Test
  void trafficForAPeriodAlreadyReportedIsCountedLateInTheNextReport() {
    TestProbe<Collector.Command> collector = testKit.createTestProbe(Collector.Command.class);
    ActorRef<Sensor.Command> sensor = testKit.spawn(Sensor.forVm("vm1", "rennes", "h1", SETTINGS, collector.ref()));
    sensor.tell(counted(List.of(traffic(P, 1, 100)), GRID.startMicros(P), GRID.endMicros(P), false));
    expectReport(collector, new Collector.Accepted("rennes"));
    sensor.tell(counted(List.of(traffic(P, 4, 400), traffic(P + 1, 1, 60)), GRID.startMicros(P), GRID.endMicros(P + 1), false));
    SensorReport next = expectReport(collector, new Collector.Accepted("rennes"));
    assertEquals(new SensorReport("rennes", "h1", traffic(P + 1, 1, 60), 4, 400, false), next);
  }

  @Test
  void theEndOfTheStreamClosesTheCurrentPeriodAsPartial() {
    TestProbe<Collector.Command> collector = testKit.createTestProbe(Collector.Command.class);
    ActorRef<Sensor.Command> sensor = testKit.spawn(Sensor.forVm("vm1", "rennes", "h1", SETTINGS, collector.ref()));
    sensor.tell(counted(List.of(traffic(P, 1, 100)), GRID.startMicros(P), GRID.startMicros(P) + 7 * SECOND, true));
    assertEquals(new SensorReport("rennes", "h1", traffic(P, 1, 100), 0, 0, true), expectReport(collector, new Collector.Accepted("rennes")));
    // after the end, nothing more is reported
    sensor.tell(counted(List.of(traffic(P + 3, 1, 100)), GRID.startMicros(P), GRID.endMicros(P + 5), false));
    collector.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aRefusedReportIsNotSentAgainAndIsAccountedFor() {
    TestProbe<Collector.Command> collector = testKit.createTestProbe(Collector.Command.class);
    ActorRef<Sensor.Command> sensor = testKit.spawn(Sensor.forVm("vm9", "rennes", "h1", SETTINGS, collector.ref()));
    sensor.tell(counted(List.of(), GRID.startMicros(P), GRID.endMicros(P), false));
    expectReport(collector, new Collector.Rejected("rennes", "unknown VM 'vm9'"));
    collector.expectNoMessage(Duration.ofMillis(500));
    TestProbe<Sensor.Drained> drained = testKit.createTestProbe(Sensor.Drained.class);
    sensor.tell(new Sensor.Drain(drained.ref()));
    assertEquals(new Sensor.Drained("vm9", 0, 0, 1, 0), drained.receiveMessage());
  }

  @Test
  void theHostsSensorReportsWhatBelongsToNoVm() {
    TestProbe<Collector.Command> collector = testKit.createTestProbe(Collector.Command.class);
    ActorRef<Sensor.Command> sensor = testKit.spawn(Sensor.forHost("h1", "rennes", SETTINGS, collector.ref()));
    HostTraffic a = new HostTraffic("h1", P, 1, 60, 2, 120, 0, 0);
    HostTraffic b = new HostTraffic("h1", P, 0, 0, 1, 60, 1, 10);
    sensor.tell(new Sensor.Counted(List.of(), List.of(a, b), GRID.startMicros(P), GRID.endMicros(P), false));
    Collector.ReportHost r = collector.expectMessageClass(Collector.ReportHost.class);
    assertEquals(new HostReport("rennes", new HostTraffic("h1", P, 1, 60, 3, 180, 1, 10), 0, false), r.report());
    r.replyTo().tell(new Collector.Accepted("rennes"));
    assertTrue(r.report().traffic().frames() == 5);
  }
}
