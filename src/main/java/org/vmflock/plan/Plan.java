package org.vmflock.plan;

import java.time.Instant;
import java.util.List;

/**
 * A plan (P3): a decision per application, and the migrations to run, in an order that never
 * exceeds a site's capacity in between. A step through an intermediate site (to break a cycle of
 * swaps between full sites) is marked temporary.
 */
public record Plan(Instant at, List<AppDecision> decisions, List<Step> steps) {

  public record Step(int order, Migration migration, boolean temporary) {}

  public Plan {
    decisions = List.copyOf(decisions);
    steps = List.copyOf(steps);
  }

  public java.util.Optional<AppDecision> decision(String application) {
    return decisions.stream().filter(d -> d.application().equals(application)).findFirst();
  }
}
