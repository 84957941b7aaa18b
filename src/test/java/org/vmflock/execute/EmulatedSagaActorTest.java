package org.vmflock.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.Clock;
import org.vmflock.emulate.EmulatedActuator;
import org.vmflock.emulate.LabInvariants;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;

/**
 * The saga actor (the node's path) driving the emulated actuator on a real lab, in real time: a
 * migration of a VM dirtying memory completes, its pre-copy rounds reported as they go, the site
 * actors' books following; then a migration whose stop-and-copy breaks off with the VM frozen
 * rolls back, and the VM runs at its source again.
 */
class EmulatedSagaActorTest {

  private static final Duration DELAY = Duration.ofMillis(2);
  private static final long RATE = 1_000_000_000L;
  private static final long MEMORY = 16L << 20;
  private static final ActorTestKit testKit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  private static EmulatedFederation lab;
  private static Path dir;

  @BeforeAll
  static void build() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").link("a", "b", WanLinkSpec.of(DELAY, RATE)).build());
    dir = Files.createTempDirectory("vmflock-saga-actor-");
  }

  @AfterAll
  static void close() throws Exception {
    testKit.shutdownTestKit();
    if (lab != null) {
      lab.close();
    }
    if (dir != null) {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  @Test
  void theSagaActorMigratesARealVmAndRollsOneBack() throws Exception {
    EmulatedVm vm = lab.addVm("vm1", "a");
    Process workload = vm.memoryWorkload(MEMORY, 8L << 20, dir.resolve("counter")).start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (vm.residentBytes() < MEMORY) {
        assertTrue(System.nanoTime() < deadline && workload.isAlive(), "the workload's memory resident");
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      Clock clock = Clock.system();
      Map<String, RecipientRef<SiteActor.Command>> sites = Map.of("a", site("a", clock), "b", site("b", clock));
      TestProbe<SiteActor.Reply> replies = testKit.createTestProbe();
      Vm spec = new Vm("vm1", "small", 1, vm.residentBytes(), 8L << 20);
      sites.get("a").tell(new SiteActor.Place("vm1", Capacity.of(spec), Optional.empty(), replies.ref()));
      assertInstanceOf(SiteActor.Accepted.class, replies.receiveMessage());
      // the second migration's stop-and-copy breaks off once the VM is frozen
      EmulatedActuator.Faults faults = (order, step, attempt) ->
          order.migrationId().equals("back") && step == MigrationStep.STOP_AND_COPY ? EmulatedActuator.Fault.FAIL_MIDWAY : EmulatedActuator.Fault.NONE;
      EmulatedActuator actuator = new EmulatedActuator(lab, Map.of("a", 2, "b", 2), clock, EmulatedActuator.Settings.defaults(), faults);
      SagaActor.Dependencies deps = new SagaActor.Dependencies(actuator, clock, 1, sites::get, Duration.ofMinutes(10), Duration.ofSeconds(3));

      List<SagaActor.Report> there = migrate(deps, order("there", spec, "a", "b"));
      SagaActor.Finished done = (SagaActor.Finished) there.get(there.size() - 1);
      assertEquals(SagaPhase.COMPLETED, done.outcome(), done.reason());
      assertEquals("b", vm.site());
      assertTrue(there.stream().anyMatch(r -> r instanceof SagaActor.Progressed p && p.progress().step() == MigrationStep.PRECOPY),
          "pre-copy rounds reported: " + there);
      assertTrue(done.observed().bytesMoved() >= MEMORY, done.observed().toString());
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));

      List<SagaActor.Report> back = migrate(deps, order("back", spec, "b", "a"));
      SagaActor.Finished rolledBack = (SagaActor.Finished) back.get(back.size() - 1);
      assertEquals(SagaPhase.ROLLED_BACK, rolledBack.outcome(), rolledBack.reason());
      assertEquals("b", vm.site());
      assertTrue(vm.thawed() && workload.isAlive() && vm.pids().contains(workload.pid()), "the VM runs on at its source");
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    } finally {
      workload.destroyForcibly();
    }
  }

  private static ActorRef<SiteActor.Command> site(String name, Clock clock) {
    ActorRef<SiteActor.Command> site = testKit.spawn(SiteActor.create(name, clock, SiteActor.Settings.DEFAULTS));
    TestProbe<SiteActor.Reply> replies = testKit.createTestProbe();
    Site s = new Site(name, SagaFixtures.slots(2), 1.0, PriceSchedule.flat(0.1), 0, Map.of(), new NetworkPath(DELAY, RATE / 8.0), List.of());
    site.tell(new SiteActor.Change(new EnvironmentChange.Define(s, List.of(), Optional.empty()), replies.ref()));
    assertInstanceOf(SiteActor.Accepted.class, replies.receiveMessage());
    return site;
  }

  private static MigrationOrder order(String id, Vm spec, String from, String to) {
    return new MigrationOrder(id, "app", spec.name(), spec, from, to,
        new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()).estimate(spec, new NetworkPath(DELAY, RATE / 8.0)),
        Clock.system().now());
  }

  /** Every report of the saga until it finishes, the last one its end. */
  private static List<SagaActor.Report> migrate(SagaActor.Dependencies deps, MigrationOrder order) {
    ActorRef<SagaActor.Command> saga = testKit.spawn(SagaActor.create(order.migrationId(), deps));
    TestProbe<SagaActor.Report> reports = testKit.createTestProbe();
    long start = System.nanoTime();
    saga.tell(new SagaActor.Start(order, SagaPolicy.defaults(), reports.ref()));
    List<SagaActor.Report> all = new ArrayList<>(reports.fishForMessage(Duration.ofSeconds(60),
        m -> m instanceof SagaActor.Finished ? FishingOutcomes.complete() : FishingOutcomes.continueAndCollect()));
    System.out.printf("migration %s: %.1f s, %s%n", order, (System.nanoTime() - start) / 1e9, all.get(all.size() - 1));
    return all;
  }
}
