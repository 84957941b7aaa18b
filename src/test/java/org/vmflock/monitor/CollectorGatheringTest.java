package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.testing.TestConfigs;

/**
 * A collector's entity in front of its journal side (a probe here): reports that arrive while a
 * write is in flight go together once it is done, every message in the order it came.
 */
class CollectorGatheringTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static final long P = 60_000_000L;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static SensorReport report(String vm, long period) {
    return new SensorReport("rennes", "h1", new VmTraffic(vm, period, List.of(), List.of(), 0, 0), 0, 0, false);
  }

  @Test
  void reportsArrivingWhileAWriteIsInFlightAreWrittenTogetherAfterItInTheirOrder() {
    TestProbe<Collector.Command> journal = testKit.createTestProbe();
    TestProbe<Collector.Reply> senders = testKit.createTestProbe();
    ActorRef<Collector.Command> entity = testKit.spawn(Collector.gathering("rennes", Behaviors.monitor(Collector.Command.class, journal.ref(),
        Behaviors.ignore()), Duration.ofSeconds(30)));
    Collector.Reports a = new Collector.Reports(List.of(report("vm1", P), report("vm2", P)), senders.ref());
    entity.tell(a);
    Collector.Gathered first = journal.expectMessageClass(Collector.Gathered.class);
    assertEquals(List.of(a), first.messages());

    // while a is written: b, c wait
    Collector.Report b = new Collector.Report(report("vm1", P + 1), senders.ref());
    Collector.Reports c = new Collector.Reports(List.of(report("vm2", P + 1)), senders.ref());
    entity.tell(b);
    entity.tell(c);
    journal.expectNoMessage(Duration.ofMillis(100));
    first.replyTo().tell(new Collector.Written(first.write()));
    Collector.Gathered second = journal.expectMessageClass(Collector.Gathered.class);
    assertEquals(List.of(b, c), second.messages());

    // a query while the write of b and c is in flight: what came before it goes first, then it
    Collector.Report d = new Collector.Report(report("vm1", P + 2), senders.ref());
    entity.tell(d);
    TestProbe<SiteSnapshot> reader = testKit.createTestProbe();
    Collector.GetPeriods query = new Collector.GetPeriods(P, P + 2, reader.ref());
    entity.tell(query);
    Collector.Gathered third = journal.expectMessageClass(Collector.Gathered.class);
    assertEquals(List.of(d), third.messages());
    assertEquals(query, journal.expectMessageClass(Collector.GetPeriods.class));
    Collector.Report e = new Collector.Report(report("vm2", P + 2), senders.ref());
    entity.tell(e);
    // e waits for both writes in flight
    second.replyTo().tell(new Collector.Written(second.write()));
    journal.expectNoMessage(Duration.ofMillis(100));
    third.replyTo().tell(new Collector.Written(third.write()));
    assertEquals(List.of(e), journal.expectMessageClass(Collector.Gathered.class).messages());
    testKit.stop(entity);
  }

  @Test
  void aWriteNotConfirmedInTimeLetsTheReportsGatheredSinceGo() {
    TestProbe<Collector.Command> journal = testKit.createTestProbe();
    TestProbe<Collector.Reply> senders = testKit.createTestProbe();
    ActorRef<Collector.Command> entity = testKit.spawn(Collector.gathering("rennes", Behaviors.monitor(Collector.Command.class, journal.ref(),
        Behaviors.ignore()), Duration.ofMillis(300)));
    Collector.Report a = new Collector.Report(report("vm1", P), senders.ref());
    Collector.Report b = new Collector.Report(report("vm2", P), senders.ref());
    entity.tell(a);
    Collector.Gathered first = journal.expectMessageClass(Collector.Gathered.class);
    entity.tell(b);
    // a's write is never confirmed (its journal side lost it): b goes once it is given up on
    Collector.Gathered second = journal.expectMessageClass(Collector.Gathered.class, Duration.ofSeconds(5));
    assertEquals(List.of(b), second.messages());
    // a's confirmation, late, changes nothing: b's write is still the one in flight
    first.replyTo().tell(new Collector.Written(first.write()));
    Collector.Report c = new Collector.Report(report("vm1", P + 1), senders.ref());
    entity.tell(c);
    journal.expectNoMessage(Duration.ofMillis(100));
    second.replyTo().tell(new Collector.Written(second.write()));
    assertEquals(List.of(c), journal.expectMessageClass(Collector.Gathered.class).messages());
    testKit.stop(entity);
  }

  @Test
  void aStoppedJournalSideStopsTheEntity() {
    TestProbe<Collector.Command> journal = testKit.createTestProbe();
    ActorRef<Collector.Command> entity = testKit.spawn(Collector.gathering("rennes", Behaviors.monitor(Collector.Command.class, journal.ref(),
        Behaviors.receiveMessage(m -> m instanceof Collector.CloseDue ? Behaviors.stopped() : Behaviors.same())), Duration.ofSeconds(30)));
    TestProbe<Object> watcher = testKit.createTestProbe();
    entity.tell(Collector.CloseDue.INSTANCE);
    watcher.expectTerminated(entity);
    assertInstanceOf(Collector.CloseDue.class, journal.receiveMessage());
  }
}
