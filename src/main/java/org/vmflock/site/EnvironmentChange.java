package org.vmflock.site;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.vmflock.CborSerializable;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;

/**
 * A change to a site's environment (A3), from the command line, the HTTP endpoint or a scenario's
 * timeline. {@link SiteEnvironment#decide} validates it against the site's state; accepted, it is
 * persisted as it is and published.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "change")
@JsonSubTypes({
  @JsonSubTypes.Type(value = EnvironmentChange.Define.class, name = "define"),
  @JsonSubTypes.Type(value = EnvironmentChange.Price.class, name = "price"),
  @JsonSubTypes.Type(value = EnvironmentChange.TransferPrice.class, name = "transfer-price"),
  @JsonSubTypes.Type(value = EnvironmentChange.CapacityChange.class, name = "capacity"),
  @JsonSubTypes.Type(value = EnvironmentChange.Speed.class, name = "speed"),
  @JsonSubTypes.Type(value = EnvironmentChange.Availability.class, name = "availability"),
  @JsonSubTypes.Type(value = EnvironmentChange.Quota.class, name = "quota"),
  @JsonSubTypes.Type(value = EnvironmentChange.LinkChange.class, name = "link")
})
public sealed interface EnvironmentChange extends CborSerializable {

  /** The whole site, as a scenario or an operator defines it; links to other sites. */
  record Define(Site site, List<SiteLink> links, Optional<Integer> quota) implements EnvironmentChange {
    public Define {
      links = List.copyOf(links);
    }

    /** {@code site} (one of {@code infra}'s, as given) with its links to the other sites of {@code infra}, no quota. */
    public static Define in(Infrastructure infra, Site site) {
      List<SiteLink> links = new java.util.ArrayList<>();
      for (Link l : infra.links()) {
        if (l.siteA().equals(site.name())) {
          links.add(new SiteLink(l.siteB(), l.path()));
        } else if (l.siteB().equals(site.name())) {
          links.add(new SiteLink(l.siteA(), l.path()));
        }
      }
      return new Define(site, links, Optional.empty());
    }
  }

  /**
   * The hosting price of one VM size from {@code from} on, or with size {@code *} of every size:
   * sizes priced on their own before take the new price too.
   */
  record Price(String size, Instant from, double pricePerVmHour) implements EnvironmentChange {}

  /** The price per GB sent to {@code to} (a site name, or {@code default}). */
  record TransferPrice(String to, double pricePerGb) implements EnvironmentChange {
    /** {@code to} for the price to every site not listed. */
    public static final String DEFAULT = "default";
  }

  record CapacityChange(Capacity capacity) implements EnvironmentChange {}

  record Speed(double cpuSpeed) implements EnvironmentChange {}

  /** When the site is available from now on (empty: always). */
  record Availability(List<AvailabilityWindow> windows) implements EnvironmentChange {
    public Availability {
      windows = List.copyOf(windows);
    }
  }

  /** How many VMs of ours the site accepts (a grid quota); empty: no quota. */
  record Quota(Optional<Integer> vms) implements EnvironmentChange {}

  /** The network path from this site to another. */
  record LinkChange(SiteLink link) implements EnvironmentChange {}

  /** A path from this site to {@code to}. */
  record SiteLink(String to, NetworkPath path) {}
}
