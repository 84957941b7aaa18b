package org.vmflock.plan;

import java.time.Duration;

/**
 * How the planner decides (P3).
 *
 * @param minGainFraction a move must gain at least this fraction of staying put's score...
 * @param minGainSeconds ...and, for the time objective, at least this many seconds...
 * @param minGainCost ...and, for the cost objective, at least this much money, migration paid
 * @param cooldown a VM that migrated less than this long ago stays where it is
 * @param exhaustiveLimit placements (sites ^ movable VMs) up to which the search is exhaustive
 * @param candidateSites besides the sites an application uses, how many of the others a single
 *     VM may be moved to in the heuristic search (the best by speed and price)
 * @param maxPasses improvement passes of the heuristic search at most
 * @param maxForcedMoves forced moves (ends of availability) a prediction may count
 * @param evacuationLead when a site's availability ends sooner than this (plus the time its VMs take
 *     to migrate), staying there is no longer acceptable: the VMs leave now, in time
 * @param pessimistic whether a move must gain at both ends of the estimate's 95 % interval (the
 *     application finishing as soon or as late as the estimator allows), not only at its centre
 */
public record PlannerSettings(
    double minGainFraction,
    double minGainSeconds,
    double minGainCost,
    Duration cooldown,
    long exhaustiveLimit,
    int candidateSites,
    int maxPasses,
    int maxForcedMoves,
    Duration evacuationLead,
    boolean pessimistic) {

  public PlannerSettings {
    if (minGainFraction < 0 || minGainSeconds < 0 || minGainCost < 0 || cooldown.isNegative() || exhaustiveLimit < 1
        || candidateSites < 0 || maxPasses < 1 || maxForcedMoves < 0 || evacuationLead.isNegative()) {
      throw new IllegalArgumentException("planner settings must not be negative (and limits at least 1)");
    }
  }

  public static PlannerSettings defaults() {
    return new PlannerSettings(0.05, 60, 0.01, Duration.ofMinutes(10), 100_000, 3, 10, 3, Duration.ofMinutes(30), true);
  }

  public PlannerSettings withExhaustiveLimit(long limit) {
    return new PlannerSettings(minGainFraction, minGainSeconds, minGainCost, cooldown, limit, candidateSites, maxPasses, maxForcedMoves, evacuationLead, pessimistic);
  }

  public PlannerSettings withMinGain(double fraction, double seconds, double cost) {
    return new PlannerSettings(fraction, seconds, cost, cooldown, exhaustiveLimit, candidateSites, maxPasses, maxForcedMoves, evacuationLead, pessimistic);
  }

  public PlannerSettings withCooldown(Duration d) {
    return new PlannerSettings(minGainFraction, minGainSeconds, minGainCost, d, exhaustiveLimit, candidateSites, maxPasses, maxForcedMoves, evacuationLead, pessimistic);
  }

  /** These settings, a move judged at the centre of its estimate only ({@code false}) or at both ends of its interval. */
  public PlannerSettings withPessimism(boolean on) {
    return new PlannerSettings(minGainFraction, minGainSeconds, minGainCost, cooldown, exhaustiveLimit, candidateSites, maxPasses, maxForcedMoves, evacuationLead, on);
  }
}
