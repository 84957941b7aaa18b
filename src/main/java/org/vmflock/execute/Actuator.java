package org.vmflock.execute;

/**
 * Carries out migration steps on some infrastructure: simulated, emulated, or libvirt/KVM (E2).
 * Synchronous: the caller waits the result's {@code took} in its own time, so the same actuator
 * serves real-time runs and simulations.
 *
 * <p>Every step and compensation must be idempotent: asked again for a step it already did (a
 * result lost in a crash), an actuator checks and answers done with {@link StepDetails#alreadyDone()}.
 * A compensation of something that never happened is done too.
 */
public interface Actuator {

  /** Does forward step {@code step} of {@code order}; {@code attempt} counts from 1 for this step. */
  StepResult perform(MigrationOrder order, MigrationStep step, int attempt);

  /** Does compensation {@code step} of {@code order}; {@code attempt} counts from 1 for this compensation. */
  StepResult compensate(MigrationOrder order, MigrationStep step, int attempt);
}
