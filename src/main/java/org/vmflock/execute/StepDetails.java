package org.vmflock.execute;

import java.time.Duration;

/**
 * What an actuator observed while doing a step, for the audit of predicted against observed.
 *
 * @param alreadyDone the step had already been done (a retry after a lost result): nothing changed
 * @param bytesMoved memory pages sent by this step (pre-copy rounds, stop-and-copy)
 * @param rounds pre-copy rounds run by this step
 * @param pause how long this step kept the VM paused (stop-and-copy)
 */
public record StepDetails(boolean alreadyDone, double bytesMoved, int rounds, Duration pause) {

  /** A step that moved nothing and paused nothing. */
  public static final StepDetails NONE = new StepDetails(false, 0, 0, Duration.ZERO);

  /** A step found already done. */
  public static final StepDetails ALREADY_DONE = new StepDetails(true, 0, 0, Duration.ZERO);

  public StepDetails {
    if (bytesMoved < 0 || rounds < 0 || pause.isNegative()) {
      throw new IllegalArgumentException("step details are not negative: " + bytesMoved + " bytes, " + rounds + " rounds, " + pause);
    }
  }
}
