package org.vmflock.execute;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * An actuator shared by concurrent sagas whose world is not thread-safe (the simulated one): one
 * call at a time. Only for actuators that answer at once: the lock is held while the call runs.
 */
public final class SynchronizedActuator implements Actuator {

  private final Actuator actuator;
  private final Object lock;

  public SynchronizedActuator(Actuator actuator, Object lock) {
    this.actuator = actuator;
    this.lock = lock;
  }

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    synchronized (lock) {
      return actuator.perform(order, step, attempt, progress);
    }
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    synchronized (lock) {
      return actuator.compensate(order, step, attempt);
    }
  }
}
