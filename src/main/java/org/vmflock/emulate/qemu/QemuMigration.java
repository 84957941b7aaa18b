package org.vmflock.emulate.qemu;

import java.time.Duration;
import java.util.Optional;

/**
 * A live migration the {@link QemuActuator} carried out to its commit, as QEMU measured it.
 *
 * @param guest what the guest is (its RAM, working set, configured dirty rate)
 * @param dirtyMiBPerSecond the dirty rate the guest's workload achieved before the migration (its {@code stat}), or the configured one
 * @param capBytesPerSecond the migration's max-bandwidth
 * @param downtimeLimit its downtime-limit
 * @param completed QEMU's {@code query-migrate} once {@code completed}: total time, downtime, bytes, rounds
 * @param fillBefore the guest's fill checksum before the migration (its {@code check}); empty if it did not answer
 * @param fillAfter the same, asked at the destination after the network update; empty if not asked (yet) or no answer
 * @param badPagesAfter working-set pages not as written, at the destination (-1: not asked)
 */
public record QemuMigration(String migrationId, String vm, String from, String to, GuestConfig guest, double dirtyMiBPerSecond,
    long capBytesPerSecond, Duration downtimeLimit, MigrationStatus completed, Optional<String> fillBefore, Optional<String> fillAfter,
    long badPagesAfter) {

  /** The guest's memory checked at its destination: the fill's checksum as before and every working-set page as written. */
  public boolean memoryIntact() {
    return fillBefore.isPresent() && fillBefore.equals(fillAfter) && badPagesAfter == 0;
  }

  /** The guest's non-zero memory as QEMU found it: its RAM less the zero pages it sent as markers. */
  public long nonzeroBytes() {
    return Math.max(0, guest.memoryBytes() - completed.duplicatePages() * completed.pageSize());
  }
}
