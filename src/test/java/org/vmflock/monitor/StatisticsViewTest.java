package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.stats.QueryType;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.stats.StatisticsQuery;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.testing.TestConfigs;

/**
 * The global view answering queries (M6) as the report's collector did, over real collector
 * entities, with a manual clock: a precise answer when the newest period is complete; otherwise wait
 * if allowed long enough, else extrapolate if allowed, else "reformulate" with the time a precise
 * answer will exist.
 */
class StatisticsViewTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static final MonitorSettings SETTINGS = TestConfigs.settings(Map.of(
      "vmflock.monitor.period", "30s", "vmflock.collector.grace", "10s", "vmflock.collector.tick-interval", "1h"));
  private static final PeriodGrid GRID = SETTINGS.grid();
  private static final long P = 60_000_000L;

  private ManualClock clock;
  private ActorRef<Collector.Command> collector;
  private ActorRef<StatisticsView.Command> view;
  private static int instance;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** Site "s1" with vm1 and vm2; both reported P-1, only vm1 reported P; the clock is 1 s after P's end. */
  @BeforeEach
  void setUp() {
    clock = new ManualClock(GRID.end(P).plusSeconds(1));
    String site = "s" + (++instance); // a fresh persistence id per test
    collector = testKit.spawn(Collector.create(site, SETTINGS.collector(), 100, Duration.ofHours(1), clock));
    view = testKit.spawn(StatisticsView.create(List.of(site), SETTINGS, clock, s -> collector));
    TestProbe<Collector.Reply> acks = testKit.createTestProbe(Collector.Reply.class);
    collector.tell(new Collector.Register("h1", List.of(
        new RosterEntry("vm1", "h1", "02:00:00:00:00:01", List.of("10.0.0.1"), P - 1),
        new RosterEntry("vm2", "h1", "02:00:00:00:00:02", List.of("10.0.0.2"), P - 1)), acks.ref()));
    acks.expectMessageClass(Collector.Accepted.class);
    report(site, "vm1", P - 1, "10.0.0.2", 100, acks);
    report(site, "vm2", P - 1, "10.0.0.1", 200, acks);
    report(site, "vm1", P, "10.0.0.2", 300, acks);
    this.site = site;
  }

  private String site;

  private void report(String s, String vm, long period, String from, long bytes, TestProbe<Collector.Reply> acks) {
    VmTraffic t = new VmTraffic(vm, period, List.of(new PeerTraffic(from, bytes / 100, bytes)), List.of(), 0, 0);
    collector.tell(new Collector.Report(new SensorReport(s, "h1", t, 0, 0, false), acks.ref()));
    acks.expectMessageClass(Collector.Accepted.class);
  }

  private TestProbe<QueryAnswer> ask(StatisticsQuery q) {
    TestProbe<QueryAnswer> answers = testKit.createTestProbe(QueryAnswer.class);
    view.tell(new StatisticsView.Query(q, answers.ref()));
    return answers;
  }

  /** When P's collector closes it at the latest: first heard of at P's end + 1 s, plus the grace time. */
  private long preciseAt() {
    return GRID.end(P).plusSeconds(1).plusSeconds(10).toEpochMilli();
  }

  @Test
  void withoutWaitOrApproximationTheCallerIsAskedToReformulate() {
    QueryAnswer a = ask(StatisticsQuery.of(QueryType.MEAN, 1)).receiveMessage();
    QueryAnswer.Reformulate r = assertInstanceOf(QueryAnswer.Reformulate.class, a);
    assertEquals(P, r.newestPeriod());
    assertEquals(preciseAt(), r.preciseAtMillis());
  }

  @Test
  void approximationTakesTheMissingSensorFromThePeriodBefore() {
    QueryAnswer a = ask(StatisticsQuery.of(QueryType.DETAILED, 1).approximateAllowed(true)).receiveMessage();
    QueryAnswer.Statistics s = assertInstanceOf(QueryAnswer.Statistics.class, a);
    assertTrue(s.approximate());
    assertEquals(List.of("vm2"), s.extrapolated());
    // vm2 received 200 bytes from vm1 in P-1; vm1 received 300 from vm2 in P
    assertEquals(200, s.matrix().bytes(0, 1));
    assertEquals(300, s.matrix().bytes(1, 0));
  }

  @Test
  void aQueryAllowedToWaitIsAnsweredPreciselyAsSoonAsTheLastSensorReports() {
    TestProbe<QueryAnswer> answers = ask(StatisticsQuery.of(QueryType.MEAN, 2).waitingAtMost(Duration.ofSeconds(20)));
    answers.expectNoMessage(Duration.ofMillis(300));
    TestProbe<Collector.Reply> acks = testKit.createTestProbe(Collector.Reply.class);
    report(site, "vm2", P, "10.0.0.1", 400, acks); // P is now complete
    view.tell(StatisticsView.Poll.INSTANCE);
    QueryAnswer.Statistics s = assertInstanceOf(QueryAnswer.Statistics.class, answers.receiveMessage());
    assertTrue(!s.approximate());
    assertEquals(List.of(), s.extrapolated());
    assertEquals((200 + 400) / 2.0, s.matrix().bytes(0, 1)); // mean over P-1 and P
    assertEquals((100 + 300) / 2.0, s.matrix().bytes(1, 0));
  }

  @Test
  void aWaitTooShortForThePreciseAnswerFallsBackAtOnce() {
    // 5 s of wait allowed, but P is final only in 10 s: approximate now, without waiting
    QueryAnswer a = ask(StatisticsQuery.of(QueryType.MEAN, 1).waitingAtMost(Duration.ofSeconds(5)).approximateAllowed(true)).receiveMessage();
    assertTrue(assertInstanceOf(QueryAnswer.Statistics.class, a).approximate());
  }

  @Test
  void aSilentSensorMakesThePeriodFinalAtTheGraceTimeWithTheSensorMissing() {
    TestProbe<QueryAnswer> answers = ask(StatisticsQuery.of(QueryType.DETAILED, 1).waitingAtMost(Duration.ofSeconds(15)));
    answers.expectNoMessage(Duration.ofMillis(300));
    clock.set(java.time.Instant.ofEpochMilli(preciseAt()));
    collector.tell(Collector.CloseDue.INSTANCE);
    view.tell(StatisticsView.Poll.INSTANCE);
    QueryAnswer.Statistics s = assertInstanceOf(QueryAnswer.Statistics.class, answers.receiveMessage());
    assertTrue(!s.approximate());
    assertEquals(List.of("vm2"), s.periods().get(0).missing());
    assertTrue(s.periods().get(0).complete());
  }

  @Test
  void weightedQueriesCountTheNewestPeriodIMoreTimes() {
    TestProbe<Collector.Reply> acks = testKit.createTestProbe(Collector.Reply.class);
    report(site, "vm2", P, "10.0.0.1", 400, acks);
    QueryAnswer a = ask(StatisticsQuery.of(QueryType.MEAN, 2).weighted(3)).receiveMessage();
    QueryAnswer.Statistics s = assertInstanceOf(QueryAnswer.Statistics.class, a);
    // vm1 -> vm2: 200 in P-1 (weight 1), 400 in P (weight 3): (200 + 1200) / 4
    assertEquals(350, s.matrix().bytes(0, 1));
    assertEquals(QueryType.WEIGHTED, s.type());
  }
}
