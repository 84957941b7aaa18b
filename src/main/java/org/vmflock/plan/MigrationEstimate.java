package org.vmflock.plan;

/**
 * What a live migration is predicted to take.
 *
 * @param rounds iterative pre-copy rounds before the stop-and-copy (the first full copy included)
 * @param totalSeconds from the start of the first copy until the VM runs at its destination
 * @param downtimeSeconds how long the VM is paused (stop-and-copy, resume, network update)
 * @param bytesMoved memory pages sent, all rounds included
 * @param converged whether the dirty set shrank to the stop-and-copy size (false when the VM dirties
 *     memory about as fast as the link carries it, or the round limit was reached)
 */
public record MigrationEstimate(int rounds, double totalSeconds, double downtimeSeconds, double bytesMoved, boolean converged) {

  public static final MigrationEstimate NONE = new MigrationEstimate(0, 0, 0, 0, true);
}
