package org.vmflock.knowledge;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * How a decision's prediction compares with what happened, once its application finished: the
 * time from the decision to the finish and what the application spent meanwhile.
 */
public record DecisionResult(Instant finishedAt, double observedSeconds, Optional<Double> predictedSeconds, double spent,
    Optional<Double> predictedCost) {

  /** In one line, for people. */
  public String describe() {
    return String.format(Locale.ROOT, "finished %s: %.0f s after the decision, %s; cost %.2f, %s", finishedAt, observedSeconds,
        predictedSeconds.map(p -> String.format(Locale.ROOT, "%.0f s predicted (%+.1f %%)", p, relative(observedSeconds, p))).orElse("none predicted"),
        spent, predictedCost.map(p -> String.format(Locale.ROOT, "%.2f predicted (%+.1f %%)", p, relative(spent, p))).orElse("none predicted"));
  }

  private static double relative(double observed, double predicted) {
    return predicted > 0 ? 100 * (observed - predicted) / predicted : 0;
  }
}
