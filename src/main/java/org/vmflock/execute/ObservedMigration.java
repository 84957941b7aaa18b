package org.vmflock.execute;

import org.vmflock.CborSerializable;

/**
 * What a migration actually took, to compare with its {@link org.vmflock.plan.MigrationEstimate}.
 *
 * @param totalSeconds from the start of pre-copy until the VM was reachable again: its network
 *     updated at the destination, or, after a rollback, the rollback's end; 0 if pre-copy never started
 * @param downtimeSeconds from the start of stop-and-copy until the VM was reachable again: its
 *     network updated at the destination, or resumed at its source; 0 if it was never paused
 * @param bytesMoved memory pages sent, all rounds included
 * @param rounds pre-copy rounds
 */
public record ObservedMigration(double totalSeconds, double downtimeSeconds, double bytesMoved, int rounds) implements CborSerializable {

  public static final ObservedMigration NONE = new ObservedMigration(0, 0, 0, 0);
}
