package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.StepResult;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * Every step and compensation of the emulated actuator asked a second time (a result lost in a
 * crash) answers done, already done, and changes nothing: the VM's site and freezer state, the
 * slots and reservations, what the actuator holds, and the link carries no more memory. A
 * compensation of something that never happened is done too.
 */
class EmulatedIdempotencyTest {

  private static final long MEMORY = 8L << 20;
  private static final long RATE = 1_000_000_000L;
  private static final Duration DELAY = Duration.ofMillis(2);
  /** What a second attempt may put on the link: an ARP exchange of the sites' hosts, not memory. */
  private static final long STRAY_BYTES = 1_000;

  private static EmulatedFederation lab;
  private static EmulatedActuator actuator;
  private static final ManualClock CLOCK = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

  @TempDir
  static Path dir;

  /** What a step may change. */
  private record Snapshot(String site, boolean frozen, List<EmulatedActuator.Reservation> reservations, List<String> held, int slotsAtA,
      int slotsAtB, long linkBytes) {}

  @BeforeAll
  static void build() {
    lab = TestLabs.create(FederationSpec.builder().site("a").site("b").link("a", "b", WanLinkSpec.of(DELAY, RATE)).build());
    actuator = new EmulatedActuator(lab, Map.of("a", 2, "b", 2), CLOCK);
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void eachStepAndCompensationAskedTwiceIsAlreadyDoneAndChangesNothing() throws Exception {
    EmulatedVm vm = lab.addVm("vm1", "a");
    Process workload = vm.memoryWorkload(MEMORY, 1L << 20, dir.resolve("counter")).start();
    try {
      Polling.until(Duration.ofSeconds(20), "the workload resident", () -> vm.residentBytes() >= MEMORY);

      MigrationOrder there = order("m1", vm, "a", "b");
      for (MigrationStep step : MigrationStep.FORWARD) {
        twice(there, step);
      }
      assertEquals("b", vm.site());

      // a migration back that rolls back after its stop-and-copy: its compensations, twice each
      MigrationOrder back = order("m2", vm, "b", "a");
      for (MigrationStep step : List.of(MigrationStep.RESERVE, MigrationStep.PRECOPY, MigrationStep.STOP_AND_COPY)) {
        twice(back, step);
      }
      assertTrue(vm.frozen());
      for (MigrationStep step : MigrationStep.COMPENSATIONS) {
        twice(back, step);
      }
      assertEquals("b", vm.site());
      assertTrue(vm.thawed());

      // compensations of a migration that never happened
      MigrationOrder never = order("m3", vm, "b", "a");
      for (MigrationStep step : MigrationStep.COMPENSATIONS) {
        Snapshot before = snapshot(vm);
        StepResult r = call(never, step, 1);
        assertTrue(r instanceof StepResult.Done d && d.details().alreadyDone(), step + " of nothing: " + r);
        assertSame(before, snapshot(vm), step + " of nothing");
      }
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    } finally {
      workload.destroyForcibly();
    }
  }

  private static void twice(MigrationOrder order, MigrationStep step) {
    StepResult first = call(order, step, 1);
    assertTrue(first instanceof StepResult.Done d && !d.details().alreadyDone(), step + " of " + order + " the first time: " + first);
    Snapshot after = snapshot(lab.vm(order.vm()));
    StepResult again = call(order, step, 2);
    assertTrue(again instanceof StepResult.Done d && d.details().alreadyDone(), step + " of " + order + " again: " + again);
    assertSame(after, snapshot(lab.vm(order.vm())), step + " of " + order + " again");
  }

  private static void assertSame(Snapshot expected, Snapshot actual, String what) {
    assertTrue(actual.linkBytes() - expected.linkBytes() <= STRAY_BYTES, what + " sent " + (actual.linkBytes() - expected.linkBytes()) + " bytes");
    assertEquals(expected, new Snapshot(actual.site(), actual.frozen(), actual.reservations(), actual.held(), actual.slotsAtA(),
        actual.slotsAtB(), expected.linkBytes()), what + " changed something");
  }

  private static StepResult call(MigrationOrder order, MigrationStep step, int attempt) {
    return (step.forward() ? actuator.perform(order, step, attempt, Actuator.NO_PROGRESS) : actuator.compensate(order, step, attempt))
        .toCompletableFuture().join();
  }

  private static Snapshot snapshot(EmulatedVm vm) {
    return new Snapshot(vm.site(), vm.frozen(), actuator.reservations(), actuator.leftovers(), actuator.slotsTaken("a"),
        actuator.slotsTaken("b"), lab.link("a", "b").counters().bytes());
  }

  private static MigrationOrder order(String id, EmulatedVm vm, String from, String to) {
    Vm spec = new Vm(vm.name(), "small", 1, MEMORY, 1L << 20);
    return new MigrationOrder(id, "app", vm.name(), spec, from, to,
        new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()).estimate(spec, new NetworkPath(DELAY, RATE / 8.0)), CLOCK.now());
  }
}
