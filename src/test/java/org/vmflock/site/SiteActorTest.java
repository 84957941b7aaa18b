package org.vmflock.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.testing.TestConfigs;

/**
 * A site actor (A3): changes validated, persisted and published; bad ones refused with the reason,
 * state unchanged; reservations held with a lease. The test kit checks that every command, event and
 * state serializes.
 */
class SiteActorTest {

  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final long GIB = 1L << 30;
  private static int instance;

  private ManualClock clock;
  private EventSourcedBehaviorTestKit<SiteActor.Command, SiteEvent, SiteState> site;
  private String name;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void start() {
    clock = new ManualClock(NOW);
    name = "lyon" + (++instance);
    site = EventSourcedBehaviorTestKit.create(testKit.system(), SiteActor.create(name, clock, new SiteActor.Settings(Duration.ofHours(1), Duration.ofMillis(200), Duration.ofSeconds(10))));
  }

  private SiteActor.Reply change(EnvironmentChange c) {
    return site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.Change(c, r)).reply();
  }

  private void define(int slots) {
    Site s = new Site(name, new Capacity(slots, slots * 4, slots * 8 * GIB), 1.2, PriceSchedule.flat(0.05), 0.02, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 1.25e9), List.of());
    assertInstanceOf(SiteActor.Accepted.class, change(new EnvironmentChange.Define(s, List.of(), Optional.empty())));
  }

  @Test
  void changesToAnUndefinedSiteAreRefused() {
    SiteActor.Rejected r = assertInstanceOf(SiteActor.Rejected.class, change(new EnvironmentChange.Speed(2)));
    assertEquals("unknown site '" + name + "'", r.reason());
  }

  @Test
  void anAcceptedChangeIsPublished() {
    TestProbe<SiteActor.Published> subscriber = testKit.createTestProbe(SiteActor.Published.class);
    ActorRef<Topic.Command<SiteActor.Published>> topic = testKit.spawn(Topic.create(SiteActor.Published.class, SiteActor.TOPIC));
    topic.tell(Topic.subscribe(subscriber.ref()));
    define(4);
    subscriber.receiveMessage(); // the definition
    change(new EnvironmentChange.Price("small", NOW, 0.12));
    SiteActor.Published p = subscriber.receiveMessage();
    assertEquals(name, p.site());
    assertEquals(2, p.change().number(), "the site's second change");
    assertEquals(new EnvironmentChange.Price("small", NOW, 0.12), p.change().change(), "the change itself, not the whole environment");
    SiteEnvironment after = site.getState().environment();
    assertEquals(0.12, after.site().orElseThrow().hosting().pricePerVmHour("small", NOW));
    assertEquals(0.05, after.site().orElseThrow().hosting().pricePerVmHour("small", NOW.minusSeconds(1)), "before the change, the old price");
  }

  @Test
  void badChangesAreRefusedWithTheReasonAndChangeNothing() {
    define(4);
    assertInstanceOf(SiteActor.Accepted.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
        new SiteActor.Place("vm1", new Capacity(1, 2, 2 * GIB), Optional.empty(), r)).reply());
    assertInstanceOf(SiteActor.Accepted.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
        new SiteActor.Place("vm2", new Capacity(1, 2, 2 * GIB), Optional.empty(), r)).reply());
    SiteState before = site.getState();
    Map<EnvironmentChange, String> bad = Map.ofEntries(
        Map.entry(new EnvironmentChange.Price("small", NOW, -0.1), "a price per VM-hour is between 0 and 10000, not -0.1"),
        Map.entry(new EnvironmentChange.Price("small", NOW, 1e308), "a price per VM-hour is between 0 and 10000, not 1.0E308"),
        Map.entry(new EnvironmentChange.TransferPrice("paris", -1), "a price per GB is between 0 and 1000, not -1"),
        Map.entry(new EnvironmentChange.Speed(0), "a CPU speed is between 0.001 and 1000, not 0"),
        // 1e308 finished applications early; 1e-300 overflowed every MAPE cycle (PriceSchedule.seconds)
        Map.entry(new EnvironmentChange.Speed(1e308), "a CPU speed is between 0.001 and 1000, not 1.0E308"),
        Map.entry(new EnvironmentChange.Speed(1e-300), "a CPU speed is between 0.001 and 1000, not 1.0E-300"),
        Map.entry(new EnvironmentChange.Availability(List.of(new AvailabilityWindow(NOW.minusSeconds(7200), NOW.minusSeconds(60)))),
            "the availability window " + NOW.minusSeconds(7200) + " .. " + NOW.minusSeconds(60) + " ends in the past (now " + NOW + ")"),
        Map.entry(new EnvironmentChange.CapacityChange(new Capacity(1, 4, 8 * GIB)),
            "a capacity of 1 slots, 4 cores, 8192 MiB is below what is placed and reserved here (2 slots, 4 cores, 4096 MiB)"),
        Map.entry(new EnvironmentChange.CapacityChange(new Capacity(2_000_000_000, 4, 8 * GIB)),
            "a number of VM slots is between 0 and 1000000, not 2000000000"),
        Map.entry(new EnvironmentChange.Quota(Optional.of(1)), "a quota of 1 VMs is below the 2 VMs placed and reserved here"));
    bad.forEach((c, why) -> {
      SiteActor.Rejected r = assertInstanceOf(SiteActor.Rejected.class, change(c), c.toString());
      assertEquals("site " + name + ": " + why, r.reason());
    });
    assertEquals(before, site.getState());
  }

  @Test
  void aReservationHoldsRoomUntilItsLeaseRunsOut() {
    define(2);
    Capacity small = new Capacity(1, 1, 2 * GIB);
    assertInstanceOf(SiteActor.Accepted.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
        new SiteActor.Reserve("m1", "vm1", small, Duration.ofMinutes(5), r)).reply());
    assertInstanceOf(SiteActor.Accepted.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
        new SiteActor.Reserve("m2", "vm2", small, Duration.ofMinutes(5), r)).reply());
    SiteActor.Rejected full = assertInstanceOf(SiteActor.Rejected.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
        new SiteActor.Reserve("m3", "vm3", small, Duration.ofMinutes(5), r)).reply());
    assertTrue(full.reason().contains("no room for vm3"), full.reason());
    // the same reservation asked again is the same reservation (a resumed saga)
    assertInstanceOf(SiteActor.Accepted.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
        new SiteActor.Reserve("m1", "vm1", small, Duration.ofMinutes(5), r)).reply());
    // m1 is confirmed by placing vm1; m2's lease runs out
    site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.Place("vm1", small, Optional.of("m1"), r));
    clock.advance(Duration.ofMinutes(5));
    var expired = site.runCommand(SiteActor.ExpireLeases.INSTANCE);
    assertEquals(List.of(new SiteEvent.ReservationReleased("m2", "lease ran out at " + NOW.plus(Duration.ofMinutes(5)))), expired.events());
    SiteBooks s = site.getState().books();
    assertEquals(List.of("vm1"), List.copyOf(s.placed().keySet()));
    assertTrue(s.reservations().isEmpty());
  }

  @Test
  void aLateCopyOfAReservationRequestAfterItsEndIsRefused() {
    define(2);
    Capacity small = new Capacity(1, 1, 2 * GIB);
    site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.Reserve("m1", "vm1", small, Duration.ofMinutes(5), r));
    site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.ReleaseReservation("m1", "rolled back", r));
    site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.Reserve("m2", "vm2", small, Duration.ofMinutes(5), r));
    site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.Place("vm2", small, Optional.of("m2"), r));
    site.runCommand((ActorRef<SiteActor.Reply> r) -> new SiteActor.Remove("vm2", r));
    site.restart();
    // a copy of a request that overtook its successors (the fault harness's seeds 96 and 214) holds no room again
    for (String id : List.of("m1", "m2")) {
      SiteActor.Rejected late = assertInstanceOf(SiteActor.Rejected.class, site.runCommand((ActorRef<SiteActor.Reply> r) ->
          new SiteActor.Reserve(id, "vm" + id.substring(1), small, Duration.ofMinutes(5), r)).reply());
      assertTrue(late.reason().contains("released or used already"), late.reason());
    }
    assertTrue(site.getState().books().reservations().isEmpty());
  }

  @Test
  void theEnvironmentSurvivesARestart() {
    define(4);
    change(new EnvironmentChange.Price("small", NOW.plusSeconds(3600), 0.2));
    change(new EnvironmentChange.LinkChange(new EnvironmentChange.SiteLink("rennes", new NetworkPath(Duration.ofMillis(4), 1.25e9))));
    SiteState before = site.getState();
    site.restart();
    assertEquals(before, site.getState());
  }
}
