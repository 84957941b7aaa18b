package org.vmflock.execute;

import java.time.Duration;
import java.time.Instant;
import org.vmflock.CborSerializable;

/**
 * What a migration saga records, in order; {@link SagaState#apply} folds them into its state. Every
 * attempt is recorded before it is made ({@link StepStarted}), so that after a crash the saga knows
 * a step was in flight and does it again (steps are idempotent) as a new attempt.
 */
public sealed interface SagaEvent extends CborSerializable {

  Instant at();

  /** The saga begins, with the rules it keeps until its end. */
  record Started(MigrationOrder order, Instant at, SagaPolicy policy) implements SagaEvent {}

  /** An attempt at a forward step or a compensation begins; {@code attempt} counts from 1 for each step. */
  record StepStarted(MigrationStep step, Instant at, int attempt) implements SagaEvent {}

  /** A forward step is done; {@code took} and {@code details} are what the actuator observed. */
  record StepSucceeded(MigrationStep step, Instant at, int attempt, Duration took, StepDetails details) implements SagaEvent {}

  /**
   * An attempt at a forward step or a compensation failed. Before the commit it turns the saga to
   * rollback; at or after the commit, and for compensations, the step is tried again.
   *
   * @param definite the actuator guarantees the attempt changed nothing (see {@link StepResult.Failed})
   */
  record StepFailed(MigrationStep step, Instant at, int attempt, String reason, boolean definite) implements SagaEvent {}

  /** A compensation is done. */
  record CompensationSucceeded(MigrationStep step, Instant at, int attempt, Duration took, boolean alreadyDone) implements SagaEvent {}

  /** The VM runs at its destination, its network updated and its source released. */
  record Completed(Instant at, ObservedMigration observed) implements SagaEvent {}

  /** The VM runs at its source and nothing is left at the destination. */
  record RolledBack(Instant at, String reason, ObservedMigration observed) implements SagaEvent {}

  /**
   * A step at or after the commit, or a compensation, failed as many times as the policy allows: the
   * saga stops and an operator must look at {@code step}. Never reached in the simulated world.
   */
  record Stuck(Instant at, MigrationStep step, String reason, ObservedMigration observed) implements SagaEvent {}
}
