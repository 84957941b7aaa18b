package org.vmflock.execute;

/** Where a migration saga stands. */
public enum SagaPhase {
  /** No order yet. */
  NEW,
  /** Running the forward steps. */
  FORWARD,
  /** Running the compensations after a failure before the commit. */
  ROLLING_BACK,
  /** Ended: the VM runs at its destination. */
  COMPLETED,
  /** Ended: the VM runs at its source, nothing left at the destination. */
  ROLLED_BACK,
  /** Ended without finishing its work: an operator must intervene. */
  STUCK;

  public boolean ended() {
    return this == COMPLETED || this == ROLLED_BACK || this == STUCK;
  }
}
