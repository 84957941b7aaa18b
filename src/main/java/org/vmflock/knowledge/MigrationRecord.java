package org.vmflock.knowledge;

import java.time.Instant;
import java.util.Optional;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;

/**
 * A migration the manager ordered: queued, running (as a saga), or ended and how.
 *
 * @param position its place among its decision's migrations (from 1): queued migrations start in
 *     their decisions' order, and in this order within a decision
 */
public record MigrationRecord(
    MigrationOrder order,
    long decisionId,
    int position,
    Status status,
    Optional<Instant> startedAt,
    Optional<Instant> endedAt,
    Optional<ObservedMigration> observed,
    String reason) {

  /** CANCELLED: never started, its application finished first. */
  public enum Status { QUEUED, RUNNING, COMPLETED, ROLLED_BACK, STUCK, CANCELLED }

  /** A new migration, queued: the {@code position}-th of decision {@code decisionId}. */
  public static MigrationRecord queued(MigrationOrder order, long decisionId, int position) {
    return new MigrationRecord(order, decisionId, position, Status.QUEUED, Optional.empty(), Optional.empty(), Optional.empty(), "");
  }

  public String id() {
    return order.migrationId();
  }

  public boolean ended() {
    return status == Status.COMPLETED || status == Status.ROLLED_BACK || status == Status.STUCK || status == Status.CANCELLED;
  }

  public MigrationRecord started(Instant at) {
    return new MigrationRecord(order, decisionId, position, Status.RUNNING, Optional.of(at), endedAt, observed, reason);
  }

  public MigrationRecord ended(Status s, Instant at, ObservedMigration o, String why) {
    return new MigrationRecord(order, decisionId, position, s, startedAt, Optional.of(at), Optional.of(o), why);
  }
}
