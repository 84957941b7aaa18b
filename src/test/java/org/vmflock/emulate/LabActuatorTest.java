package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.emulate.qemu.QemuActuator;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.StepResult;
import org.vmflock.model.Vm;
import org.vmflock.plan.MigrationEstimate;

/**
 * The lab's actuator facade: a QEMU guest's steps go to the QEMU actuator, a namespace VM's to the
 * emulated one, and a reservation counts the site's VMs of both kinds (no guest booted: the
 * routing and the slots are what is checked).
 */
class LabActuatorTest {

  @TempDir Path run;
  private EmulatedFederation lab;
  private LabActuator actuator;

  @BeforeEach
  void lab() {
    lab = TestLabs.create(FederationSpec.builder().site("a").site("b").linkAll(WanLinkSpec.of(Duration.ofMillis(1), 100_000_000L)).build());
    Map<String, Integer> slots = Map.of("a", 2, "b", 1);
    actuator = new LabActuator(new EmulatedActuator(lab, slots, new ManualClock(Instant.EPOCH)),
        new QemuActuator(lab, run, slots, QemuActuator.Settings.defaults(64L << 20), QemuActuator.Faults.NONE), Set.of("g"), slots);
    lab.addVm("v1", "b");
  }

  @AfterEach
  void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aReservationCountsTheNamespaceVmsOfTheSiteForAGuest() {
    StepResult r = reserve("m1", "g", "a", "b");
    StepResult.Failed f = assertInstanceOf(StepResult.Failed.class, r);
    assertTrue(f.definite() && f.reason().contains("no room at 'b': 1 of 1 VM slots taken"), f.reason());
  }

  @Test
  void aGuestsStepsGoToTheQemuActuatorAndANamespaceVmsToTheEmulatedOne() {
    StepResult.Failed guest = assertInstanceOf(StepResult.Failed.class, reserve("m2", "g", "b", "a"));
    assertTrue(guest.reason().contains("no QEMU VM 'g'"), "the QEMU actuator answered: " + guest.reason());
    assertInstanceOf(StepResult.Done.class, reserve("m3", "v1", "b", "a"), "the emulated actuator holds v1");
    assertEquals(1, actuator.namespaces().reservations().size());
    assertInstanceOf(StepResult.Done.class,
        actuator.compensate(order("m3", "v1", "b", "a"), MigrationStep.RELEASE_RESERVATION, 1).toCompletableFuture().join());
    assertEquals(List.of(), LabInvariants.violations(lab, actuator));
  }

  private StepResult reserve(String id, String vm, String from, String to) {
    return actuator.perform(order(id, vm, from, to), MigrationStep.RESERVE, 1, Actuator.NO_PROGRESS).toCompletableFuture().join();
  }

  private static MigrationOrder order(String id, String vm, String from, String to) {
    return new MigrationOrder(id, "app", vm, new Vm(vm, "small", 1, 128L << 20, 0), from, to, MigrationEstimate.NONE, Instant.EPOCH);
  }
}
