package org.vmflock.scenario;

import org.vmflock.model.Limits;

/**
 * What an application's VMs are when it says {@code vm-kind = qemu}: QEMU guests of an emulation,
 * each with this RAM, filling {@code fillBytes} with non-zero data once and dirtying a working set
 * at {@code dirtyBytesPerSecond}; their work is a ring exchange of {@code rounds} rounds, each guest
 * sending {@code messageBytes} to the next one (in the order of the application's VMs) and
 * receiving as much from the one before, a round ending when both are done.
 *
 * @param memoryBytes each guest's RAM (the application's {@code memory})
 * @param dirtyBytesPerSecond how fast each guest dirties its working set (the application's {@code dirty-rate})
 */
public record QemuGuests(long memoryBytes, long fillBytes, long workingSetBytes, double dirtyBytesPerSecond, int rounds, long messageBytes) {

  private static final long MIB = 1L << 20;

  /** A guest's RAM: Debian's kernel boots in 128 MiB; more than 4 GiB is beyond what a TCG guest here migrates in minutes. */
  public static final Limits.Bound MEMORY = new Limits.Bound("a QEMU guest's memory in bytes", 128 * MIB, 4096 * MIB);
  /** What the guest's kernel and init keep of its RAM: the workload's fill and working set fit in the rest. */
  public static final long KERNEL_BYTES = 64 * MIB;
  /** How fast a guest dirties memory (a guest program writing pages, not a benchmark of the machine). */
  public static final Limits.Bound DIRTY_RATE = new Limits.Bound("a QEMU guest's dirty rate in bytes per second", 0, 256.0 * MIB);
  public static final Limits.Bound ROUNDS = new Limits.Bound("a number of ring rounds", 1, 10_000_000);
  public static final Limits.Bound MESSAGE = new Limits.Bound("a ring message in bytes", 1, 64 * MIB);
  /** The working set when the scenario gives none, at most. */
  public static final long DEFAULT_WORKING_SET = 8 * MIB;
  public static final long DEFAULT_MEMORY = 192 * MIB;

  public QemuGuests {
    MEMORY.require(memoryBytes);
    DIRTY_RATE.require(dirtyBytesPerSecond);
    ROUNDS.require(rounds);
    MESSAGE.require(messageBytes);
    if (fillBytes < 0 || workingSetBytes < 4096 || fillBytes + workingSetBytes > memoryBytes - KERNEL_BYTES) {
      throw new IllegalArgumentException("a QEMU guest's fill and working set (at least 4 KiB) fit in its memory less "
          + KERNEL_BYTES / MIB + " MiB for its kernel: " + fillBytes + " + " + workingSetBytes + " of " + memoryBytes + " bytes");
    }
  }

  /** How the application's VMs are made in an emulation. */
  public enum VmKind {
    /** A network namespace and a cgroup per VM, running the application's real MPI program (the default). */
    NAMESPACE,
    /** A QEMU guest per VM on its site's bridge, migrated by QEMU's own live migration. */
    QEMU;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
