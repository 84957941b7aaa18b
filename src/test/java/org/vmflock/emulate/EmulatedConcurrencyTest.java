package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * Four sagas on four threads migrate four VMs at once to a site with two free slots, through one
 * emulated actuator (as a node's sagas share it): exactly two complete, two are refused at their
 * reservation and roll back, and the lab is left as it should be.
 */
class EmulatedConcurrencyTest {

  private static final int VMS = 4;
  private static final int SLOTS_AT_B = 2;
  private static EmulatedFederation lab;

  @BeforeAll
  static void build() {
    lab = TestLabs.create(FederationSpec.builder().site("a").site("b")
        .link("a", "b", WanLinkSpec.of(Duration.ofMillis(2), 1_000_000_000L)).build());
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void concurrentSagasShareTheSlotsOfTheirDestination() throws Exception {
    List<Process> workloads = new ArrayList<>();
    try {
      for (int i = 0; i < VMS; i++) {
        EmulatedVm vm = lab.addVm("vm" + i, "a");
        workloads.add(vm.processBuilder(List.of("sleep", "600")).start());
      }
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
      EmulatedActuator actuator = new EmulatedActuator(lab, Map.of("a", VMS, "b", SLOTS_AT_B), new ManualClock(t0));
      QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated());
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<SagaRunner.SagaRun>> runs = new ArrayList<>();
      for (int i = 0; i < VMS; i++) {
        Vm spec = new Vm("vm" + i, "small", 1, 1 << 20, 0);
        MigrationOrder order = new MigrationOrder("c" + i, "app", spec.name(), spec, "a", "b",
            model.estimate(spec, new NetworkPath(Duration.ofMillis(2), 125e6)), t0);
        runs.add(CompletableFuture.supplyAsync(() -> {
          await(start);
          return new SagaRunner(actuator, new ManualClock(t0)).run(order); // each saga its own driver, as each saga actor
        }, runnable -> new Thread(runnable, "saga-" + order.migrationId()).start()));
      }
      start.countDown();
      long completed = 0;
      for (CompletableFuture<SagaRunner.SagaRun> run : runs) {
        SagaRunner.SagaRun r = run.get();
        SagaPhase phase = r.state().phase();
        if (phase == SagaPhase.COMPLETED) {
          completed++;
        } else {
          assertEquals(SagaPhase.ROLLED_BACK, phase, r.events().toString());
          assertEquals("a", lab.vm(r.order().vm()).site());
        }
      }
      assertEquals(SLOTS_AT_B, completed, "as many migrations complete as the destination has slots");
      assertEquals(SLOTS_AT_B, lab.vms().stream().filter(v -> v.site().equals("b")).count());
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    } finally {
      workloads.forEach(Process::destroyForcibly);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
