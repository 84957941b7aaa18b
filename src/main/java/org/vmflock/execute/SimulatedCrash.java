package org.vmflock.execute;

import java.time.Duration;

/**
 * Thrown by a {@link SimulatedActuator} to simulate the driver of a saga dying after a step took
 * effect and before its result was recorded: the driver must recover from its recorded events and
 * attempt the step again, which idempotence makes harmless.
 */
public final class SimulatedCrash extends RuntimeException {

  private final MigrationStep step;
  private final Duration took;

  public SimulatedCrash(MigrationOrder order, MigrationStep step, int attempt, Duration took) {
    super("simulated crash after " + step + " (attempt " + attempt + ") of " + order + " took effect", null, false, false);
    this.step = step;
    this.took = took;
  }

  public MigrationStep step() {
    return step;
  }

  /** How long the step ran before the crash. */
  public Duration took() {
    return took;
  }
}
