package org.vmflock.execute;

import java.time.Duration;

/** What a saga's driver does next, as {@link SagaState#next()} says. */
public sealed interface SagaAction {

  /**
   * Record {@link SagaEvent.StepStarted}, then have the actuator perform forward step {@code step},
   * after waiting {@code delay} (a retry's back-off).
   */
  record Perform(MigrationStep step, int attempt, Duration delay) implements SagaAction {}

  /** Record {@link SagaEvent.StepStarted}, then have the actuator do compensation {@code step}, after {@code delay}. */
  record Compensate(MigrationStep step, int attempt, Duration delay) implements SagaAction {}

  /** Nothing left to do: the saga ended with {@code outcome} (an ended {@link SagaPhase}). */
  record Finished(SagaPhase outcome, String reason, ObservedMigration observed) implements SagaAction {}
}
