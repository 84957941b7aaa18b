package org.vmflock.knowledge;

import java.time.Instant;
import java.util.Optional;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;

/** A migration the manager ordered: queued, running (as a saga), or ended and how. */
public record MigrationRecord(
    MigrationOrder order,
    long decisionId,
    Status status,
    Optional<Instant> startedAt,
    Optional<Instant> endedAt,
    Optional<ObservedMigration> observed,
    String reason) {

  /** CANCELLED: never started, its application finished first. */
  public enum Status { QUEUED, RUNNING, COMPLETED, ROLLED_BACK, STUCK, CANCELLED }

  public boolean ended() {
    return status == Status.COMPLETED || status == Status.ROLLED_BACK || status == Status.STUCK || status == Status.CANCELLED;
  }

  public MigrationRecord started(Instant at) {
    return new MigrationRecord(order, decisionId, Status.RUNNING, Optional.of(at), endedAt, observed, reason);
  }

  public MigrationRecord ended(Status s, Instant at, ObservedMigration o, String why) {
    return new MigrationRecord(order, decisionId, s, startedAt, Optional.of(at), Optional.of(o), why);
  }
}
