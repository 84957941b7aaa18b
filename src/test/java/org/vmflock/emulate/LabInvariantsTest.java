package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
 * The lab's invariants catch what they are for: a frozen VM and its processes in the freezer, a
 * reservation, a copy and its stream left by a migration that stopped halfway, a VM's veth moved to
 * another bridge behind the lab's back or left off its bridge, and a full site refusing a
 * reservation; and hold again once each is undone (a move asked again finishes one that broke off).
 */
class LabInvariantsTest {

  private static final ManualClock CLOCK = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private static EmulatedFederation lab;
  private static EmulatedActuator actuator;

  @BeforeAll
  static void build() {
    lab = TestLabs.create(FederationSpec.builder().site("a").site("b")
        .link("a", "b", WanLinkSpec.of(Duration.ofMillis(1), 1_000_000_000L)).build());
    actuator = new EmulatedActuator(lab, Map.of("a", 2, "b", 1), CLOCK);
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void eachViolationIsFoundAndGoesAwayOnceUndone() throws Exception {
    EmulatedVm vm = lab.addVm("vm1", "a");
    Process sleeper = vm.processBuilder(List.of("sleep", "600")).start();
    try {
      Polling.until(Duration.ofSeconds(10), "the sleeper in the VM", () -> vm.pids().contains(sleeper.pid()));
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));

      vm.freeze();
      List<String> frozen = LabInvariants.violations(lab, actuator);
      assertTrue(frozen.stream().anyMatch(v -> v.contains("VM 'vm1' is frozen")), frozen.toString());
      assertTrue(frozen.stream().anyMatch(v -> v.contains("process " + sleeper.pid() + " of VM 'vm1' is frozen")), frozen.toString());
      vm.thaw();
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));

      // a migration that stopped after its pre-copy holds a reservation, a copy and a stream
      MigrationOrder order = order("m1", "a", "b");
      assertDone(call(order, MigrationStep.RESERVE));
      assertDone(call(order, MigrationStep.PRECOPY));
      List<String> halfway = LabInvariants.violations(lab, actuator);
      assertTrue(halfway.stream().anyMatch(v -> v.startsWith("reservation left")), halfway.toString());
      assertTrue(halfway.stream().anyMatch(v -> v.startsWith("a copy of m1")), halfway.toString());
      assertTrue(halfway.stream().anyMatch(v -> v.startsWith("the stream of m1")), halfway.toString());
      assertTrue(halfway.stream().anyMatch(v -> v.contains("receiver is still running")), halfway.toString());
      // b has one slot, held by that reservation: another VM cannot reserve there
      EmulatedVm other = lab.addVm("vm2", "a");
      StepResult full = call(new MigrationOrder("m2", "app", "vm2", spec("vm2"), "a", "b", order.predicted(), CLOCK.now()), MigrationStep.RESERVE);
      assertTrue(full instanceof StepResult.Failed f && f.definite() && f.reason().contains("no room at 'b'"), full.toString());
      lab.removeVm(other.name());
      for (MigrationStep c : MigrationStep.COMPENSATIONS) {
        assertDone(call(order, c));
      }
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));

      // the VM's port moved to b's bridge behind the lab's back
      String port = lab.vmPorts().stream().filter(p -> p.vm().equals(java.util.Optional.of("vm1"))).findFirst().orElseThrow().port();
      ip("-n", lab.siteNamespace("a"), "link", "set", port, "netns", lab.siteNamespace("b"));
      ip("-n", lab.siteNamespace("b"), "link", "set", port, "master", EmulatedFederation.BRIDGE, "up");
      List<String> moved = LabInvariants.violations(lab, actuator);
      assertTrue(moved.stream().anyMatch(v -> v.contains("VM 'vm1' is at 'a' but its veth is on the bridge of 'b'")), moved.toString());
      ip("-n", lab.siteNamespace("b"), "link", "set", port, "netns", lab.siteNamespace("a"));
      ip("-n", lab.siteNamespace("a"), "link", "set", port, "master", EmulatedFederation.BRIDGE, "up");
      Polling.until(Duration.ofSeconds(10), "the port forwarding again", () -> LabInvariants.violations(lab, actuator).isEmpty());

      // a move that broke off once the port was in the new site's namespace, not yet on its bridge: moving again finishes it
      lab.move("vm1", "b");
      ip("-n", lab.siteNamespace("b"), "link", "set", port, "nomaster");
      List<String> detached = LabInvariants.violations(lab, actuator);
      assertTrue(detached.stream().anyMatch(v -> v.contains("VM 'vm1' is on 0 bridges")), detached.toString());
      lab.move("vm1", "b");
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    } finally {
      sleeper.destroyForcibly();
    }
  }

  private static void ip(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + new String(p.getInputStream().readAllBytes()));
  }

  private static void assertDone(StepResult r) {
    assertTrue(r instanceof StepResult.Done, r.toString());
  }

  private static StepResult call(MigrationOrder order, MigrationStep step) {
    return (step.forward() ? actuator.perform(order, step, 1, Actuator.NO_PROGRESS) : actuator.compensate(order, step, 1))
        .toCompletableFuture().join();
  }

  private static Vm spec(String name) {
    return new Vm(name, "small", 1, 1 << 20, 0);
  }

  private static MigrationOrder order(String id, String from, String to) {
    Vm vm = spec("vm1");
    return new MigrationOrder(id, "app", "vm1", vm, from, to,
        new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()).estimate(vm, new NetworkPath(Duration.ofMillis(1), 125e6)), CLOCK.now());
  }
}
