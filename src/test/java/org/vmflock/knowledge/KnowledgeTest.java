package org.vmflock.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.testing.Decisions;

/** The knowledge as its events fold: the infrastructure the planner sees, what applications spend, the audits. */
class KnowledgeTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final long GIB = 1L << 30;

  private static SiteEnvironment site(String name, Optional<Integer> quota) {
    return site(name, quota, 0.1, 0);
  }

  private static SiteEnvironment site(String name, Optional<Integer> quota, double pricePerVmHour, double transferPerGb) {
    Site s = new Site(name, new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(pricePerVmHour), transferPerGb, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    return SiteEnvironment.undefined(name).apply(new EnvironmentChange.Define(s, List.of(), quota));
  }

  private static final List<String> VMS = List.of("a1", "a2");

  /** Two VMs; a1 sends 1 GB per work second to a2. */
  private static Application app(double work, double spent) {
    double[][] bytes = {{0, 1e9}, {0, 0}};
    return new Application("app", VMS.stream().map(v -> new Vm(v, "small", 1, 2 * GIB, 1e6)).toList(),
        new Workload(work, 0, 10, new TrafficMatrix(VMS, new double[2][2], bytes)), Objective.COST, Optional.empty(), Optional.empty(), spent);
  }

  private static Knowledge twoSitesAndTheApp() {
    return Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("cheap", Optional.empty(), 1.0, 0.05), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("dear", Optional.empty(), 3.0, 0.02), NOW))
        .apply(new KnowledgeEvent.ApplicationSubmitted(app(36_000, 5), NOW))
        .apply(new KnowledgeEvent.ApplicationPlaced("app", Map.of("a1", "cheap", "a2", "dear"), NOW));
  }

  private static double spent(Knowledge k) {
    return k.applications().get("app").app().spent();
  }

  @Test
  void spendingFollowsHostingAtEachSitesPriceAndTrafficBetweenSites() {
    Knowledge k = twoSitesAndTheApp();
    assertEquals(5, spent(k), 1e-9, "what it had spent before");
    // an hour, 100 work seconds: hosting 1.0 + 3.0; a1 (cheap) sent 100 GB to a2 (dear) at 0.05 per GB
    k = k.apply(new KnowledgeEvent.ProgressObserved("app", 100, 36, CalibratedEstimator.Calibration.NONE, NOW.plus(Duration.ofHours(1))));
    assertEquals(5 + 4.0 + 5.0, spent(k), 1e-9);
    // the dear site's price doubles half an hour on: the next hour costs 1.0 + 0.5 * 3 + 0.5 * 6
    SiteEnvironment dear = k.sites().get("dear");
    k = k.apply(new KnowledgeEvent.EnvironmentSeen(dear.apply(new EnvironmentChange.Price("*", NOW.plus(Duration.ofMinutes(90)), 6.0)),
        NOW.plus(Duration.ofMinutes(90))));
    k = k.apply(new KnowledgeEvent.ProgressObserved("app", 100, 36, CalibratedEstimator.Calibration.NONE, NOW.plus(Duration.ofHours(2))));
    assertEquals(14 + 1.0 + 1.5 + 3.0, spent(k), 1e-9, "no work done, no transfer");
    // the budget check sees it: the planner's application carries what was spent
    assertEquals(spent(k), k.applications().get("app").app().spent());
  }

  @Test
  void aMigrationIsChargedItsBytesAndTheDestinationsHostingWhileItCopiesAndFeedsTheMigrationModel() {
    Knowledge k = twoSitesAndTheApp();
    Vm a2 = k.applications().get("app").app().vms().get(1);
    MigrationOrder order = new MigrationOrder("d1-1-a2", "app", "a2", a2, "dear", "cheap", new MigrationEstimate(3, 60, 0.2, 4e9, true), NOW);
    DecisionRecord decision = Decisions.of(1, NOW, "app", DecisionKind.MIGRATE, "app: move [a2] dear -> cheap", 1000, 10, 1000, 20, 5,
        List.of(order.migrationId()));
    k = k.apply(new KnowledgeEvent.DecisionMade(decision, List.of(MigrationRecord.queued(order, 1, 1))));
    k = k.apply(new KnowledgeEvent.MigrationStarted(order.migrationId(), NOW));
    Instant end = NOW.plus(Duration.ofMinutes(2));
    CalibratedEstimator.Calibration slower = CalibratedEstimator.next(CalibratedEstimator.Calibration.NONE, "migrations", 60, 120, 0.3);
    k = k.apply(new KnowledgeEvent.MigrationEnded(order.migrationId(), MigrationRecord.Status.COMPLETED,
        new ObservedMigration(120, 0.3, 6e9, 4), "", slower, end));
    // two minutes of hosting for both VMs where they were (1.0 + 3.0 per hour), then the migration:
    // 6 GB at dear's 0.02 per GB, and two minutes of a VM at cheap (1.0 per hour)
    assertEquals(5 + 4.0 / 30 + 6 * 0.02 + 1.0 / 30, spent(k), 1e-9);
    assertEquals("cheap", k.placement().get("a2"));
    assertEquals(2.0, k.migrationCalibration().factor(), 1e-9, "migrations take twice as long as predicted");
    assertEquals(DecisionRecord.Outcome.APPLIED, k.decision(1).orElseThrow().outcome());
    // an hour later both VMs are at cheap: 2.0 per hour, and no more transfer between sites
    k = k.apply(new KnowledgeEvent.ProgressObserved("app", 100, 36, CalibratedEstimator.Calibration.NONE, end.plus(Duration.ofHours(1))));
    assertEquals(5 + 4.0 / 30 + 0.12 + 1.0 / 30 + 2.0, spent(k), 1e-9);
  }

  @Test
  void whenTheApplicationFinishesItsLastMoveLearnsHowItsPredictionTurnedOut() {
    Knowledge k = twoSitesAndTheApp();
    DecisionRecord stay = Decisions.of(1, NOW, "app", DecisionKind.STAY, "app stays", 7200, 8, 7200, 8, 5, List.of());
    k = k.apply(new KnowledgeEvent.DecisionMade(stay, List.of()));
    k = k.apply(new KnowledgeEvent.ProgressObserved("app", 18_000, 0.2, CalibratedEstimator.Calibration.NONE, NOW.plus(Duration.ofHours(1))));
    DecisionRecord later = Decisions.of(2, NOW.plus(Duration.ofHours(1)), "app", DecisionKind.STAY, "app stays", 3600, 4, 3600, 4, spent(k),
        List.of());
    k = k.apply(new KnowledgeEvent.DecisionMade(later, List.of()));
    k = k.apply(new KnowledgeEvent.ApplicationFinished("app", NOW.plus(Duration.ofHours(2))));
    // no move: the first decision is the one the run is measured against
    String result = k.decision(1).orElseThrow().result().orElseThrow().describe();
    assertTrue(result.contains("7200 s after the decision, 7200 s predicted (+0.0 %)"), result);
    // two hours of hosting (8.0) and 36,000 GB sent at 0.05: far more than predicted
    double cost = 8.0 + 36_000 * 0.05;
    assertEquals(5 + cost, spent(k), 1e-6);
    assertTrue(result.contains(String.format(java.util.Locale.ROOT, "cost %.2f, 8.00 predicted", cost)), result);
    assertTrue(k.decision(2).orElseThrow().result().isEmpty());
    assertEquals(0, k.placement().size(), "a finished application's VMs are gone");
  }

  @Test
  void aSitesQuotaCapsTheSlotsThePlannerSees() {
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("open", Optional.empty()), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("capped", Optional.of(3)), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("closed", Optional.of(0)), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("loose", Optional.of(100)), NOW));
    Infrastructure infra = k.infrastructure(Optional.of(new NetworkPath(Duration.ofMillis(10), 1e9 / 8)));
    assertEquals(8, infra.site("open").orElseThrow().capacity().slots());
    assertEquals(3, infra.site("capped").orElseThrow().capacity().slots());
    assertEquals(0, infra.site("closed").orElseThrow().capacity().slots());
    assertEquals(8, infra.site("loose").orElseThrow().capacity().slots(), "a quota above the capacity changes nothing");
    assertEquals(32, infra.site("capped").orElseThrow().capacity().cores(), "cores and memory stay the site's");
  }

  @Test
  void migrationsStillQueuedWhenTheApplicationFinishesAreCancelled() {
    Knowledge k = twoSitesAndTheApp();
    Vm a2 = k.applications().get("app").app().vms().get(1);
    MigrationOrder order = new MigrationOrder("d1-1-a2", "app", "a2", a2, "dear", "cheap", new MigrationEstimate(3, 60, 0.2, 4e9, true), NOW);
    k = k.apply(new KnowledgeEvent.DecisionMade(Decisions.of(1, NOW, "app", DecisionKind.MIGRATE, "move", 1, 1, 1, 1, 5,
        List.of(order.migrationId())), List.of(MigrationRecord.queued(order, 1, 1))));
    k = k.apply(new KnowledgeEvent.ApplicationFinished("app", NOW.plus(Duration.ofHours(1))));
    assertTrue(k.migrations().isEmpty(), "nothing left to start");
    assertEquals(MigrationRecord.Status.CANCELLED, k.history().get(0).status());
    assertEquals(DecisionRecord.Outcome.ROLLED_BACK, k.decision(1).orElseThrow().outcome());
  }

  @Test
  void aMigrationEndingAfterItsApplicationFinishedDoesNotBringItsVmBack() {
    Knowledge k = twoSitesAndTheApp();
    Vm a2 = k.applications().get("app").app().vms().get(1);
    MigrationOrder order = new MigrationOrder("d1-1-a2", "app", "a2", a2, "dear", "cheap", new MigrationEstimate(3, 60, 0.2, 4e9, true), NOW);
    k = k.apply(new KnowledgeEvent.DecisionMade(Decisions.of(1, NOW, "app", DecisionKind.MIGRATE, "move", 1, 1, 1, 1, 5,
        List.of(order.migrationId())), List.of(MigrationRecord.queued(order, 1, 1))));
    k = k.apply(new KnowledgeEvent.MigrationStarted(order.migrationId(), NOW));
    Capacity one = new Capacity(1, 1, 2 * GIB);
    assertEquals(one.plus(one), k.usedBySite().get("cheap"), "a1, and the room the running migration of a2 holds there");
    assertEquals(one, k.usedBySite().get("dear"), "a2, until its migration ends");
    k = k.apply(new KnowledgeEvent.ApplicationFinished("app", NOW.plusSeconds(30)));
    k = k.apply(new KnowledgeEvent.MigrationEnded(order.migrationId(), MigrationRecord.Status.COMPLETED, new ObservedMigration(60, 0.2, 4e9, 3),
        "", CalibratedEstimator.Calibration.NONE, NOW.plusSeconds(60)));
    assertTrue(k.placement().isEmpty(), "no VM of a finished application: " + k.placement());
    assertEquals(Capacity.ZERO, k.usedBySite().get("cheap"));
    assertEquals(Capacity.ZERO, k.usedBySite().get("dear"));
  }

  @Test
  void foldingABatchGivesWhatFoldingEachEventGives() {
    List<KnowledgeEvent> events = List.of(
        new KnowledgeEvent.EnvironmentSeen(site("cheap", Optional.empty(), 1.0, 0.05), NOW),
        new KnowledgeEvent.EnvironmentSeen(site("dear", Optional.empty(), 3.0, 0.02), NOW),
        new KnowledgeEvent.ApplicationSubmitted(app(36_000, 5), NOW),
        new KnowledgeEvent.ApplicationPlaced("app", Map.of("a1", "cheap", "a2", "dear"), NOW),
        new KnowledgeEvent.ProgressObserved("app", 100, 36, CalibratedEstimator.Calibration.NONE, NOW.plus(Duration.ofHours(1))));
    Knowledge one = Knowledge.empty();
    for (KnowledgeEvent e : events) {
      one = one.apply(e);
    }
    assertEquals(one, Knowledge.empty().applyAll(events));
  }
}
