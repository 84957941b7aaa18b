package org.vmflock.knowledge;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A decision of the manager, explainable in one line and audited afterwards: the reason, what it
 * predicted (remaining time and cost of the chosen placement, and of staying put), the migrations
 * it ordered, and, once they ended, how it turned out.
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
    List<String> migrations,
    Outcome outcome,
    Optional<String> audit) {

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

  public DecisionRecord concluded(Outcome o, String auditText) {
    return new DecisionRecord(id, at, application, kind, reason, predictedRemainingSeconds, predictedCost, stayRemainingSeconds, stayCost,
        migrations, o, Optional.of(auditText));
  }
}
