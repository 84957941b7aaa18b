package org.vmflock.emulate;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.vmflock.emulate.qemu.QemuActuator;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;

/**
 * The actuator of an emulation whose VMs are of two kinds: each step goes to the actuator of its
 * VM's kind, the {@link QemuActuator} for QEMU guests (a real QEMU live migration), the {@link
 * EmulatedActuator} for namespace VMs. One facade behind {@link Actuator}, so the manager and its
 * sagas run unchanged. A site's VM slots are shared by both kinds: a reservation is granted only
 * if the site's guests, namespace VMs and reservations of both together leave room.
 */
public final class LabActuator implements Actuator {

  private final EmulatedActuator namespaces;
  private final QemuActuator qemu;
  private final Set<String> qemuVms;
  private final Map<String, Integer> slots;

  /**
   * @param qemuVms the VMs that are QEMU guests (every other VM is a namespace)
   * @param slotsPerSite how many VMs of either kind each site holds
   */
  public LabActuator(EmulatedActuator namespaces, QemuActuator qemu, Set<String> qemuVms, Map<String, Integer> slotsPerSite) {
    this.namespaces = namespaces;
    this.qemu = qemu;
    this.qemuVms = Set.copyOf(qemuVms);
    this.slots = Map.copyOf(slotsPerSite);
  }

  public EmulatedActuator namespaces() {
    return namespaces;
  }

  public QemuActuator qemu() {
    return qemu;
  }

  public boolean isQemu(String vm) {
    return qemuVms.contains(vm);
  }

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    if (step == MigrationStep.RESERVE) {
      long start = System.nanoTime();
      // both actuators answer a reservation at once: held here, no other reservation can take the last slot meanwhile
      synchronized (this) {
        int taken = namespaces.slotsTaken(order.to()) + qemu.slotsTaken(order.to());
        Integer room = slots.get(order.to());
        if (room != null && taken >= room) {
          return CompletableFuture.completedFuture(StepResult.refusedSince(start,
              "no room at '" + order.to() + "': " + taken + " of " + room + " VM slots taken (namespace VMs and QEMU guests)"));
        }
        return join(actuatorOf(order).perform(order, step, attempt, progress));
      }
    }
    return actuatorOf(order).perform(order, step, attempt, progress);
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    return actuatorOf(order).compensate(order, step, attempt);
  }

  private Actuator actuatorOf(MigrationOrder order) {
    return qemuVms.contains(order.vm()) ? qemu : namespaces;
  }

  /** The reservation's answer, waited for (both actuators answer a reservation with a completed stage). */
  private static CompletionStage<StepResult> join(CompletionStage<StepResult> stage) {
    CompletableFuture<StepResult> f = stage.toCompletableFuture();
    try {
      return CompletableFuture.completedFuture(f.join());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e.getCause() != null ? e.getCause() : e);
    }
  }
}
