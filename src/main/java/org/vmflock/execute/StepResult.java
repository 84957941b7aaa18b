package org.vmflock.execute;

import java.time.Duration;

/**
 * What an {@link Actuator} reports for one attempt at a step. The caller waits {@link #took()} in
 * its own time (virtual or real) before recording it.
 */
public sealed interface StepResult {

  /** How long the attempt took. */
  Duration took();

  /** The step is done (possibly already before: see {@link StepDetails#alreadyDone()}). */
  record Done(Duration took, StepDetails details) implements StepResult {
    public Done {
      requireNotNegative(took);
    }
  }

  /**
   * The step is not done.
   *
   * @param definite the actuator guarantees this attempt changed nothing and the step cannot be done
   *     now (no room, lease expired); otherwise the effect is unknown (a timeout, a lost answer) and
   *     a retry, which actuators make idempotent, finds out. Only a definite failure of the commit
   *     lets a migration roll back, since an unknown one may have committed.
   */
  record Failed(Duration took, String reason, boolean definite) implements StepResult {
    public Failed {
      requireNotNegative(took);
    }

    /** A failure whose effect is unknown. */
    public static Failed unknown(Duration took, String reason) {
      return new Failed(took, reason, false);
    }

    /** A refusal: nothing was done. */
    public static Failed refused(Duration took, String reason) {
      return new Failed(took, reason, true);
    }
  }

  /** The time since {@code startNanos} (a {@link System#nanoTime()}): how long a real action took. */
  static Duration since(long startNanos) {
    return Duration.ofNanos(Math.max(0, System.nanoTime() - startNanos));
  }

  /** Done, timed from {@code startNanos} until now. */
  static StepResult doneSince(long startNanos, StepDetails details) {
    return new Done(since(startNanos), details);
  }

  /** Refused (nothing done), timed from {@code startNanos} until now. */
  static StepResult refusedSince(long startNanos, String reason) {
    return Failed.refused(since(startNanos), reason);
  }

  private static void requireNotNegative(Duration took) {
    if (took.isNegative()) {
      throw new IllegalArgumentException("a step takes no negative time: " + took);
    }
  }
}
