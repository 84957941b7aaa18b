package org.vmflock.site;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmflock.CborSerializable;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Limits;
import org.vmflock.model.Site;
import org.vmflock.model.VmEndpoint;
import org.vmflock.site.EnvironmentChange.Availability;
import org.vmflock.site.EnvironmentChange.CapacityChange;
import org.vmflock.site.EnvironmentChange.Define;
import org.vmflock.site.EnvironmentChange.LinkChange;
import org.vmflock.site.EnvironmentChange.Price;
import org.vmflock.site.EnvironmentChange.Quota;
import org.vmflock.site.EnvironmentChange.Speed;
import org.vmflock.site.EnvironmentChange.TransferPrice;

/**
 * A site as its site actor (or the simulator's platform) holds it: its environment, its books,
 * and its accepted environment changes, numbered from 1, of which the last {@link #RECENT} are
 * kept so that a reader who missed some (a lost publication) catches up with deltas. Immutable;
 * the {@code decide...} methods validate a command and say which event it gives, or why it is
 * refused; {@link #apply} applies an event, and nothing else.
 */
public record SiteState(SiteEnvironment environment, SiteBooks books, long changes, List<NumberedChange> recent) implements CborSerializable {

  /** Environment changes kept for readers catching up. */
  public static final int RECENT = 64;

  /** An accepted environment change, its number at its site (1, 2, ...), and when it happened. */
  public record NumberedChange(long number, EnvironmentChange change, Instant at) implements CborSerializable {}

  public SiteState {
    recent = List.copyOf(recent);
  }

  public static SiteState undefined(String name) {
    return new SiteState(SiteEnvironment.undefined(name), SiteBooks.EMPTY, 0, List.of());
  }

  public String name() {
    return environment.name();
  }

  public boolean defined() {
    return environment.defined();
  }

  /** Capacity left for one more VM of ours: the site's capacity and the quota. */
  public boolean hasRoomFor(Capacity demand) {
    Site s = environment.site().orElseThrow();
    return s.capacity().holds(books.used().plus(demand)) && environment.quota().map(q -> books.vms() + demand.slots() <= q).orElse(true);
  }

  /** The changes after number {@code after}, if they are all still kept. */
  public Optional<List<NumberedChange>> changesAfter(long after) {
    if (after >= changes) {
      return Optional.of(List.of());
    }
    if (recent.isEmpty() || recent.get(0).number() > after + 1) {
      return Optional.empty();
    }
    return Optional.of(recent.stream().filter(c -> c.number() > after).toList());
  }

  /** A decision: the event to persist, or the reason it is refused. */
  public record Decision(Optional<SiteEvent> event, String refusal) {
    static Decision accept(SiteEvent e) {
      return new Decision(Optional.of(e), "");
    }

    static Decision refuse(String why) {
      return new Decision(Optional.empty(), why);
    }

    public boolean accepted() {
      return event.isPresent();
    }
  }

  // ------------------------------------------------------------------ decisions

  public Decision decide(EnvironmentChange change, Instant now) {
    if (!(change instanceof Define) && !defined()) {
      return Decision.refuse("unknown site '" + name() + "'");
    }
    String problem = validate(change, now);
    return problem.isEmpty() ? Decision.accept(new SiteEvent.Changed(change, now)) : Decision.refuse("site " + name() + ": " + problem);
  }

  private String validate(EnvironmentChange change, Instant now) {
    try {
      if (change instanceof Define d) {
        if (!d.site().name().equals(name())) {
          return "a definition of site '" + d.site().name() + "' sent to site '" + name() + "'";
        }
        for (EnvironmentChange.SiteLink l : d.links()) {
          if (l.to().equals(name())) {
            return "a link from the site to itself";
          }
        }
        if (d.quota().isPresent() && d.quota().get() < 0) {
          return "a quota is not negative: " + d.quota().get();
        }
        return capacityProblem(d.site().capacity(), d.quota());
      }
      Site s = environment.site().orElseThrow();
      if (change instanceof Price p) {
        if (!Limits.PRICE_PER_VM_HOUR.contains(p.pricePerVmHour())) {
          return Limits.PRICE_PER_VM_HOUR.problem(p.pricePerVmHour());
        }
        if (p.size().isBlank()) {
          return "a price names a VM size (or * for all)";
        }
        return "";
      }
      if (change instanceof TransferPrice t) {
        if (!Limits.PRICE_PER_GB.contains(t.pricePerGb())) {
          return Limits.PRICE_PER_GB.problem(t.pricePerGb());
        }
        return t.to().equals(name()) ? "no transfer price to the site itself" : "";
      }
      if (change instanceof CapacityChange c) {
        return capacityProblem(c.capacity(), environment.quota());
      }
      if (change instanceof Speed sp) {
        return Limits.CPU_SPEED.problem(sp.cpuSpeed());
      }
      if (change instanceof Availability a) {
        for (AvailabilityWindow w : a.windows()) {
          String outOfRange = Limits.instantProblem(w.from()) + Limits.instantProblem(w.until());
          if (!outOfRange.isEmpty()) {
            return outOfRange;
          }
          if (!w.until().isAfter(now)) {
            return "the availability window " + w.from() + " .. " + w.until() + " ends in the past (now " + now + ")";
          }
        }
        return "";
      }
      if (change instanceof Quota q) {
        if (q.vms().isPresent() && q.vms().get() < 0) {
          return "a quota is not negative: " + q.vms().get();
        }
        return capacityProblem(s.capacity(), q.vms());
      }
      if (change instanceof LinkChange l) {
        return l.link().to().equals(name()) ? "a link from the site to itself" : "";
      }
      return "unknown change " + change;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** A capacity or quota below what is placed and reserved here is refused. */
  private String capacityProblem(Capacity capacity, Optional<Integer> q) {
    String outOfRange = Limits.SLOTS.problem(capacity.slots()) + Limits.SITE_CORES.problem(capacity.cores())
        + Limits.SITE_MEMORY.problem(capacity.memoryBytes()) + q.map(v -> Limits.SLOTS.problem(v)).orElse("");
    if (!outOfRange.isEmpty()) {
      return outOfRange;
    }
    Capacity used = books.used();
    if (!capacity.holds(used)) {
      return "a capacity of " + capacity + " is below what is placed and reserved here (" + used + ")";
    }
    int vms = books.vms();
    if (q.isPresent() && q.get() < vms) {
      return "a quota of " + q.get() + " VMs is below the " + vms + " VMs placed and reserved here";
    }
    return "";
  }

  public Decision decideReserve(String id, String vm, Capacity demand, Instant leaseUntil) {
    if (!defined()) {
      return Decision.refuse("unknown site '" + name() + "'");
    }
    SiteBooks.Reservation held = books.reservations().get(id);
    if (held != null) {
      return Decision.accept(new SiteEvent.Reserved(held)); // idempotent: the same reservation again
    }
    if (books.ended(id)) {
      return Decision.refuse("site " + name() + ": reservation " + id + " was released or used already (a late copy of its request)");
    }
    if (books.placed().containsKey(vm)) {
      return Decision.refuse("site " + name() + ": VM " + vm + " is already placed here");
    }
    if (!hasRoomFor(demand)) {
      return Decision.refuse("site " + name() + ": no room for " + vm + " (" + demand + " wanted, " + books.used() + " of "
          + environment.site().get().capacity() + " taken" + environment.quota().map(q -> ", quota " + q + " VMs").orElse("") + ")");
    }
    return Decision.accept(new SiteEvent.Reserved(new SiteBooks.Reservation(id, vm, demand, leaseUntil)));
  }

  public Decision decidePlace(String vm, Capacity demand, Optional<String> reservation) {
    if (!defined()) {
      return Decision.refuse("unknown site '" + name() + "'");
    }
    try {
      VmEndpoint.requireName("VM", vm);
    } catch (IllegalArgumentException e) {
      return Decision.refuse(e.getMessage());
    }
    if (books.placed().containsKey(vm)) {
      return Decision.accept(new SiteEvent.Placed(vm, books.placed().get(vm), reservation)); // idempotent
    }
    boolean reserved = reservation.map(books.reservations()::containsKey).orElse(false);
    if (!reserved && !hasRoomFor(demand)) {
      return Decision.refuse("site " + name() + ": no room for " + vm);
    }
    return Decision.accept(new SiteEvent.Placed(vm, demand, reservation.filter(books.reservations()::containsKey)));
  }

  /** Releasing a reservation the site does not hold is done already: no event. */
  public Optional<SiteEvent> decideRelease(String reservationId, String why) {
    return books.reservations().containsKey(reservationId) ? Optional.of(new SiteEvent.ReservationReleased(reservationId, why)) : Optional.empty();
  }

  /** Removing a VM the site does not hold is done already: no event. */
  public Optional<SiteEvent> decideRemove(String vm) {
    return books.placed().containsKey(vm) ? Optional.of(new SiteEvent.Removed(vm)) : Optional.empty();
  }

  /** The reservations whose lease ran out by {@code now}, as the events that release them. */
  public List<SiteEvent> decideExpiry(Instant now) {
    return books.expired(now).stream().map(r -> (SiteEvent) new SiteEvent.ReservationReleased(r.id(), "lease ran out at " + r.leaseUntil()))
        .toList();
  }

  // ------------------------------------------------------------------ events

  public SiteState apply(SiteEvent event) {
    if (event instanceof SiteEvent.Changed c) {
      long n = changes + 1;
      List<NumberedChange> r = new ArrayList<>(recent);
      r.add(new NumberedChange(n, c.change(), c.at()));
      if (r.size() > RECENT) {
        r = r.subList(r.size() - RECENT, r.size());
      }
      return new SiteState(environment.apply(c.change()), books, n, r);
    }
    SiteBooks next;
    if (event instanceof SiteEvent.Reserved r) {
      next = books.reserved(r.reservation());
    } else if (event instanceof SiteEvent.ReservationReleased r) {
      next = books.released(r.id());
    } else if (event instanceof SiteEvent.Placed p) {
      next = books.placed(p.vm(), p.capacity(), p.reservation());
    } else if (event instanceof SiteEvent.Removed r) {
      next = books.removed(r.vm());
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
    return new SiteState(environment, next, changes, recent);
  }
}
