package org.vmflock.execute;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Carries out migration steps on some infrastructure: simulated, emulated, QEMU or libvirt/KVM
 * (E2). Asynchronous: a step answers when it is done, however long it takes (a real pre-copy takes
 * minutes), with {@link StepResult#took() how long it took}. The saga actor calls it on a
 * dedicated blocking dispatcher, so an implementation may also block the calling thread. A
 * simulated actuator answers at once with a modelled duration: the simulator waits it in virtual
 * time, a node through {@link PacedActuator}.
 *
 * <p>Every step and compensation must be idempotent: asked again for a step it already did (a
 * result lost in a crash), an actuator checks and answers done with {@link StepDetails#alreadyDone()}.
 * A compensation of something that never happened is done too. A stage that fails (an exception)
 * counts as a failure whose effect is unknown.
 */
public interface Actuator {

  /**
   * Does forward step {@code step} of {@code order}; {@code attempt} counts from 1 for this step.
   * A long step may tell {@code progress} how far it has come (pre-copy rounds, bytes left) as it goes.
   */
  CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress);

  /** Does compensation {@code step} of {@code order}; {@code attempt} counts from 1 for this compensation. */
  CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt);

  /** Progress nobody follows. */
  Consumer<StepProgress> NO_PROGRESS = p -> {};
}
