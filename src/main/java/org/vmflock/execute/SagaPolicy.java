package org.vmflock.execute;

import java.time.Duration;
import org.vmflock.CborSerializable;

/**
 * How hard a saga insists. Recorded in its {@link SagaEvent.Started} event, so that a saga recovered
 * after a failover keeps the rules it started with.
 *
 * @param maxFailuresAfterCommit failed attempts of one step at or after the commit before the saga
 *     is stuck (the VM lives at the destination: it cannot roll back)
 * @param maxCompensationFailures failed attempts of one compensation before the saga is stuck
 * @param retryDelay the wait before retrying a failed step or compensation
 * @param stepTimeout how long the actuator may take to answer one attempt (in the saga's time, as
 *     the retry delay); beyond, the attempt counts as failed with an unknown effect. Sagas recorded
 *     before it existed get the default.
 */
public record SagaPolicy(int maxFailuresAfterCommit, int maxCompensationFailures, Duration retryDelay, Duration stepTimeout)
    implements CborSerializable {

  public static final int DEFAULT_MAX_FAILURES_AFTER_COMMIT = 10;
  public static final int DEFAULT_MAX_COMPENSATION_FAILURES = 10;
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
  /** Longer than any step of a live migration within a reservation's default lease (10 min). */
  public static final Duration DEFAULT_STEP_TIMEOUT = Duration.ofMinutes(30);

  public SagaPolicy {
    if (stepTimeout == null) {
      stepTimeout = DEFAULT_STEP_TIMEOUT;
    }
    if (maxFailuresAfterCommit < 1 || maxCompensationFailures < 1 || retryDelay.isNegative()) {
      throw new IllegalArgumentException("saga policy: at least one attempt each, no negative delay");
    }
    if (stepTimeout.isNegative() || stepTimeout.isZero()) {
      throw new IllegalArgumentException("saga policy: a step timeout is positive, not " + stepTimeout);
    }
  }

  /** A policy with the default step timeout. */
  public SagaPolicy(int maxFailuresAfterCommit, int maxCompensationFailures, Duration retryDelay) {
    this(maxFailuresAfterCommit, maxCompensationFailures, retryDelay, DEFAULT_STEP_TIMEOUT);
  }

  public static SagaPolicy defaults() {
    return new SagaPolicy(DEFAULT_MAX_FAILURES_AFTER_COMMIT, DEFAULT_MAX_COMPENSATION_FAILURES, DEFAULT_RETRY_DELAY, DEFAULT_STEP_TIMEOUT);
  }
}
