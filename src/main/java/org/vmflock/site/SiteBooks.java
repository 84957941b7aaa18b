package org.vmflock.site;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePVector;
import org.vmflock.CborSerializable;
import org.vmflock.model.Capacity;

/**
 * What a site has taken on for us: the VMs placed there and the room reserved for VMs migrating in
 * (each with a lease). Its site actor keeps them on a node, the simulator's platform in a
 * simulation; both change them with the same events ({@link SiteEvent}) through {@link SiteState}.
 * Immutable, with persistent maps (a site holds thousands of VMs; an event changes one).
 *
 * @param ended the ids of the last {@link #ENDED_KEPT} reservations released or used, newest last:
 *     a copy of a reservation's request arriving after its end (messages from different senders may
 *     overtake each other) is refused instead of holding room again for a migration that is over
 */
public record SiteBooks(SortedMap<String, Capacity> placed, SortedMap<String, Reservation> reservations, List<String> ended)
    implements CborSerializable {

  /** Ended reservations remembered; a late copy of a request is older than far fewer. */
  public static final int ENDED_KEPT = 1000;

  /** Room held at this site for a VM that is migrating in, until {@code leaseUntil} unless confirmed. */
  public record Reservation(String id, String vm, Capacity capacity, Instant leaseUntil) implements CborSerializable {}

  public static final SiteBooks EMPTY = new SiteBooks(TreePMap.empty(), TreePMap.empty(), TreePVector.empty());

  public SiteBooks {
    placed = placed instanceof TreePMap<String, Capacity> p ? p : TreePMap.from(new TreeMap<>(placed));
    reservations = reservations instanceof TreePMap<String, Reservation> r ? r : TreePMap.from(new TreeMap<>(reservations));
    // books written before reservations were remembered have none
    ended = ended == null ? TreePVector.empty() : ended instanceof TreePVector<String> e ? e : TreePVector.from(ended);
  }

  public SiteBooks(SortedMap<String, Capacity> placed, SortedMap<String, Reservation> reservations) {
    this(placed, reservations, TreePVector.empty());
  }

  /** Whether reservation {@code id} was released or used (among the last {@link #ENDED_KEPT}). */
  public boolean ended(String id) {
    return ended.contains(id);
  }

  /** What the site's VMs and reservations take. */
  public Capacity used() {
    Capacity c = Capacity.ZERO;
    for (Capacity p : placed.values()) {
      c = c.plus(p);
    }
    for (Reservation r : reservations.values()) {
      c = c.plus(r.capacity());
    }
    return c;
  }

  /** VMs placed and reserved: what a quota counts. */
  public int vms() {
    return placed.size() + reservations.size();
  }

  SiteBooks reserved(Reservation r) {
    return new SiteBooks(placed, ((TreePMap<String, Reservation>) reservations).plus(r.id(), r), ended);
  }

  SiteBooks released(String reservationId) {
    return new SiteBooks(placed, ((TreePMap<String, Reservation>) reservations).minus(reservationId), ending(reservationId));
  }

  SiteBooks placed(String vm, Capacity capacity, Optional<String> reservation) {
    TreePMap<String, Reservation> r = (TreePMap<String, Reservation>) reservations;
    Optional<String> used = reservation.filter(r::containsKey);
    return new SiteBooks(((TreePMap<String, Capacity>) placed).plus(vm, capacity), used.map(r::minus).orElse(r),
        used.map(this::ending).orElse(ended));
  }

  SiteBooks removed(String vm) {
    return new SiteBooks(((TreePMap<String, Capacity>) placed).minus(vm), reservations, ended);
  }

  private List<String> ending(String reservationId) {
    TreePVector<String> e = ((TreePVector<String>) ended).plus(reservationId);
    return e.size() > ENDED_KEPT ? e.minus(0) : e;
  }

  /** Reservations whose lease ran out by {@code now}. */
  public List<Reservation> expired(Instant now) {
    return reservations.values().stream().filter(r -> !r.leaseUntil().isAfter(now)).toList();
  }
}
