package org.vmflock.model;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A site of the federation (a grid site, a cloud region): what it can host, how fast its CPUs are
 * (relative to a reference), what hosting costs there over time, what sending data to each other
 * site costs, its own network, and when it is available (empty: always).
 *
 * @param internal a host's own link: the one-way latency between two VMs of the site and each VM's
 *     network interface's bandwidth
 * @param fabric what the hosts' links hang on: the site's switch and its uplink to other sites
 *     (absent in older journals: {@link SiteFabric#NON_BLOCKING})
 * @param transferPricePerGb price per GB (10^9 bytes) sent from this site to a site not listed in
 *     {@code transferPricePerGbTo}
 */
public record Site(
    String name,
    Capacity capacity,
    double cpuSpeed,
    PriceSchedule hosting,
    double transferPricePerGb,
    Map<String, Double> transferPricePerGbTo,
    NetworkPath internal,
    List<AvailabilityWindow> availability,
    SiteFabric fabric) {

  public Site {
    if (fabric == null) {
      fabric = SiteFabric.NON_BLOCKING;
    }
    VmEndpoint.requireName("site", name);
    if (!Limits.CPU_SPEED.contains(cpuSpeed)) {
      throw new IllegalArgumentException("site " + name + ": " + Limits.CPU_SPEED.problem(cpuSpeed));
    }
    if (!Limits.PRICE_PER_GB.contains(transferPricePerGb)) {
      throw new IllegalArgumentException("site " + name + ": transfer price: " + Limits.PRICE_PER_GB.problem(transferPricePerGb));
    }
    transferPricePerGbTo.forEach((to, p) -> {
      if (!Limits.PRICE_PER_GB.contains(p)) {
        throw new IllegalArgumentException("site " + name + ": transfer price to " + to + ": " + Limits.PRICE_PER_GB.problem(p));
      }
    });
    transferPricePerGbTo = java.util.Collections.unmodifiableMap(new TreeMap<>(transferPricePerGbTo));
    availability = availability.stream().sorted(Comparator.comparing(AvailabilityWindow::from)).toList();
  }

  /** A site whose hosts' links hang on a non-blocking switch with an uplink that is no bottleneck. */
  public Site(String name, Capacity capacity, double cpuSpeed, PriceSchedule hosting, double transferPricePerGb,
      Map<String, Double> transferPricePerGbTo, NetworkPath internal, List<AvailabilityWindow> availability) {
    this(name, capacity, cpuSpeed, hosting, transferPricePerGb, transferPricePerGbTo, internal, availability, SiteFabric.NON_BLOCKING);
  }

  public double transferPricePerGbTo(String site) {
    return site.equals(name) ? 0 : transferPricePerGbTo.getOrDefault(site, transferPricePerGb);
  }

  public boolean availableAt(Instant t) {
    return availability.isEmpty() || availability.stream().anyMatch(w -> w.contains(t));
  }

  /**
   * Until when the site stays available from {@code t} on (windows that touch are one): empty when
   * it is not available at {@code t}, {@link Instant#MAX} when it always is.
   */
  public Optional<Instant> availableUntil(Instant t) {
    if (availability.isEmpty()) {
      return Optional.of(Instant.MAX);
    }
    Instant until = null;
    for (AvailabilityWindow w : availability) {
      if (until == null ? w.contains(t) : !w.from().isAfter(until) && w.until().isAfter(until)) {
        until = w.until();
      }
    }
    return Optional.ofNullable(until);
  }

  /** The next instant at or after {@code t} when the site is available, if any. */
  public Optional<Instant> nextAvailable(Instant t) {
    if (availableAt(t)) {
      return Optional.of(t);
    }
    return availability.stream().map(AvailabilityWindow::from).filter(f -> f.isAfter(t)).findFirst();
  }

  public Site withHosting(PriceSchedule schedule) {
    return new Site(name, capacity, cpuSpeed, schedule, transferPricePerGb, transferPricePerGbTo, internal, availability, fabric);
  }

  public Site withCapacity(Capacity c) {
    return new Site(name, c, cpuSpeed, hosting, transferPricePerGb, transferPricePerGbTo, internal, availability, fabric);
  }

  public Site withCpuSpeed(double speed) {
    return new Site(name, capacity, speed, hosting, transferPricePerGb, transferPricePerGbTo, internal, availability, fabric);
  }

  /** The same site with these transfer prices: {@code perGb} to any site not in {@code perGbTo}. */
  public Site withTransferPrices(double perGb, Map<String, Double> perGbTo) {
    return new Site(name, capacity, cpuSpeed, hosting, perGb, perGbTo, internal, availability, fabric);
  }

  public Site withFabric(SiteFabric f) {
    return new Site(name, capacity, cpuSpeed, hosting, transferPricePerGb, transferPricePerGbTo, internal, availability, f);
  }

  public Site withAvailability(List<AvailabilityWindow> windows) {
    return new Site(name, capacity, cpuSpeed, hosting, transferPricePerGb, transferPricePerGbTo, internal, windows, fabric);
  }
}
