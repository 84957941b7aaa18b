package org.vmflock.knowledge;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.vmflock.model.Objective;

/**
 * A decision of the manager, explainable in one line and audited afterwards: the reason, what it
 * predicted (remaining time and cost of the chosen placement, and of staying put, where it could;
 * what the application had spent until then), the migrations it ordered, once they ended how they
 * went against their prediction ({@code audit}), and once the application finished, how its finish
 * and its total cost compare with the prediction ({@code result}).
 */
public record DecisionRecord(
    long id,
    Instant at,
    String application,
    DecisionKind kind,
    String reason,
    Optional<Double> predictedRemainingSeconds,
    Optional<Double> predictedCost,
    Optional<Double> stayRemainingSeconds,
    Optional<Double> stayCost,
    double spentAtDecision,
    List<String> migrations,
    Outcome outcome,
    Optional<MigrationAudit> audit,
    Optional<DecisionResult> result) {

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

  /** A figure worth recording: finite and not negative; otherwise none. */
  public static Optional<Double> figure(double v) {
    return v >= 0 && Double.isFinite(v) ? Optional.of(v) : Optional.empty();
  }

  /**
   * Objective {@code o} with this decision's outlook as its fixed reference ({@link
   * Objective#referencedTo}): that of staying where the application runs, or for a new application
   * that of its initial placement. Empty if the decision predicted neither.
   */
  public Optional<Objective> reference(Objective o) {
    boolean stayKnown = stayRemainingSeconds.filter(s -> s > 0).isPresent() && stayCost.isPresent();
    Optional<Double> seconds = stayKnown ? stayRemainingSeconds : predictedRemainingSeconds;
    Optional<Double> cost = stayKnown ? stayCost : predictedCost;
    return seconds.filter(s -> s > 0).isPresent() && cost.isPresent() ? Optional.of(o.referencedTo(seconds.get(), cost.get())) : Optional.empty();
  }

  public DecisionRecord concluded(Outcome o, MigrationAudit a) {
    return new DecisionRecord(id, at, application, kind, reason, predictedRemainingSeconds, predictedCost, stayRemainingSeconds, stayCost,
        spentAtDecision, migrations, o, Optional.of(a), result);
  }

  public DecisionRecord withResult(DecisionResult r) {
    return new DecisionRecord(id, at, application, kind, reason, predictedRemainingSeconds, predictedCost, stayRemainingSeconds, stayCost,
        spentAtDecision, migrations, outcome, audit, Optional.of(r));
  }
}
