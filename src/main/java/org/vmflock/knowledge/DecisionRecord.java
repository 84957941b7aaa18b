package org.vmflock.knowledge;

import org.vmflock.model.Objective;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A decision of the manager, explainable in one line and audited afterwards: the reason, what it
 * predicted (remaining time and cost of the chosen placement, and of staying put; what the
 * application had spent until then), the migrations it ordered, once they ended how they went
 * against their prediction ({@code audit}), and once the application finished, how its finish
 * and its total cost compare with the prediction ({@code result}).
 */
public record DecisionRecord(
    long id,
    Instant at,
    String application,
    String kind,
    String reason,
    double predictedRemainingSeconds,
    double predictedCost,
    double stayRemainingSeconds,
    double stayCost,
    double spentAtDecision,
    List<String> migrations,
    Outcome outcome,
    Optional<String> audit,
    Optional<String> result) {

  /** How a decision turned out. */
  public enum Outcome {
    /** Nothing to carry out (stay, or an initial placement applied at once). */
    NONE,
    /** Migrations still running. */
    PENDING,
    /** Every migration completed. */
    APPLIED,
    /** Some completed, some rolled back. */
    PARTIAL,
    /** Every migration rolled back: the VMs stayed where they were. */
    ROLLED_BACK
  }

  public DecisionRecord {
    migrations = List.copyOf(migrations);
  }

  /**
   * Objective {@code o} with this decision's outlook as its fixed reference ({@link
   * Objective#referencedTo}): that of staying where the application runs, or for a new application
   * that of its initial placement. Empty if the decision predicted neither.
   */
  public Optional<Objective> reference(Objective o) {
    boolean stayKnown = positive(stayRemainingSeconds) && stayCost >= 0 && Double.isFinite(stayCost);
    double seconds = stayKnown ? stayRemainingSeconds : predictedRemainingSeconds;
    double cost = stayKnown ? stayCost : predictedCost;
    return positive(seconds) && cost >= 0 && Double.isFinite(cost) ? Optional.of(o.referencedTo(seconds, cost)) : Optional.empty();
  }

  private static boolean positive(double x) {
    return x > 0 && Double.isFinite(x);
  }

  public DecisionRecord concluded(Outcome o, String auditText) {
    return new DecisionRecord(id, at, application, kind, reason, predictedRemainingSeconds, predictedCost, stayRemainingSeconds, stayCost,
        spentAtDecision, migrations, o, Optional.of(auditText), result);
  }

  public DecisionRecord withResult(String text) {
    return new DecisionRecord(id, at, application, kind, reason, predictedRemainingSeconds, predictedCost, stayRemainingSeconds, stayCost,
        spentAtDecision, migrations, outcome, audit, Optional.of(text));
  }
}
