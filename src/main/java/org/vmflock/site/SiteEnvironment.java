package org.vmflock.site;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.CborSerializable;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Limits;
import org.vmflock.model.NetworkPath;
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
 * One site's environment as its site actor holds it (A3): the site itself (capacity, speed, prices,
 * availability), its links, a quota, the VMs placed there, and the capacity reserved for incoming
 * migrations (each with a lease). Immutable; {@link #apply} is pure; the {@code decide...} methods
 * validate a command and say which event it gives, or why it is refused.
 */
public record SiteEnvironment(
    String name,
    Optional<Site> site,
    SortedMap<String, NetworkPath> links,
    Optional<Integer> quota,
    SortedMap<String, Capacity> placed,
    SortedMap<String, Reservation> reservations) implements CborSerializable {

  /** Room held at this site for a VM that is migrating in, until {@code leaseUntil} unless confirmed. */
  public record Reservation(String id, String vm, Capacity capacity, Instant leaseUntil) {}

  public SiteEnvironment {
    links = Collections.unmodifiableSortedMap(new TreeMap<>(links));
    placed = Collections.unmodifiableSortedMap(new TreeMap<>(placed));
    reservations = Collections.unmodifiableSortedMap(new TreeMap<>(reservations));
  }

  public static SiteEnvironment undefined(String name) {
    return new SiteEnvironment(name, Optional.empty(), new TreeMap<>(), Optional.empty(), new TreeMap<>(), new TreeMap<>());
  }

  public boolean defined() {
    return site.isPresent();
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

  /** Capacity left for one more VM of ours: the site's capacity and the quota. */
  public boolean hasRoomFor(Capacity demand) {
    Site s = site.orElseThrow();
    int vms = placed.size() + reservations.size();
    return s.capacity().holds(used().plus(demand)) && quota.map(q -> vms + demand.slots() <= q).orElse(true);
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
      return Decision.refuse("unknown site '" + name + "'");
    }
    String problem = validate(change, now);
    return problem.isEmpty() ? Decision.accept(new SiteEvent.Changed(change, now)) : Decision.refuse("site " + name + ": " + problem);
  }

  private String validate(EnvironmentChange change, Instant now) {
    try {
      if (change instanceof Define d) {
        if (!d.site().name().equals(name)) {
          return "a definition of site '" + d.site().name() + "' sent to site '" + name + "'";
        }
        for (EnvironmentChange.SiteLink l : d.links()) {
          if (l.to().equals(name)) {
            return "a link from the site to itself";
          }
        }
        d.quota().ifPresent(q -> {
          if (q < 0) {
            throw new IllegalArgumentException("a quota is not negative: " + q);
          }
        });
        return capacityProblem(d.site().capacity(), d.quota());
      }
      Site s = site.orElseThrow();
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
        return t.to().equals(name) ? "no transfer price to the site itself" : "";
      }
      if (change instanceof CapacityChange c) {
        return capacityProblem(c.capacity(), quota);
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
        return l.link().to().equals(name) ? "a link from the site to itself" : "";
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
    Capacity used = used();
    if (!capacity.holds(used)) {
      return "a capacity of " + capacity + " is below what is placed and reserved here (" + used + ")";
    }
    int vms = placed.size() + reservations.size();
    if (q.isPresent() && q.get() < vms) {
      return "a quota of " + q.get() + " VMs is below the " + vms + " VMs placed and reserved here";
    }
    return "";
  }

  public Decision decideReserve(String id, String vm, Capacity demand, Instant leaseUntil) {
    if (!defined()) {
      return Decision.refuse("unknown site '" + name + "'");
    }
    if (reservations.containsKey(id)) {
      return Decision.accept(new SiteEvent.Reserved(reservations.get(id))); // idempotent: the same reservation again
    }
    if (placed.containsKey(vm)) {
      return Decision.refuse("site " + name + ": VM " + vm + " is already placed here");
    }
    if (!hasRoomFor(demand)) {
      return Decision.refuse("site " + name + ": no room for " + vm + " (" + demand + " wanted, " + used() + " of "
          + site.get().capacity() + " taken" + quota.map(q -> ", quota " + q + " VMs").orElse("") + ")");
    }
    return Decision.accept(new SiteEvent.Reserved(new Reservation(id, vm, demand, leaseUntil)));
  }

  public Decision decidePlace(String vm, Capacity demand, Optional<String> reservation) {
    if (!defined()) {
      return Decision.refuse("unknown site '" + name + "'");
    }
    try {
      VmEndpoint.requireName("VM", vm);
    } catch (IllegalArgumentException e) {
      return Decision.refuse(e.getMessage());
    }
    if (placed.containsKey(vm)) {
      return Decision.accept(new SiteEvent.Placed(vm, placed.get(vm), reservation)); // idempotent
    }
    boolean reserved = reservation.map(reservations::containsKey).orElse(false);
    if (!reserved && !hasRoomFor(demand)) {
      return Decision.refuse("site " + name + ": no room for " + vm);
    }
    return Decision.accept(new SiteEvent.Placed(vm, demand, reservation.filter(reservations::containsKey)));
  }

  // ------------------------------------------------------------------ events

  public SiteEnvironment apply(SiteEvent event) {
    if (event instanceof SiteEvent.Changed c) {
      return applyChange(c.change(), c.at());
    }
    if (event instanceof SiteEvent.Reserved r) {
      TreeMap<String, Reservation> next = new TreeMap<>(reservations);
      next.put(r.reservation().id(), r.reservation());
      return new SiteEnvironment(name, site, links, quota, placed, next);
    }
    if (event instanceof SiteEvent.ReservationReleased r) {
      TreeMap<String, Reservation> next = new TreeMap<>(reservations);
      next.remove(r.id());
      return new SiteEnvironment(name, site, links, quota, placed, next);
    }
    if (event instanceof SiteEvent.Placed p) {
      TreeMap<String, Capacity> nextPlaced = new TreeMap<>(placed);
      nextPlaced.put(p.vm(), p.capacity());
      TreeMap<String, Reservation> nextReserved = new TreeMap<>(reservations);
      p.reservation().ifPresent(nextReserved::remove);
      return new SiteEnvironment(name, site, links, quota, nextPlaced, nextReserved);
    }
    if (event instanceof SiteEvent.Removed r) {
      TreeMap<String, Capacity> nextPlaced = new TreeMap<>(placed);
      nextPlaced.remove(r.vm());
      return new SiteEnvironment(name, site, links, quota, nextPlaced, reservations);
    }
    throw new IllegalArgumentException("unknown event " + event);
  }

  private SiteEnvironment applyChange(EnvironmentChange change, Instant at) {
    if (change instanceof Define d) {
      TreeMap<String, NetworkPath> l = new TreeMap<>();
      d.links().forEach(x -> l.put(x.to(), x.path()));
      return new SiteEnvironment(name, Optional.of(d.site()), l, d.quota(), placed, reservations);
    }
    Site s = site.orElseThrow();
    Site next = s;
    SortedMap<String, NetworkPath> nextLinks = links;
    Optional<Integer> nextQuota = quota;
    if (change instanceof Price p) {
      next = s.withHosting(s.hosting().withPrice(p.size(), p.from(), p.pricePerVmHour()));
    } else if (change instanceof TransferPrice t) {
      Map<String, Double> to = new TreeMap<>(s.transferPricePerGbTo());
      double dflt = s.transferPricePerGb();
      if (t.to().equals("default")) {
        dflt = t.pricePerGb();
      } else {
        to.put(t.to(), t.pricePerGb());
      }
      next = new Site(s.name(), s.capacity(), s.cpuSpeed(), s.hosting(), dflt, to, s.internal(), s.availability());
    } else if (change instanceof CapacityChange c) {
      next = s.withCapacity(c.capacity());
    } else if (change instanceof Speed sp) {
      next = new Site(s.name(), s.capacity(), sp.cpuSpeed(), s.hosting(), s.transferPricePerGb(), s.transferPricePerGbTo(), s.internal(),
          s.availability());
    } else if (change instanceof Availability a) {
      next = s.withAvailability(a.windows());
    } else if (change instanceof Quota q) {
      nextQuota = q.vms();
    } else if (change instanceof LinkChange l) {
      TreeMap<String, NetworkPath> m = new TreeMap<>(links);
      m.put(l.link().to(), l.link().path());
      nextLinks = m;
    }
    return new SiteEnvironment(name, Optional.of(next), nextLinks, nextQuota, placed, reservations);
  }

  /** Reservations whose lease ran out by {@code now}. */
  public List<Reservation> expired(Instant now) {
    return reservations.values().stream().filter(r -> !r.leaseUntil().isAfter(now)).toList();
  }

}
