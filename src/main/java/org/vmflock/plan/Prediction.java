package org.vmflock.plan;

import java.time.Instant;
import java.util.List;
import org.vmflock.model.Placement;

/**
 * What a placement of an application is predicted to give, from now to the application's end:
 * when it finishes (with a 95 % interval), what it costs, the migrations it takes now, the moves a
 * site's end of availability will force later, and whether the deadline and budget hold. An
 * infeasible placement says why.
 */
public record Prediction(
    Placement placement,
    boolean feasible,
    String infeasibility,
    Instant finish,
    double remainingSeconds,
    double remainingLowSeconds,
    double remainingHighSeconds,
    Cost cost,
    List<Migration> migrations,
    List<ForcedMove> forced,
    boolean meetsDeadline,
    boolean withinBudget,
    double interSiteBytesPerWork) {

  public Prediction {
    migrations = List.copyOf(migrations);
    forced = List.copyOf(forced);
  }

  public static Prediction infeasible(Placement placement, String why) {
    return new Prediction(placement, false, why, Instant.MAX, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
        Double.POSITIVE_INFINITY, new Cost(Double.POSITIVE_INFINITY, 0, 0), List.of(), List.of(), false, false, 0);
  }

  /** Feasible, on time and within budget. */
  public boolean acceptable() {
    return feasible && meetsDeadline && withinBudget;
  }

  /**
   * This prediction had the application's remaining time been {@code seconds} (an end of its
   * interval): hosting and transfer scale with the time, the migrations' cost does not.
   */
  public Prediction lasting(double seconds) {
    double k = remainingSeconds > 0 && Double.isFinite(remainingSeconds) ? seconds / remainingSeconds : 1;
    return new Prediction(placement, feasible, infeasibility, finish, seconds, remainingLowSeconds, remainingHighSeconds,
        new Cost(cost.hosting() * k, cost.transfer() * k, cost.migration()), migrations, forced, meetsDeadline, withinBudget,
        interSiteBytesPerWork);
  }
}
