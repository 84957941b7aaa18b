package org.vmflock.execute;

import java.util.Optional;
import org.vmflock.model.Capacity;

/**
 * How a site's books follow a migration's steps (E1), in one place for the saga actor (which tells
 * the site actors) and the simulator (which keeps its sites' books itself): before the destination
 * is reserved at the hypervisor, the room is booked at the destination site; after the commit the
 * VM is booked there (its reservation used); after the source is released it is gone from the
 * source; after a rollback released the reservation, the room is given back.
 */
public final class SiteBookkeeping {

  private SiteBookkeeping() {}

  /** A change to one site's books. */
  public sealed interface Update {
    String site();
  }

  /** Hold room for the VM; a refusal (no room, quota) fails the step definitely: nothing was done. */
  public record Reserve(String site, String reservationId, String vm, Capacity demand) implements Update {}

  public record Place(String site, String vm, Capacity demand, Optional<String> reservationId) implements Update {}

  public record Remove(String site, String vm) implements Update {}

  public record Release(String site, String reservationId, String why) implements Update {}

  /** What must be booked before the actuator does the step. */
  public static Optional<Update> before(MigrationOrder o, MigrationStep step) {
    return step == MigrationStep.RESERVE
        ? Optional.of(new Reserve(o.to(), o.migrationId(), o.vm(), Capacity.of(o.vmSpec())))
        : Optional.empty();
  }

  /** What the books record once the actuator did the step. */
  public static Optional<Update> after(MigrationOrder o, MigrationStep step) {
    return switch (step) {
      case COMMIT -> Optional.of(new Place(o.to(), o.vm(), Capacity.of(o.vmSpec()), Optional.of(o.migrationId())));
      case RELEASE_SOURCE -> Optional.of(new Remove(o.from(), o.vm()));
      case RELEASE_RESERVATION -> Optional.of(new Release(o.to(), o.migrationId(), "migration rolled back"));
      default -> Optional.empty();
    };
  }

  /** The books of the sites a simulation keeps itself: an update is accepted, or refused with a reason. */
  public interface Books {
    /** Applies {@code update} at {@code now}; empty if accepted (or done already), else why not. */
    Optional<String> book(Update update, java.time.Instant now);

    /** Books nobody keeps: everything is accepted. */
    Books NONE = (u, now) -> Optional.empty();
  }
}
