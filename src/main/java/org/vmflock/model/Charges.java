package org.vmflock.model;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * What running an application costs (P2), one formula each, used by the manager's knowledge (what
 * it believes was spent) and by the simulator's platform (what was really spent): hosting a VM for
 * a while at its site's price schedule, sending the application's traffic between sites, and a
 * migration's bytes and the destination's hosting while it copied.
 */
public final class Charges {

  private static final double BYTES_PER_GB = 1e9;
  private static final double NANOS = 1e9;

  private Charges() {}

  /** Hosting one VM of {@code size} at {@code site} from {@code from} to {@code to} (nothing if the site does not price the size). */
  public static double hosting(Site site, String size, Instant from, Instant to) {
    return site.hosting().prices(size) ? site.hosting().cost(size, from, to) : 0;
  }

  /** Inter-site traffic: bytes that crossed between sites, and what they cost. */
  public record Transfer(double bytes, double cost) {
    public static final Transfer NONE = new Transfer(0, 0);
  }

  /**
   * The traffic {@code perWork} (per work second) over {@code work} work seconds, its VMs at the
   * sites {@code siteOf} names (in the matrix's order; null where not placed): the bytes sent
   * between different sites, each at the sending site's transfer price to the receiving one.
   */
  public static Transfer transfer(TrafficMatrix perWork, double work, String[] siteOf, Function<String, Optional<Site>> sites) {
    return transfer(perWork, work, siteOf, sites, Transfer.NONE);
  }

  /** {@code sofar} plus the traffic of {@link #transfer(TrafficMatrix, double, String[], Function)}, added pair by pair. */
  public static Transfer transfer(TrafficMatrix perWork, double work, String[] siteOf, Function<String, Optional<Site>> sites, Transfer sofar) {
    if (!(work > 0)) {
      return sofar;
    }
    double bytes = sofar.bytes();
    double cost = sofar.cost();
    for (int i = 0; i < siteOf.length; i++) {
      Optional<Site> from = siteOf[i] == null ? Optional.empty() : sites.apply(siteOf[i]);
      for (int j = 0; j < siteOf.length && from.isPresent(); j++) {
        String to = siteOf[j];
        if (to != null && perWork.bytes(i, j) > 0 && !to.equals(siteOf[i])) {
          double b = perWork.bytes(i, j) * work;
          bytes += b;
          cost += b / BYTES_PER_GB * from.get().transferPricePerGbTo(to);
        }
      }
    }
    return new Transfer(bytes, cost);
  }

  /** The bytes a migration moved, at the source's transfer price to the destination. */
  public static double migrationTransfer(double bytesMoved, Site from, String to) {
    return bytesMoved / BYTES_PER_GB * from.transferPricePerGbTo(to);
  }

  /** The destination's hosting of the VM while it was copied: the {@code seconds} up to {@code end}. */
  public static double hostingDuringCopy(Site to, String size, double seconds, Instant end) {
    return hosting(to, size, end.minusNanos((long) (seconds * NANOS)), end);
  }
}
