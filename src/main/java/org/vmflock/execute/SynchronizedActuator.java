package org.vmflock.execute;

/** An actuator shared by concurrent sagas whose world is not thread-safe (the simulated one): one step at a time. */
public final class SynchronizedActuator implements Actuator {

  private final Actuator actuator;
  private final Object lock;

  public SynchronizedActuator(Actuator actuator, Object lock) {
    this.actuator = actuator;
    this.lock = lock;
  }

  @Override
  public StepResult perform(MigrationOrder order, MigrationStep step, int attempt) {
    synchronized (lock) {
      return actuator.perform(order, step, attempt);
    }
  }

  @Override
  public StepResult compensate(MigrationOrder order, MigrationStep step, int attempt) {
    synchronized (lock) {
      return actuator.compensate(order, step, attempt);
    }
  }
}
