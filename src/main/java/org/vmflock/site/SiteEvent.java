package org.vmflock.site;

import java.time.Instant;
import java.util.Optional;
import org.vmflock.CborSerializable;
import org.vmflock.model.Capacity;

/** What a site actor persists. */
public sealed interface SiteEvent extends CborSerializable {

  /** An accepted environment change, as it came, and when. */
  record Changed(EnvironmentChange change, Instant at) implements SiteEvent {}

  record Reserved(SiteBooks.Reservation reservation) implements SiteEvent {}

  /** A reservation given up: the migration rolled back, or its lease ran out. */
  record ReservationReleased(String id, String why) implements SiteEvent {}

  /** A VM now runs here (a new application's, or a migration's, its reservation then used). */
  record Placed(String vm, Capacity capacity, Optional<String> reservation) implements SiteEvent {}

  /** A VM left (its migration released the source, or its application ended). */
  record Removed(String vm) implements SiteEvent {}
}
