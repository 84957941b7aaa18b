package org.vmflock.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.knowledge.DecisionKind;

/** The control loop as plain Java: what the knowledge learnt from past migrations changes what it predicts for the next ones. */
class ControlLoopTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final long GIB = 1L << 30;
  private static final NetworkPath WAN = new NetworkPath(Duration.ofMillis(5), 1e9 / 8);

  private static SiteEnvironment site(String name, double price) {
    Site s = new Site(name, new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(price), 0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    return SiteEnvironment.undefined(name).apply(new EnvironmentChange.Define(s, List.of(), Optional.empty()));
  }

  private static Application app(String name, int vms) {
    List<Vm> specs = java.util.stream.IntStream.rangeClosed(1, vms).mapToObj(i -> new Vm(name + "-vm" + i, "small", 1, 2 * GIB, 20e6)).toList();
    List<String> names = specs.stream().map(Vm::name).toList();
    return new Application(name, specs, new Workload(100 * 3600.0, 0, 10, TrafficMatrix.zero(names)), Objective.COST, Optional.empty(),
        Optional.empty(), 0);
  }

  /** Sites a (cheap) and b; application "job" on a, whose price then rises; {@code pastRatio}: an earlier migration took that many times its prediction. */
  private static Knowledge situation(Optional<Double> pastRatio) {
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("a", 0.05), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("b", 0.10), NOW));
    Application job = app("job", 4);
    k = k.apply(new KnowledgeEvent.ApplicationSubmitted(job, NOW))
        .apply(new KnowledgeEvent.ApplicationPlaced("job", Map.of("job-vm1", "a", "job-vm2", "a", "job-vm3", "a", "job-vm4", "a"), NOW));
    if (pastRatio.isPresent()) {
      Application old = app("old", 1);
      k = k.apply(new KnowledgeEvent.ApplicationSubmitted(old, NOW)).apply(new KnowledgeEvent.ApplicationPlaced("old", Map.of("old-vm1", "b"), NOW));
      MigrationOrder o = new MigrationOrder("d1-1-old-vm1", "old", "old-vm1", old.vms().get(0), "b", "a", new MigrationEstimate(3, 20, 0.1, 2.2e9, true), NOW);
      k = k.apply(new KnowledgeEvent.DecisionMade(new DecisionRecord(1, NOW, "old", DecisionKind.MIGRATE, "old moves", Optional.of(1.0),
          Optional.of(1.0), Optional.of(1.0), Optional.of(1.0), 0, List.of(o.migrationId()), DecisionRecord.Outcome.PENDING, Optional.empty(),
          Optional.empty()), List.of(MigrationRecord.queued(o, 1, 1))));
      CalibratedEstimator.Calibration c = CalibratedEstimator.next(CalibratedEstimator.Calibration.NONE, "migrations", 20, 20 * pastRatio.get(), 0.3);
      k = k.apply(new KnowledgeEvent.MigrationEnded(o.migrationId(), MigrationRecord.Status.COMPLETED,
          new ObservedMigration(20 * pastRatio.get(), 0.1, 2.2e9, 3), "", c, NOW.plusSeconds(40)));
    }
    // a's price triples: the job should go to b
    return k.apply(new KnowledgeEvent.EnvironmentSeen(k.sites().get("a").apply(new EnvironmentChange.Price("*", NOW.plusSeconds(60), 0.30)),
        NOW.plusSeconds(60)));
  }

  private static List<MigrationRecord> plannedMigrations(Knowledge k) {
    ControlLoop loop = new ControlLoop(PlannerConfig.from(ConfigFactory.defaultReference()), Optional.empty(),
        new ControlLoop.Settings(0, 1e9 / 8, Optional.of(WAN)));
    ControlLoop.Cycle cycle = loop.run(k, Optional.empty(), NOW.plus(Duration.ofHours(1)), 1, Set.of("job"));
    return cycle.events().stream().filter(e -> e instanceof KnowledgeEvent.DecisionMade).map(e -> (KnowledgeEvent.DecisionMade) e)
        .filter(d -> d.decision().application().equals("job")).flatMap(d -> d.migrations().stream()).toList();
  }

  @Test
  void aSpikeOfAVolatileSpotPriceIsNotChased() {
    // a's spot price moved between 0.04 and 0.06 every two hours for a day and has just spiked to
    // 0.21; b costs 0.10 for good. Taking the spike as lasting, "job" (100 h left) would move to b;
    // expecting it back at a's mean, it stays
    Map<Instant, Double> points = new java.util.TreeMap<>();
    for (int h = 24; h >= 2; h -= 2) {
      points.put(NOW.minus(Duration.ofHours(h)), h % 4 == 0 ? 0.04 : 0.06);
    }
    points.put(NOW.minusSeconds(300), 0.21);
    Site spot = new Site("a", new Capacity(8, 32, 64 * GIB), 1.0, new PriceSchedule(Map.of("*", points)), 0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(SiteEnvironment.undefined("a").apply(new EnvironmentChange.Define(spot, List.of(), Optional.empty())),
            NOW.minus(Duration.ofHours(24))))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("b", 0.10), NOW.minus(Duration.ofHours(24))));
    Application job = app("job", 2);
    k = k.apply(new KnowledgeEvent.ApplicationSubmitted(job, NOW.minus(Duration.ofHours(24))))
        .apply(new KnowledgeEvent.ApplicationPlaced("job", Map.of("job-vm1", "a", "job-vm2", "a"), NOW.minus(Duration.ofHours(24))));
    com.typesafe.config.Config reference = ConfigFactory.defaultReference();
    com.typesafe.config.Config last = ConfigFactory.parseString("vmflock.planner.price-forecast.kind = last").withFallback(reference);
    for (boolean forecast : new boolean[] {true, false}) {
      ControlLoop loop = new ControlLoop(PlannerConfig.from(forecast ? reference : last), Optional.empty(),
          new ControlLoop.Settings(0, 1e9 / 8, Optional.of(WAN)));
      ControlLoop.Cycle cycle = loop.run(k, Optional.empty(), NOW, 1, Set.of("job"));
      KnowledgeEvent.DecisionMade d = cycle.events().stream().filter(e -> e instanceof KnowledgeEvent.DecisionMade)
          .map(e -> (KnowledgeEvent.DecisionMade) e).findFirst().orElseThrow();
      assertEquals(forecast ? List.of() : List.of("a->b", "a->b"), d.migrations().stream().map(m -> m.order().from() + "->" + m.order().to()).toList(),
          (forecast ? "mean-reverting: " : "last price: ") + d.decision().reason());
    }
  }

  @Test
  void anAnnouncedArrivalHoldsItsRoom() {
    // a (cheap, 8 slots) is empty; "job" runs on dear b and would move to a. "big" (8 VMs) is
    // announced for in an hour: the planner would place it on a, so it holds a's room and job stays
    ControlLoop loop = new ControlLoop(PlannerConfig.from(ConfigFactory.defaultReference()), Optional.empty(),
        new ControlLoop.Settings(0, 1e9 / 8, Optional.of(WAN)));
    ManagerSettings settings = ManagerSettings.from(ConfigFactory.defaultReference());
    ManagerCore core = new ManagerCore(settings, settings.newPolicy());
    for (boolean announced : new boolean[] {false, true}) {
      Knowledge k = Knowledge.empty()
          .apply(new KnowledgeEvent.EnvironmentSeen(site("a", 0.05), NOW))
          .apply(new KnowledgeEvent.EnvironmentSeen(site("b", 0.50), NOW));
      Application job = app("job", 2);
      k = k.apply(new KnowledgeEvent.ApplicationSubmitted(job, NOW))
          .apply(new KnowledgeEvent.ApplicationPlaced("job", Map.of("job-vm1", "b", "job-vm2", "b"), NOW));
      if (announced) {
        ManagerCore.Outcome o = core.announce(k, app("big", 8), NOW.plus(Duration.ofHours(1)), NOW);
        assertTrue(o.refusal().isEmpty(), o.refusal().toString());
        k = k.applyAll(o.events());
        assertEquals(org.vmflock.knowledge.AppStatus.ANNOUNCED, k.applications().get("big").status());
        assertEquals(0, k.usedBySite().get("a").slots(), "an announced application takes no room yet");
      }
      ControlLoop.Cycle cycle = loop.run(k, Optional.empty(), NOW.plusSeconds(60), 1, Set.of("job"));
      assertTrue(!cycle.symptoms().containsKey("big"), "an announced application is not planned: " + cycle.symptoms());
      List<String> moved = cycle.events().stream().filter(e -> e instanceof KnowledgeEvent.DecisionMade).map(e -> (KnowledgeEvent.DecisionMade) e)
          .flatMap(d -> d.migrations().stream()).map(m -> m.order().vm() + "->" + m.order().to()).sorted().toList();
      assertEquals(announced ? List.of() : List.of("job-vm1->a", "job-vm2->a"), moved, announced ? "big's room held" : "a is free");
    }
  }

  @Test
  void anAnnouncedApplicationIsSubmittedOnceAndNotTwice() {
    ManagerSettings settings = ManagerSettings.from(ConfigFactory.defaultReference());
    ManagerCore core = new ManagerCore(settings, settings.newPolicy());
    Knowledge k = Knowledge.empty().apply(new KnowledgeEvent.EnvironmentSeen(site("a", 0.05), NOW));
    Application big = app("big", 2);
    assertTrue(core.announce(k, big, NOW.minusSeconds(1), NOW).refused(), "an arrival in the past is not announced");
    k = k.applyAll(core.announce(k, big, NOW.plusSeconds(600), NOW).events());
    ManagerCore.Outcome submitted = core.submit(k, big, Map.of(), NOW.plusSeconds(600));
    assertTrue(submitted.refusal().isEmpty(), submitted.refusal().toString());
    k = k.applyAll(submitted.events());
    assertEquals(org.vmflock.knowledge.AppStatus.SUBMITTED, k.applications().get("big").status());
    assertTrue(core.submit(k, big, Map.of(), NOW.plusSeconds(601)).refused(), "submitted already");
  }

  /**
   * Cheap a (8 slots) holds "filler" ({@code fillerVms} VMs); "job" (2 VMs) runs on dear b. The
   * first cycle sees nothing to do; then filler finishes: the loop for the next cycle, and the
   * knowledge after the finish.
   */
  private record Freed(ControlLoop loop, Knowledge after) {}

  private static Freed fillerFinishes(int fillerVms) {
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("a", 0.05), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("b", 0.50), NOW));
    Application filler = app("filler", fillerVms);
    Map<String, String> onA = new java.util.TreeMap<>();
    filler.vmNames().forEach(vm -> onA.put(vm, "a"));
    k = k.apply(new KnowledgeEvent.ApplicationSubmitted(filler, NOW)).apply(new KnowledgeEvent.ApplicationPlaced("filler", onA, NOW))
        .apply(new KnowledgeEvent.ApplicationSubmitted(app("job", 2), NOW))
        .apply(new KnowledgeEvent.ApplicationPlaced("job", Map.of("job-vm1", "b", "job-vm2", "b"), NOW));
    ControlLoop loop = new ControlLoop(PlannerConfig.from(ConfigFactory.defaultReference()), Optional.empty(),
        new ControlLoop.Settings(0, 1e9 / 8, Optional.of(WAN)));
    ControlLoop.Cycle full = loop.run(k, Optional.empty(), NOW.plusSeconds(30), 1, Set.of());
    assertTrue(full.symptoms().isEmpty(), "nothing changed: " + full.symptoms());
    return new Freed(loop, k.apply(new KnowledgeEvent.ApplicationFinished("filler", NOW.plusSeconds(60))));
  }

  @Test
  void roomFreedByAFinishedApplicationIsASymptomForTheOthers() {
    // a is full: when filler finishes, the next cycle (no request, no periodic re-plan) plans job, which moves to a
    Freed f = fillerFinishes(8);
    ControlLoop.Cycle freed = f.loop().run(f.after(), Optional.empty(), NOW.plusSeconds(90), 2, Set.of());
    assertEquals(List.of("site a became more attractive"), freed.symptoms().get("job"), freed.symptoms().toString());
    List<String> moved = freed.events().stream().filter(e -> e instanceof KnowledgeEvent.DecisionMade).map(e -> (KnowledgeEvent.DecisionMade) e)
        .flatMap(d -> d.migrations().stream()).map(m -> m.order().vm() + " " + m.order().from() + "->" + m.order().to()).sorted().toList();
    assertEquals(List.of("job-vm1 b->a", "job-vm2 b->a"), moved);
  }

  @Test
  void roomFreedWhereTheOthersAlreadyFittedIsNoSymptom() {
    // a still had room for job's 2 VMs beside filler's 6: the finish changes none of job's options,
    // and no cycle re-plans it for that (bench simulate re-planned every application at every finish)
    Freed f = fillerFinishes(6);
    ControlLoop.Cycle after = f.loop().run(f.after(), Optional.empty(), NOW.plusSeconds(90), 2, Set.of());
    assertTrue(after.symptoms().isEmpty(), "a had room for job before: " + after.symptoms());
  }

  @Test
  void migrationsThatTookLongerThanPredictedMakeTheNextPredictionsLonger() {
    List<MigrationRecord> plain = plannedMigrations(situation(Optional.empty()));
    List<MigrationRecord> calibrated = plannedMigrations(situation(Optional.of(2.0)));
    assertEquals(4, plain.size(), "the job moves to b");
    assertEquals(4, calibrated.size(), "the job moves to b, slower migrations or not");
    double before = plain.get(0).order().predicted().totalSeconds();
    double after = calibrated.get(0).order().predicted().totalSeconds();
    // half the bandwidth: at least twice as long (the dirty pages of each round grow with its length)
    assertTrue(after >= 2 * before * 0.999, "predicted " + before + " s, then " + after + " s");
    assertTrue(after < 3 * before, "predicted " + before + " s, then " + after + " s");
  }

  @Test
  void migrationsAsFastAsPredictedChangeNothing() {
    List<MigrationRecord> plain = plannedMigrations(situation(Optional.empty()));
    List<MigrationRecord> same = plannedMigrations(situation(Optional.of(1.0)));
    assertEquals(plain.get(0).order().predicted(), same.get(0).order().predicted());
  }

  @Test
  void migrationsTwiceAsLongAsTheModelSaysCalibrateItToTwiceWhateverItPredictedMeanwhile() {
    // each migration really takes twice what the configured model predicts; the orders are
    // predicted by the model as calibrated when they are planned (as the planner does)
    ManagerSettings settings = ManagerSettings.from(ConfigFactory.defaultReference());
    ManagerCore core = new ManagerCore(settings, settings.newPolicy());
    PlannerConfig planning = PlannerConfig.from(ConfigFactory.defaultReference());
    Knowledge k = Knowledge.empty()
        .apply(new KnowledgeEvent.EnvironmentSeen(site("a", 0.05), NOW))
        .apply(new KnowledgeEvent.EnvironmentSeen(site("b", 0.10), NOW));
    Application job = app("job", 1);
    Vm vm = job.vms().get(0);
    k = k.apply(new KnowledgeEvent.ApplicationSubmitted(job, NOW)).apply(new KnowledgeEvent.ApplicationPlaced("job", Map.of("job-vm1", "a"), NOW));
    NetworkPath path = k.infrastructure(settings.loop().defaultLink()).path("a", "b");
    double raw = planning.migration().estimate(vm, path).totalSeconds();
    List<Double> factors = new java.util.ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      String from = i % 2 == 1 ? "a" : "b";
      String to = i % 2 == 1 ? "b" : "a";
      Instant at = NOW.plusSeconds(600L * i);
      MigrationEstimate predicted = planning.withMigrations(k.migrationCalibration()).migration().estimate(vm, path);
      MigrationOrder o = new MigrationOrder("d" + i + "-1-job-vm1", "job", "job-vm1", vm, from, to, predicted, at);
      k = k.apply(new KnowledgeEvent.DecisionMade(new DecisionRecord(i, at, "job", DecisionKind.MIGRATE, "job moves", Optional.of(1.0),
          Optional.of(1.0), Optional.of(1.0), Optional.of(1.0), 0, List.of(o.migrationId()), DecisionRecord.Outcome.PENDING, Optional.empty(),
          Optional.empty()), List.of(MigrationRecord.queued(o, i, 1))));
      k = k.apply(new KnowledgeEvent.MigrationStarted(o.migrationId(), at));
      ManagerCore.Outcome ended = core.migrationEnded(k, o.migrationId(), org.vmflock.execute.SagaPhase.COMPLETED,
          new ObservedMigration(2 * raw, 0.1, vm.memoryBytes(), 3), "", at.plusSeconds(60));
      for (KnowledgeEvent e : ended.events()) {
        k = k.apply(e);
      }
      // a resumed saga tells its end again (the manager's write of the first failed, or a failover): nothing more is learnt
      assertEquals(ManagerCore.Outcome.NOTHING, core.migrationEnded(k, o.migrationId(), org.vmflock.execute.SagaPhase.COMPLETED,
          new ObservedMigration(2 * raw, 0.1, vm.memoryBytes(), 3), "", at.plusSeconds(61)), "a second end of " + o.migrationId());
      factors.add(k.migrationCalibration().factor());
    }
    for (double f : factors) {
      assertEquals(2.0, f, 0.02, "observed over predicted by the configured model, after each migration: " + factors);
    }
  }
}
