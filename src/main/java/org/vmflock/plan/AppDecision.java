package org.vmflock.plan;

import java.util.List;

/**
 * The planner's decision for one application, explainable in one line: whether it moves, why, what
 * staying put and the chosen placement are predicted to give, and how the choice was found.
 *
 * @param method {@code exhaustive} (optimal over all placements) or {@code heuristic} (group-level
 *     local search)
 */
public record AppDecision(
    String application,
    boolean moves,
    String reason,
    Prediction stay,
    Prediction chosen,
    List<Migration> migrations,
    String method,
    long placementsEvaluated) {

  public AppDecision {
    migrations = List.copyOf(migrations);
  }
}
