package org.vmflock.execute;

import java.util.Collection;
import java.util.List;

/**
 * The steps of a live migration (E1) and the compensations that undo the ones before the commit.
 * Forward steps run in declaration order; {@link #COMMIT} is the point of no return: before it a
 * failure rolls the migration back, at or after it the migration is rolled forward.
 */
public enum MigrationStep {

  /** Capacity reserved at the destination, with a lease that the commit confirms. */
  RESERVE,
  /** Iterative pre-copy rounds to the destination while the VM runs at its source. */
  PRECOPY,
  /** The VM paused at its source and its last dirty pages sent. */
  STOP_AND_COPY,
  /** The destination copy becomes the VM and the reservation is confirmed: the point of no return. */
  COMMIT,
  /** The VM resumed at its destination. */
  ACTIVATE,
  /** The overlay forwards the VM's address to its destination (VXLAN FDB entry, gratuitous ARP; E3). */
  NETWORK_UPDATE,
  /** The stale source copy destroyed and its capacity freed. */
  RELEASE_SOURCE,

  /** Compensation: the VM un-paused at its source (nothing to do if it was not paused). */
  RESUME_AT_SOURCE,
  /** Compensation: the partial copy at the destination dropped. */
  DISCARD_DESTINATION,
  /** Compensation: the destination reservation released. */
  RELEASE_RESERVATION;

  /** The forward steps, in the order they run. */
  public static final List<MigrationStep> FORWARD =
      List.of(RESERVE, PRECOPY, STOP_AND_COPY, COMMIT, ACTIVATE, NETWORK_UPDATE, RELEASE_SOURCE);

  /**
   * Every compensation, in the order a rollback runs them: the destination copy is dropped before
   * the source resumes, so two runnable copies never coexist; the reservation goes last because it
   * holds the room the copy occupies.
   */
  public static final List<MigrationStep> COMPENSATIONS = List.of(DISCARD_DESTINATION, RESUME_AT_SOURCE, RELEASE_RESERVATION);

  public boolean forward() {
    return ordinal() <= RELEASE_SOURCE.ordinal();
  }

  public boolean compensation() {
    return !forward();
  }

  /** Whether this forward step runs at or after the commit, where failures are retried (only a definite refusal of the commit itself rolls back). */
  public boolean committed() {
    return forward() && ordinal() >= COMMIT.ordinal();
  }

  /** The compensations that undo what this forward step may have done (none after the commit). */
  public List<MigrationStep> undoneBy() {
    return switch (this) {
      case RESERVE -> List.of(RELEASE_RESERVATION);
      case PRECOPY -> List.of(DISCARD_DESTINATION);
      // a refused commit leaves what stop-and-copy did: the copy and the paused source
      case STOP_AND_COPY, COMMIT -> List.of(DISCARD_DESTINATION, RESUME_AT_SOURCE);
      default -> List.of();
    };
  }

  /** The compensations undoing {@code touched} (forward steps that may have had an effect), in rollback order. */
  public static List<MigrationStep> compensationsFor(Collection<MigrationStep> touched) {
    return COMPENSATIONS.stream().filter(c -> touched.stream().anyMatch(s -> s.undoneBy().contains(c))).toList();
  }
}
