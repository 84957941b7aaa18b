package org.vmflock.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.control.StatusPage;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Objective;
import org.vmflock.node.VmflockNode;
import org.vmflock.site.EnvironmentChange;

/**
 * The migration manager's loop on a real node over a simulated federation (K1, MAPE, P4): a price
 * rise moves the application when the gain is worth it and not otherwise, a reservation ending
 * before the finish evacuates in time, an alternating price causes no oscillation, a new
 * application is placed. Time is a manual clock; the loop runs when asked.
 */
class MigrationManagerTest {

  /** Waits until every migration ended and returns the status. */
  private static StatusPage settled(ControllerFixture f) {
    StatusPage[] k = new StatusPage[1];
    f.awaitAssert(() -> {
      k[0] = f.status();
      assertTrue(k[0].inFlight().isEmpty(), "migrations in flight: " + k[0].inFlight());
    });
    return k[0];
  }

  private static List<String> sitesOf(StatusPage k, Application app) {
    Map<String, String> placement = ControllerFixture.placement(k);
    return app.vmNames().stream().map(placement::get).toList();
  }

  @Test
  void aPriceRiseMovesTheApplicationWhenTheGainIsWorthIt(@TempDir Path dir) {
    try (ControllerFixture f = new ControllerFixture("price-rise", dir, Map.of())) {
      f.site("a", 8, 1.0, 0.05);
      f.site("b", 8, 1.0, 0.10);
      Application app = ControllerFixture.cg("app1", 4, Objective.COST);
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(app, ControllerFixture.all(app, "a")));
      MigrationManager.CycleReport first = f.cycle();
      assertTrue(first.decisions().stream().noneMatch(d -> d.kind() == DecisionKind.MIGRATE), "a is the cheaper site: " + first);

      // a small rise does not pay for the migration: the manager says so and stays
      f.change("a", new EnvironmentChange.Price("*", f.clock.now(), 0.0505));
      MigrationManager.CycleReport small = f.cycle();
      DecisionRecord stay = small.decisions().stream().filter(d -> d.application().equals("app1")).findFirst().orElseThrow();
      assertEquals(DecisionKind.STAY, stay.kind(), stay.reason());
      assertTrue(stay.reason().contains("site a changed"), stay.reason());

      // a big one does: the whole communication group goes to b, within this loop
      f.change("a", new EnvironmentChange.Price("*", f.clock.now(), 0.30));
      MigrationManager.CycleReport big = f.cycle();
      DecisionRecord move = big.decisions().stream().filter(d -> d.application().equals("app1")).findFirst().orElseThrow();
      assertEquals(DecisionKind.MIGRATE, move.kind(), move.reason());
      assertEquals(4, move.migrations().size());
      assertTrue(move.reason().contains("a -> b"), move.reason());
      StatusPage k = settled(f);
      assertEquals(List.of("b", "b", "b", "b"), sitesOf(k, app));
      StatusPage.DecisionLine audited = ControllerFixture.decision(k, move.id());
      assertEquals("applied", audited.outcome());
      assertTrue(audited.audit().orElseThrow().startsWith("4 migration(s): time predicted"), audited.audit().toString());
      assertEquals(4, f.federation.placement().siteOfVm().values().stream().filter("b"::equals).count(), "the VMs run at b");
      // the application paid for them (the manual clock stands still during the copies: no time observed
      // to calibrate the migration model with, see ControlLoopTest for that)
      assertEquals(0, k.migrationObservations());
      assertTrue(k.applications().stream().filter(a -> a.name().equals("app1")).findFirst().orElseThrow().spent() > 0,
          "the migrations' bytes and copies are charged");
    }
  }

  @Test
  void aReservationEndingBeforeTheFinishIsEvacuatedInTime(@TempDir Path dir) {
    try (ControllerFixture f = new ControllerFixture("evacuation", dir, Map.of())) {
      f.site("grid", 8, 1.0, 0.0);
      f.site("cloud", 8, 1.0, 0.10);
      Instant end = f.clock.now().plus(Duration.ofHours(1));
      f.change("grid", new EnvironmentChange.Availability(List.of(new AvailabilityWindow(f.clock.now().minusSeconds(60), end))));
      Application app = ControllerFixture.cg("job", 4, Objective.TIME);
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(app, ControllerFixture.all(app, "grid")));
      // staying counts the forced move at the end; the VMs leave once the end is within the evacuation lead
      DecisionRecord move = null;
      for (int period = 0; period < 20 && move == null; period++) {
        MigrationManager.CycleReport report = f.cycle();
        assertTrue(report.symptoms().get("job").stream().anyMatch(s -> s.contains("availability ends")), report.symptoms().toString());
        move = report.decisions().stream().filter(d -> d.application().equals("job") && d.kind() == DecisionKind.MIGRATE).findFirst().orElse(null);
        if (move == null) {
          f.clock.advance(Duration.ofMinutes(5));
        }
      }
      assertTrue(move != null, "evacuated");
      assertTrue(move.reason().contains("must leave now to be out in time"), move.reason());
      Instant lead = end.minus(f.settings.planning().planner().evacuationLead());
      assertTrue(!f.clock.now().isAfter(lead) && f.clock.now().isAfter(lead.minus(Duration.ofMinutes(5))),
          "left at " + f.clock.now() + ", within one period of the lead " + lead);
      StatusPage k = settled(f);
      assertEquals(List.of("cloud", "cloud", "cloud", "cloud"), sitesOf(k, app));
      assertTrue(f.clock.now().isBefore(end), "moved before the reservation ends");
    }
  }

  @Test
  void vmsStillOnASiteWhoseAvailabilityEndedAreMovedOffIt(@TempDir Path dir) {
    // no evacuation ahead of the end (lead 0): a cycle that runs before the clock jumps (a slow
    // machine) leaves the VMs where they are, and only the end moves them
    try (ControllerFixture f = new ControllerFixture("forced", dir, Map.of("vmflock.planner.evacuation-lead", "0s"))) {
      f.site("grid", 8, 1.0, 0.0);
      f.site("cloud", 8, 1.0, 0.10);
      Instant end = f.clock.now().plus(Duration.ofMinutes(10));
      f.change("grid", new EnvironmentChange.Availability(List.of(new AvailabilityWindow(f.clock.now().minusSeconds(60), end))));
      Application app = ControllerFixture.cg("late", 4, Objective.COST);
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(app, ControllerFixture.all(app, "grid")));
      // no cycle ran before the end (the loop was stopped, the node was down): the VMs are still there when it comes
      f.clock.advance(Duration.ofMinutes(11));
      f.manager.tell(MigrationManager.Tick.INSTANCE);
      settled(f);
      f.awaitAssert(() -> assertEquals(List.of("cloud", "cloud", "cloud", "cloud"), sitesOf(f.status(), app)));
      // the tick's forced evacuation, or a cycle that ran first at the new time (a debounced one from
      // the submission, on a slow machine), which finds staying infeasible: either way, one decision
      // moves the four VMs and says why
      List<StatusPage.DecisionLine> decisions = f.status().decisions();
      StatusPage.DecisionLine forced = decisions.stream()
          .filter(d -> d.kind().equals("forced") ? d.reason().contains("grid's availability ended")
              : d.reason().contains("site grid is not available now"))
          .findFirst().orElseThrow(() -> new AssertionError("no decision moving the VMs off grid: " + decisions));
      assertEquals(4, forced.migrations().size());
      f.awaitAssert(() -> assertEquals("applied", ControllerFixture.decision(f.status(), forced.id()).outcome()));
      assertEquals(4, f.federation.placement().siteOfVm().values().stream().filter("cloud"::equals).count(), "the VMs run at cloud");
    }
  }

  @Test
  void anAlternatingPriceCausesNoOscillation(@TempDir Path dir) {
    try (ControllerFixture f = new ControllerFixture("alternating", dir, Map.of("vmflock.planner.cooldown", "10m"))) {
      f.site("a", 8, 1.0, 0.10);
      f.site("b", 8, 1.0, 0.10);
      Application app = ControllerFixture.cg("swing", 8, Objective.COST);
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(app, ControllerFixture.all(app, "a")));
      f.cycle();
      int moves = 0;
      for (int period = 0; period < 16; period++) {
        boolean aCheap = period % 2 == 1;
        f.change("a", new EnvironmentChange.Price("*", f.clock.now(), aCheap ? 0.06 : 0.14));
        f.change("b", new EnvironmentChange.Price("*", f.clock.now(), aCheap ? 0.14 : 0.06));
        moves += (int) f.cycle().decisions().stream().filter(d -> d.kind() == DecisionKind.MIGRATE).count();
        settled(f);
        f.clock.advance(Duration.ofSeconds(30));
      }
      // the first swing pays for a move; 16 periods of 30 s are 8 minutes, within that move's
      // 10-minute cool-down: no other
      assertEquals(1, moves);
    }
  }

  @Test
  void aNewApplicationIsPlaced(@TempDir Path dir) {
    try (ControllerFixture f = new ControllerFixture("new-app", dir, Map.of())) {
      f.site("slow", 8, 0.8, 0.05);
      f.site("fast", 8, 1.5, 0.05);
      Application app = ControllerFixture.cg("fresh", 2, Objective.TIME);
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(app, Map.of()));
      MigrationManager.CycleReport report = f.cycle();
      DecisionRecord place = report.decisions().stream().filter(d -> d.application().equals("fresh")).findFirst().orElseThrow();
      assertEquals(DecisionKind.PLACE, place.kind(), place.reason());
      StatusPage k = f.status();
      assertEquals(List.of("fast", "fast", "fast", "fast"), sitesOf(k, app));
      assertEquals(4, f.federation.placement().siteOfVm().size(), "booted in the simulated federation");
      // a second application with the same name, or a VM already taken, is refused and changes nothing
      assertInstanceOf(MigrationManager.Rejected.class, f.submit(app, Map.of()));
      assertEquals(k, f.status());
    }
  }

  /**
   * An application announced for later (as run's and emulate's drivers announce a scenario's
   * {@code announced} arrivals) holds its room: one submitted meanwhile goes elsewhere, and the
   * announced one, submitted when it arrives, takes the room held for it.
   */
  @Test
  void anAnnouncedApplicationHoldsItsRoomUntilItArrives(@TempDir Path dir) {
    try (ControllerFixture f = new ControllerFixture("announced", dir, Map.of())) {
      f.site("cheap", 4, 1.0, 0.05);
      f.site("dear", 8, 1.0, 0.50);
      Application first = ControllerFixture.cg("first", 2, Objective.COST);
      Application second = ControllerFixture.cg("second", 2, Objective.COST);
      java.time.Instant arrives = ControllerFixture.START.plus(java.time.Duration.ofHours(2));
      assertInstanceOf(MigrationManager.Accepted.class, VmflockNode.await(org.vmflock.manager.Submissions.announce(f.node.system(), f.manager,
          first, arrives, ControllerFixture.TIMEOUT), "announce", ControllerFixture.TIMEOUT));
      assertEquals(org.vmflock.knowledge.AppStatus.ANNOUNCED, app(f.status(), "first").status());
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(second, Map.of()));
      f.cycle();
      assertEquals(List.of("dear", "dear", "dear", "dear"), sitesOf(f.status(), second), "cheap's room is held for first");
      assertInstanceOf(MigrationManager.Accepted.class, f.submit(first, Map.of()));
      f.cycle();
      assertEquals(List.of("cheap", "cheap", "cheap", "cheap"), sitesOf(f.status(), first));
    }
  }

  private static StatusPage.AppLine app(StatusPage k, String name) {
    return k.applications().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
  }
}
