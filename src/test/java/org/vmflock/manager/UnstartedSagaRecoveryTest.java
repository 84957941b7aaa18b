package org.vmflock.manager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.control.StatusPage;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.model.Application;
import org.vmflock.model.Objective;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.testing.TestConfigs;

/**
 * A node killed between the manager's record of a migration's start and the saga's own first
 * record (found by {@code bench crash}: a migration stayed "running" for good after such a kill):
 * after the restart the manager starts the saga with its order, and the migration ends. A saga that
 * recorded nothing cannot resume, since it does not know its order.
 */
class UnstartedSagaRecoveryTest {

  @Test
  void aMigrationWhoseSagaRecordedNothingIsStartedAfterARestart(@TempDir Path dir) throws Exception {
    Application app = ControllerFixture.cg("app1", 4, Objective.COST);
    try (ControllerFixture before = new ControllerFixture("unstarted", dir, Map.of())) {
      before.site("a", 8, 1.0, 0.05);
      before.site("b", 8, 1.0, 0.10);
      assertInstanceOf(MigrationManager.Accepted.class, before.submit(app, ControllerFixture.all(app, "a")));
      before.cycle();
      before.change("a", new EnvironmentChange.Price("*", before.clock.now(), 0.30));
      MigrationManager.CycleReport moved = before.cycle();
      assertTrue(moved.decisions().stream().anyMatch(d -> d.kind() == DecisionKind.MIGRATE), moved.toString());
    }
    // the kill struck before any saga recorded its start: the manager's journal says the migrations run, theirs say nothing
    String url = TestConfigs.node(dir, Map.of()).getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    try (Connection c = DriverManager.getConnection(url, "", ""); Statement s = c.createStatement()) {
      s.executeUpdate("delete from \"event_journal\" where \"persistence_id\" like 'MigrationSaga|%'");
      // and the mark of what the journal acknowledged is what it was then: on a loaded machine the
      // sagas' records can be the newest, which the journal's damage check would otherwise miss
      try (java.sql.ResultSet newest = s.executeQuery("select max(\"ordering\") from \"event_journal\"")) {
        newest.next();
        java.nio.file.Files.writeString(dir.resolve("vmflock.acknowledged"), "ordering=" + newest.getLong(1) + "\n");
      }
    }

    try (ControllerFixture after = new ControllerFixture("unstarted", dir, Map.of())) {
      // the hypervisors as the kill left them: the application at a
      after.federation.site("a", new org.vmflock.model.Capacity(8, 32, 64 * ControllerFixture.GIB));
      after.federation.site("b", new org.vmflock.model.Capacity(8, 32, 64 * ControllerFixture.GIB));
      after.federation.boot(app, ControllerFixture.all(app, "a"));
      after.awaitAssert(() -> {
        StatusPage p = after.status();
        assertEquals(List.of(), p.inFlight(), "every migration ended");
        assertEquals(List.of("b", "b", "b", "b"), app.vmNames().stream().map(ControllerFixture.placement(p)::get).toList());
      });
      assertEquals(4, after.federation.placement().siteOfVm().values().stream().filter("b"::equals).count(), "the VMs run at b");
    }
  }
}
