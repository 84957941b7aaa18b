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
 */
public record SagaPolicy(int maxFailuresAfterCommit, int maxCompensationFailures, Duration retryDelay) implements CborSerializable {

  public static final int DEFAULT_MAX_FAILURES_AFTER_COMMIT = 10;
  public static final int DEFAULT_MAX_COMPENSATION_FAILURES = 10;
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);

  public SagaPolicy {
    if (maxFailuresAfterCommit < 1 || maxCompensationFailures < 1 || retryDelay.isNegative()) {
      throw new IllegalArgumentException("saga policy: at least one attempt each, no negative delay");
    }
  }

  public static SagaPolicy defaults() {
    return new SagaPolicy(DEFAULT_MAX_FAILURES_AFTER_COMMIT, DEFAULT_MAX_COMPENSATION_FAILURES, DEFAULT_RETRY_DELAY);
  }
}
