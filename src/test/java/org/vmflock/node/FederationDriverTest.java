package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.FaultPlan;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.monitor.Collector;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.scenario.NpbProfiles;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteState;
import org.vmflock.site.SiteEvent;
import org.vmflock.testing.TestConfigs;

/** `run`'s federation driver lives what the site actors publish: a new CPU speed sets the pace, a new capacity the hypervisors' room. */
class FederationDriverTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static final Instant START = Instant.parse("2026-06-01T00:00:00Z");
  private static final long GIB = 1L << 30;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Site site(String name, int slots, double speed) {
    return new Site(name, new Capacity(slots, slots * 4, slots * 8 * GIB), speed, PriceSchedule.flat(0.1), 0.0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
  }

  @Test
  void aPublishedSpeedAndCapacityReachTheSimulatedHypervisors() {
    ManualClock clock = new ManualClock(START);
    NetworkPath wan = new NetworkPath(Duration.ofMillis(5), 10e9 / 8);
    Infrastructure infra = new Infrastructure(List.of(site("a", 8, 1.0), site("b", 8, 1.0)), List.of(new Link("a", "b", wan)), Optional.empty());
    SimulatedFederation federation = new SimulatedFederation(clock, new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()), infra::path, FaultPlan.none(), 1);
    infra.sites().forEach(s -> federation.site(s.name(), s.capacity()));
    Application cg = NpbProfiles.application(NpbProfiles.lookupOrThrow("cg.A.4"), "cg", 24 * 3600, Objective.TIME, Optional.empty(),
        Optional.empty());
    Map<String, String> onA = Map.of("cg-vm1", "a", "cg-vm2", "a", "cg-vm3", "a", "cg-vm4", "a");
    federation.boot(cg, onA);
    TestProbe<MigrationManager.Command> manager = testKit.createTestProbe();
    TestProbe<Collector.Command> collector = testKit.createTestProbe();
    testKit.spawn(FederationDriver.create(new FederationDriver.Settings(federation, infra, clock, Duration.ofMillis(20), Duration.ofHours(1),
        TestConfigs.settings(Map.of()), site -> collector.getRef(), "federation", manager.getRef())));

    // a becomes twice as fast and twice as big, as its site actor publishes it
    Site faster = site("a", 16, 2.0);
    SiteState.NumberedChange redefined = new SiteState.NumberedChange(2,
        new EnvironmentChange.Define(faster, List.of(new EnvironmentChange.SiteLink("b", wan)), Optional.empty()), START);
    ActorRef<Topic.Command<SiteActor.Published>> topic = testKit.spawn(Topic.create(SiteActor.Published.class, SiteActor.TOPIC));
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      topic.tell(Topic.publish(new SiteActor.Published("a", redefined))); // until the driver's subscription is in place
      assertEquals(faster.capacity(), federation.capacity("a"));
    });

    double before = federation.run("cg").orElseThrow().done();
    clock.advance(Duration.ofHours(1));
    Infrastructure now = new Infrastructure(List.of(faster, site("b", 8, 1.0)), List.of(new Link("a", "b", wan)), Optional.empty());
    double secondsPerWork = federation.secondsPerWork("cg", now);
    double expected = before + 3600 / secondsPerWork;
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
        assertEquals(expected, federation.run("cg").orElseThrow().done(), expected * 1e-9));
  }

  @Test
  void theScheduleSendsTheTimelineToTheSitesAndTheArrivalsToTheManager() {
    ManualClock clock = new ManualClock(START);
    Site a = new Site("a", new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(0.1), 0.0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of(new org.vmflock.model.AvailabilityWindow(START, START.plus(Duration.ofDays(1)))));
    Infrastructure infra = new Infrastructure(List.of(a), List.of(), Optional.empty());
    SimulatedFederation federation = new SimulatedFederation(clock, new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()), infra::path, FaultPlan.none(), 1);
    federation.site("a", a.capacity());
    TestProbe<MigrationManager.Command> manager = testKit.createTestProbe();
    TestProbe<Collector.Command> collector = testKit.createTestProbe();
    TestProbe<SiteActor.Command> siteActor = testKit.createTestProbe();
    Application ep = NpbProfiles.application(NpbProfiles.lookupOrThrow("ep.A.4"), "ep", 3600, Objective.COST, Optional.empty(),
        Optional.empty());
    EnvironmentChange.Price rise = new EnvironmentChange.Price("*", START.plus(Duration.ofHours(1)), 0.3);
    List<org.vmflock.scenario.TimelineEvent> timeline = List.of(
        new org.vmflock.scenario.TimelineEvent.SiteChange(rise.from(), "a", rise),
        new org.vmflock.scenario.TimelineEvent.SiteFailure(START.plus(Duration.ofHours(3)), "a", START.plus(Duration.ofHours(4))));
    org.vmflock.scenario.Scenario.ScenarioApplication later = new org.vmflock.scenario.Scenario.ScenarioApplication(ep, Placement.EMPTY, "ep.A.4",
        Optional.of(START.plus(Duration.ofHours(2))));
    FederationDriver.Schedule schedule = new FederationDriver.Schedule(START, timeline, List.of(later), name -> siteActor.getRef());
    testKit.spawn(FederationDriver.create(new FederationDriver.Settings(federation, infra, clock, Duration.ofMillis(20), Duration.ofHours(1),
        TestConfigs.settings(Map.of()), site -> collector.getRef(), "federation", manager.getRef(), schedule)));

    siteActor.expectNoMessage(Duration.ofMillis(200)); // nothing is due yet
    clock.advance(Duration.ofMinutes(90));
    SiteActor.Change first = siteActor.expectMessageClass(SiteActor.Change.class);
    assertEquals(rise, first.change());
    first.replyTo().tell(new SiteActor.Accepted("a"));
    manager.expectNoMessage(Duration.ofMillis(100));
    clock.advance(Duration.ofMinutes(60));
    MigrationManager.Submit submit = manager.expectMessageClass(MigrationManager.Submit.class);
    assertEquals(ep, submit.app());
    assertEquals(Map.of(), submit.placement());
    submit.replyTo().tell(new MigrationManager.Accepted("application ep"));
    clock.advance(Duration.ofMinutes(60));
    // announced at 3 h, the failure ends a's window at 4 h
    EnvironmentChange failure = siteActor.expectMessageClass(SiteActor.Change.class).change();
    assertEquals(new EnvironmentChange.Availability(List.of(new org.vmflock.model.AvailabilityWindow(START, START.plus(Duration.ofHours(4))))),
        failure);
  }

  /** An arrival announced an hour before it comes: the manager hears of it then (room held), and the submission when it comes. */
  @Test
  void anAnnouncedArrivalIsAnnouncedToTheManagerBeforeItIsSubmitted() {
    ManualClock clock = new ManualClock(START);
    Infrastructure infra = new Infrastructure(List.of(site("a", 8, 1.0)), List.of(), Optional.empty());
    SimulatedFederation federation = new SimulatedFederation(clock, new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()), infra::path, FaultPlan.none(), 1);
    federation.site("a", infra.sites().get(0).capacity());
    TestProbe<MigrationManager.Command> manager = testKit.createTestProbe();
    Application ep = NpbProfiles.application(NpbProfiles.lookupOrThrow("ep.A.4"), "ep", 3600, Objective.COST, Optional.empty(),
        Optional.empty());
    Instant arrives = START.plus(Duration.ofHours(3));
    org.vmflock.scenario.Scenario.ScenarioApplication later = new org.vmflock.scenario.Scenario.ScenarioApplication(ep, Placement.EMPTY, "ep.A.4",
        Optional.of(arrives), Optional.empty(), Optional.empty(), Optional.of(arrives.minus(Duration.ofHours(1))));
    FederationDriver.Schedule schedule = new FederationDriver.Schedule(START, List.of(), List.of(later), name -> null);
    assertEquals(List.of(arrives.minus(Duration.ofHours(1)), arrives), schedule.dueTimes());
    testKit.spawn(FederationDriver.create(new FederationDriver.Settings(federation, infra, clock, Duration.ofMillis(20), Duration.ofHours(1),
        TestConfigs.settings(Map.of()), site -> testKit.createTestProbe(Collector.Command.class).getRef(), "federation", manager.getRef(),
        schedule)));
    clock.advance(Duration.ofMinutes(90));
    manager.expectNoMessage(Duration.ofMillis(200)); // not announced yet
    clock.advance(Duration.ofMinutes(30));
    MigrationManager.Submit announcement = manager.expectMessageClass(MigrationManager.Submit.class);
    assertEquals(ep, announcement.app());
    assertEquals(Optional.of(arrives), announcement.arrives(), "an announcement, for when it arrives");
    announcement.replyTo().tell(new MigrationManager.Accepted("application ep"));
    clock.advance(Duration.ofMinutes(59));
    manager.expectNoMessage(Duration.ofMillis(200)); // not arrived yet
    clock.advance(Duration.ofMinutes(1));
    MigrationManager.Submit submission = manager.expectMessageClass(MigrationManager.Submit.class);
    assertEquals(ep, submission.app());
    assertEquals(Optional.empty(), submission.arrives(), "the submission itself");
  }

  /**
   * The schedule sends one event at a time and records each answer (an acceptance or a refusal)
   * before the next; a driver started on a progress of 1 (a restarted node) does not send the first
   * event again, and sends at once the ones that fell due meanwhile, in order.
   */
  @Test
  void theScheduleGoesOnWhereItWasAnswered() {
    ManualClock clock = new ManualClock(START);
    Infrastructure infra = new Infrastructure(List.of(site("a", 8, 1.0)), List.of(), Optional.empty());
    SimulatedFederation federation = new SimulatedFederation(clock, new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()), infra::path, FaultPlan.none(), 1);
    federation.site("a", infra.sites().get(0).capacity());
    List<org.vmflock.scenario.TimelineEvent> timeline = new java.util.ArrayList<>();
    for (int h = 1; h <= 3; h++) {
      EnvironmentChange.Price p = new EnvironmentChange.Price("*", START.plus(Duration.ofHours(h)), 0.1 * h);
      timeline.add(new org.vmflock.scenario.TimelineEvent.SiteChange(p.from(), "a", p));
    }
    TestProbe<SiteActor.Command> siteActor = testKit.createTestProbe();
    List<Integer> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();
    FederationDriver.Progress progress = new FederationDriver.Progress() {
      @Override
      public int sent() {
        return 1; // the first price was answered before the restart
      }

      @Override
      public void sent(int count, Instant lastDue) {
        recorded.add(count);
      }
    };
    FederationDriver.Schedule schedule = new FederationDriver.Schedule(START, timeline, List.of(), name -> siteActor.getRef(), progress);
    clock.advance(Duration.ofMinutes(150)); // down while the second price fell due
    testKit.spawn(FederationDriver.create(new FederationDriver.Settings(federation, infra, clock, Duration.ofMillis(20), Duration.ofHours(1),
        TestConfigs.settings(Map.of()), site -> testKit.createTestProbe(Collector.Command.class).getRef(), "federation",
        testKit.createTestProbe(MigrationManager.Command.class).getRef(), schedule)));
    SiteActor.Change second = siteActor.expectMessageClass(SiteActor.Change.class);
    assertEquals(timeline.get(1).at(), ((EnvironmentChange.Price) second.change()).from());
    siteActor.expectNoMessage(Duration.ofMillis(200)); // the third is not due, and the second awaits its answer
    assertEquals(List.of(), recorded);
    second.replyTo().tell(new SiteActor.Accepted("a"));
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(List.of(2), recorded));
    clock.advance(Duration.ofHours(1));
    SiteActor.Change third = siteActor.expectMessageClass(SiteActor.Change.class);
    assertEquals(timeline.get(2).at(), ((EnvironmentChange.Price) third.change()).from());
    third.replyTo().tell(new SiteActor.Rejected("a", "refused, and recorded as answered"));
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertEquals(List.of(2, 3), recorded));
  }

  /** Two applications that finish in the same tick both leave the collector's roster once their sensors drained. */
  @Test
  void everyFinishedApplicationLeavesTheRoster() {
    ManualClock clock = new ManualClock(START);
    Infrastructure infra = new Infrastructure(List.of(site("a", 16, 1.0)), List.of(), Optional.empty());
    SimulatedFederation federation = new SimulatedFederation(clock, new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()), infra::path, FaultPlan.none(), 1);
    federation.site("a", infra.sites().get(0).capacity());
    for (String name : List.of("ep1", "ep2")) {
      Application ep = NpbProfiles.application(NpbProfiles.lookupOrThrow("ep.A.4"), name, 600, Objective.COST, Optional.empty(), Optional.empty());
      java.util.Map<String, String> onA = new java.util.TreeMap<>();
      ep.vmNames().forEach(vm -> onA.put(vm, "a"));
      federation.boot(ep, onA);
    }
    TestProbe<String> deregistered = testKit.createTestProbe();
    TestProbe<String> registered = testKit.createTestProbe();
    // a collector that accepts everything and tells which host joined and which left its roster
    ActorRef<Collector.Command> collector = testKit.spawn(org.apache.pekko.actor.typed.javadsl.Behaviors.receive(Collector.Command.class)
        .onMessage(Collector.Register.class, r -> {
          registered.getRef().tell(r.host());
          r.replyTo().tell(new Collector.Accepted("federation"));
          return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
        })
        .onMessage(Collector.Report.class, r -> {
          r.replyTo().tell(new Collector.Accepted("federation"));
          return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
        })
        .onMessage(Collector.ReportHost.class, r -> {
          r.replyTo().tell(new Collector.Accepted("federation"));
          return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
        })
        .onMessage(Collector.Deregister.class, d -> {
          deregistered.getRef().tell(d.host());
          return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
        })
        .build());
    TestProbe<MigrationManager.Command> manager = testKit.createTestProbe();
    testKit.spawn(FederationDriver.create(new FederationDriver.Settings(federation, infra, clock, Duration.ofMillis(20), Duration.ofHours(1),
        TestConfigs.settings(Map.of()), site -> collector, "federation", manager.getRef())));
    // a tick that sees the clock move runs them: their monitors start and register. The driver sets its
    // start when it has started, which on a loaded machine can be after an advance: advance again until both joined
    java.util.Set<String> joined = new java.util.TreeSet<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (!joined.containsAll(List.of("ep1", "ep2"))) {
      assertTrue(System.nanoTime() < deadline, "both monitors registered within 40 s; joined: " + joined);
      clock.advance(Duration.ofSeconds(1));
      try {
        joined.add(registered.receiveMessage(Duration.ofSeconds(1)));
      } catch (AssertionError notYet) {
        // no registration in that second: the driver had not seen the clock move yet
      }
    }
    clock.advance(Duration.ofHours(1)); // both finish within this one tick
    java.util.Set<String> left = new java.util.TreeSet<>(List.of(deregistered.receiveMessage(Duration.ofSeconds(20)),
        deregistered.receiveMessage(Duration.ofSeconds(20))));
    assertEquals(java.util.Set.of("ep1", "ep2"), left);
  }
}
