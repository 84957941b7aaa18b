package org.vmflock.model;

/**
 * What a site's network holds behind its hosts' own links, as SimGrid's cluster zones model a cluster
 * (https://simgrid.org/doc/latest/Platform_examples.html, "cluster zones"): every host has its own link
 * (the site's {@link Site#internal()} bandwidth: the node's network interface), the hosts hang on a
 * switch, the backbone, which every message to or from one of them crosses, and the site reaches the
 * paths to other sites through its uplink, one capacity in each direction shared by every message
 * that leaves or enters the site. A figure of 0 is a part that is not a bottleneck: a non-blocking
 * switch, an uplink at least as fast as anything behind it.
 *
 * @param backboneBytesPerSecond the switch's capacity, bytes per second (0: non-blocking)
 * @param uplinkBytesPerSecond the uplink's capacity in each direction, bytes per second (0: not a bottleneck)
 */
public record SiteFabric(double backboneBytesPerSecond, double uplinkBytesPerSecond) {

  /** A switch that never blocks and an uplink no slower than the paths: only the hosts' own links and the paths limit. */
  public static final SiteFabric NON_BLOCKING = new SiteFabric(0, 0);

  public SiteFabric {
    check("backbone", backboneBytesPerSecond);
    check("uplink", uplinkBytesPerSecond);
  }

  private static void check(String what, double bytesPerSecond) {
    if (!(bytesPerSecond >= 0) || Double.isInfinite(bytesPerSecond)) {
      throw new IllegalArgumentException(what + " bandwidth must be positive and finite (or 0: not a bottleneck), not " + bytesPerSecond);
    }
  }

  public boolean limitsBackbone() {
    return backboneBytesPerSecond > 0;
  }

  public boolean limitsUplink() {
    return uplinkBytesPerSecond > 0;
  }

  /** The backbone's capacity, infinite when it does not block. */
  public double backbone() {
    return limitsBackbone() ? backboneBytesPerSecond : Double.POSITIVE_INFINITY;
  }

  /** The uplink's capacity in each direction, infinite when it is not a bottleneck. */
  public double uplink() {
    return limitsUplink() ? uplinkBytesPerSecond : Double.POSITIVE_INFINITY;
  }
}
