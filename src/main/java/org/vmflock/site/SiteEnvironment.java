package org.vmflock.site;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.CborSerializable;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange.Availability;
import org.vmflock.site.EnvironmentChange.CapacityChange;
import org.vmflock.site.EnvironmentChange.Define;
import org.vmflock.site.EnvironmentChange.LinkChange;
import org.vmflock.site.EnvironmentChange.Price;
import org.vmflock.site.EnvironmentChange.Quota;
import org.vmflock.site.EnvironmentChange.Speed;
import org.vmflock.site.EnvironmentChange.TransferPrice;

/**
 * One site's environment (A3): the site itself (capacity, speed, prices, availability), its links
 * to other sites, and a quota of our VMs. What is placed or reserved there is not its environment
 * but its {@link SiteBooks}. Immutable; {@link #apply} is pure and applies a change that was
 * validated before ({@link SiteState#decide}).
 */
public record SiteEnvironment(String name, Optional<Site> site, SortedMap<String, NetworkPath> links, Optional<Integer> quota)
    implements CborSerializable {

  public SiteEnvironment {
    links = Collections.unmodifiableSortedMap(new TreeMap<>(links));
  }

  public static SiteEnvironment undefined(String name) {
    return new SiteEnvironment(name, Optional.empty(), new TreeMap<>(), Optional.empty());
  }

  public boolean defined() {
    return site.isPresent();
  }

  /** The environment after {@code change} (accepted before); {@code at} is when it happened. */
  public SiteEnvironment apply(EnvironmentChange change) {
    if (change instanceof Define d) {
      TreeMap<String, NetworkPath> l = new TreeMap<>();
      d.links().forEach(x -> l.put(x.to(), x.path()));
      return new SiteEnvironment(name, Optional.of(d.site()), l, d.quota());
    }
    Site s = site.orElseThrow(() -> new IllegalStateException("site " + name + " is not defined"));
    Site next = s;
    SortedMap<String, NetworkPath> nextLinks = links;
    Optional<Integer> nextQuota = quota;
    if (change instanceof Price p) {
      next = s.withHosting(s.hosting().withPrice(p.size(), p.from(), p.pricePerVmHour()));
    } else if (change instanceof TransferPrice t) {
      Map<String, Double> to = new TreeMap<>(s.transferPricePerGbTo());
      double dflt = s.transferPricePerGb();
      if (t.to().equals(TransferPrice.DEFAULT)) {
        dflt = t.pricePerGb();
      } else {
        to.put(t.to(), t.pricePerGb());
      }
      next = s.withTransferPrices(dflt, to);
    } else if (change instanceof CapacityChange c) {
      next = s.withCapacity(c.capacity());
    } else if (change instanceof Speed sp) {
      next = s.withCpuSpeed(sp.cpuSpeed());
    } else if (change instanceof Availability a) {
      next = s.withAvailability(a.windows());
    } else if (change instanceof Quota q) {
      nextQuota = q.vms();
    } else if (change instanceof LinkChange l) {
      TreeMap<String, NetworkPath> m = new TreeMap<>(links);
      m.put(l.link().to(), l.link().path());
      nextLinks = m;
    }
    return new SiteEnvironment(name, Optional.of(next), nextLinks, nextQuota);
  }

  /**
   * The same environment with the hosting prices that ended before {@code since} left out (the
   * price in force at {@code since} is kept): what a reader that counts costs from {@code since} on
   * needs, bounded however long the site's price history grew.
   */
  public SiteEnvironment pricesFrom(Instant since) {
    return site.map(s -> new SiteEnvironment(name, Optional.of(s.withHosting(s.hosting().from(since))), links, quota)).orElse(this);
  }

  /** Whether the site is the same apart from its price history before {@code since}. */
  public boolean sameFrom(SiteEnvironment other, Instant since) {
    return other != null && pricesFrom(since).equals(other.pricesFrom(since));
  }
}
