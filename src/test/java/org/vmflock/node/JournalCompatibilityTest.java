package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.PacedActuator;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.NetworkPath;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;

/**
 * A journal written by release 0.1.0 (a fixture: see its README) still replays: the manager's
 * events of the old schema (whole site environments, decision kinds as text, -1 for no figure,
 * migration ids parsed for their order), its snapshots in the old form (skipped: its events are
 * replayed), the site actors' and the sagas' events. What the manager rebuilds agrees with what the
 * site actors rebuild independently, and the node goes on working, writing today's schema beside
 * the old one, which replays too.
 */
class JournalCompatibilityTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  /** When the 0.1.0 run ended (its scenario time), give or take its last period. */
  private static final Instant AROUND_THE_END = Instant.parse("2026-06-01T12:45:00Z");

  private static Path unpack(Path dir) throws IOException {
    Path journal = Files.createDirectories(dir.resolve("journal"));
    try (InputStream in = new GZIPInputStream(JournalCompatibilityTest.class.getResourceAsStream("/fixtures/journal-0.1.0/vmflock.mv.db.gz"))) {
      Files.copy(in, journal.resolve("vmflock.mv.db"));
    }
    return journal;
  }

  private record Node(VmflockNode node, ActorRef<MigrationManager.Command> manager) implements AutoCloseable {
    StatusPage status() {
      StatusQuery all = new StatusQuery(Optional.empty(), 0, StatusQuery.MAX_LIMIT, StatusQuery.MAX_RECENT);
      return VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(all, r), WAIT,
          node.system().scheduler()), "status", WAIT);
    }

    SiteActor.BooksPage books(String site) {
      return VmflockNode.await(AskPattern.ask(node.sites().apply(site), (ActorRef<SiteActor.BooksPage> r) -> new SiteActor.GetBooks(Optional.empty(), r),
          WAIT, node.system().scheduler()), "books of " + site, WAIT);
    }

    @Override
    public void close() {
      node.close();
    }
  }

  private static Node start(Path journal, ManualClock clock) {
    var config = TestConfigs.node(journal, Map.of("vmflock.manager.debounce", "1h"));
    VmflockNode n = VmflockNode.start("compat", config, clock);
    ManagerSettings settings = ManagerSettings.from(config);
    NetworkPath wan = new NetworkPath(Duration.ofMillis(5), 1e9 / 8);
    SimulatedFederation federation = new SimulatedFederation(clock, settings.planning().migration(), (a, b) -> wan, FaultPlan.none(), 1);
    ActorRef<MigrationManager.Command> manager = n.startController(settings, new PacedActuator(federation.actuator(), 1000), federation, 1000,
        Duration.ofHours(1));
    return new Node(n, manager);
  }

  @Test
  void aJournalOfRelease010ReplaysAndTheNodeGoesOn(@TempDir Path dir) throws Exception {
    Path journal = unpack(dir);
    ManualClock clock = new ManualClock(AROUND_THE_END);
    StatusPage replayed;
    try (Node n = start(journal, clock)) {
      replayed = n.status();
      // what the 0.1.0 run did: two applications placed, 30 decisions, 8 migrations, all completed
      assertEquals(List.of("cg", "mg"), replayed.applications().stream().map(StatusPage.AppLine::name).toList());
      replayed.applications().forEach(a -> assertEquals(AppStatus.RUNNING, a.status(), a.toString()));
      assertEquals(30, replayed.totals().decisions());
      assertEquals(8, replayed.ended().size());
      replayed.ended().forEach(m -> assertEquals("COMPLETED", m.status().name(), m.toString()));
      assertTrue(replayed.inFlight().isEmpty());
      assertEquals(List.of("place", "migrate"), replayed.decisions().stream().map(StatusPage.DecisionLine::kind).distinct()
          .filter(k -> !k.equals("stay")).toList(), "decision kinds read from their 0.1 text");
      assertTrue(replayed.decisions().stream().filter(d -> d.kind().equals("migrate")).allMatch(d -> d.outcome().equals("applied")
          && d.audit().orElseThrow().startsWith("4 migration(s)")), "every move audited again as its migrations ended");
      // the injected changes, as the old events recorded the sites
      Map<String, StatusPage.SiteLine> sites = new TreeMap<>();
      replayed.sites().forEach(s -> sites.put(s.name(), s));
      assertEquals(List.of("cloud", "lyon", "rennes"), List.copyOf(sites.keySet()));
      assertEquals(2.0, sites.get("rennes").cpuSpeed());
      assertEquals(12, sites.get("rennes").capacity().slots());
      assertEquals(Optional.of(Instant.parse("2026-06-01T23:00:00Z")), sites.get("cloud").availableUntil());
      assertEquals(0.40, sites.get("lyon").pricePerVmHour().get("*"), 1e-12);
      // the manager's knowledge (its journal) and the site actors' books (theirs) agree on where every VM runs
      Map<String, String> placement = new TreeMap<>();
      replayed.applications().forEach(a -> placement.putAll(a.placement()));
      assertEquals(8, placement.size());
      Map<String, String> booked = new TreeMap<>();
      for (String site : sites.keySet()) {
        n.books(site).placed().keySet().forEach(vm -> booked.put(vm, site));
      }
      assertEquals(placement, booked);
      // and it goes on: a cycle runs and is recorded in today's schema
      clock.advance(Duration.ofMinutes(10));
      MigrationManager.CycleReport report = VmflockNode.await(AskPattern.ask(n.manager(),
          (ActorRef<MigrationManager.CycleReport> r) -> new MigrationManager.RunCycle(java.util.Set.of("cg", "mg"), r), WAIT,
          n.node().system().scheduler()), "cycle", WAIT);
      assertEquals(java.util.Set.of("cg", "mg"), report.symptoms().keySet());
      assertEquals(replayed.cycles() + 1, n.status().cycles(), "the cycle count goes on from the journal's");
    }
    // old and new events together replay
    try (Node again = start(journal, clock)) {
      StatusPage after = again.status();
      assertEquals(32, after.totals().decisions(), "the two decisions of the cycle after the upgrade were kept");
      assertEquals(replayed.applications().stream().map(StatusPage.AppLine::placement).toList(),
          after.applications().stream().map(StatusPage.AppLine::placement).toList());
    }
  }
}
