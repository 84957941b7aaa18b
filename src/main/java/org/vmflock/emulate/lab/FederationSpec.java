package org.vmflock.emulate.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.vmflock.model.IpAddress;

/**
 * The federation to emulate: its sites, the WAN links between them, the subnet its VMs get
 * addresses from, and how the forwarders keep time. VMs are added to the running federation
 * ({@link EmulatedFederation#addVm}). Two sites exchange frames only when they are linked: link
 * every pair that should talk ({@link Builder#linkAll}).
 */
public record FederationSpec(List<String> sites, List<Link> links, Subnet subnet, ForwarderTiming timing, Overlay overlay) {

  /**
   * How the VMs of different sites share a LAN.
   *
   * <ul>
   *   <li>{@link #FLAT}: every VM on its site's bridge; the sites' bridges, joined by the WAN links,
   *       are one L2 domain whose bridges learn where each MAC is from the frames they see.
   *   <li>{@link #VXLAN}: one VXLAN segment per virtual cluster (VNI 1 for the first cluster named,
   *       2 for the next...), a bridge and a VTEP per cluster on every site, the VTEP at the site's
   *       own address; the encapsulated frames cross the WAN links (their delay, rate and counters).
   *       Nothing learns: the lab writes every site's forwarding entries (static FDB entries) and
   *       rewrites them when a VM moves ({@link EmulatedFederation#updateForwarding}).
   * </ul>
   */
  public enum Overlay { FLAT, VXLAN }

  /** A federation with the {@link Overlay#FLAT} LAN. */
  public FederationSpec(List<String> sites, List<Link> links, Subnet subnet, ForwarderTiming timing) {
    this(sites, links, subnet, timing, Overlay.FLAT);
  }

  /** The most sites a federation holds (interface names carry site numbers). */
  public static final int MAX_SITES = 999;

  /** A link between two sites (in the order given). */
  public record Link(String siteA, String siteB, WanLinkSpec spec) {}

  /**
   * The one IPv4 subnet of the whole federation (one L2 domain): VM number n gets the subnet's
   * n-th address and MAC {@code 02:00:} + that address's four bytes; site number i (0-based) gets
   * its last but i for its own host on the bridge.
   */
  public record Subnet(int network, int prefixLength) {

    public static final Subnet DEFAULT = parse("10.77.0.0/16");

    public Subnet {
      if (prefixLength < 8 || prefixLength > 30) {
        throw new IllegalArgumentException("a subnet's prefix length is 8 to 30: " + prefixLength);
      }
      if ((network & ~mask(prefixLength)) != 0) {
        throw new IllegalArgumentException("host bits set in subnet " + text(network) + "/" + prefixLength);
      }
    }

    /** {@code 10.77.0.0/16}. */
    public static Subnet parse(String cidr) {
      int slash = cidr.indexOf('/');
      if (slash < 0) {
        throw new IllegalArgumentException("a subnet is a.b.c.d/len: " + cidr);
      }
      IpAddress address = IpAddress.parse(cidr.substring(0, slash));
      if (!address.isIpv4()) {
        throw new IllegalArgumentException("the federation's subnet is IPv4: " + cidr);
      }
      return new Subnet((int) address.low(), Integer.parseInt(cidr.substring(slash + 1)));
    }

    /** How many VMs fit (network and broadcast addresses excluded). */
    public int capacity() {
      return (int) Math.min(Integer.MAX_VALUE, (1L << (32 - prefixLength)) - 2);
    }

    /** The address of VM number {@code n} (1-based). */
    public IpAddress address(int n) {
      if (n < 1 || n > capacity()) {
        throw new IllegalArgumentException("subnet " + this + " holds VMs 1 to " + capacity() + ", not " + n);
      }
      return IpAddress.ofIpv4(network + n);
    }

    private static int mask(int prefixLength) {
      return (int) (0xFFFF_FFFFL << (32 - prefixLength));
    }

    private static String text(int address) {
      return IpAddress.ofIpv4(address).toString();
    }

    @Override
    public String toString() {
      return text(network) + "/" + prefixLength;
    }
  }

  public FederationSpec {
    sites = List.copyOf(sites);
    links = List.copyOf(links);
    Objects.requireNonNull(subnet, "subnet");
    Objects.requireNonNull(timing, "timing");
    Objects.requireNonNull(overlay, "overlay");
    if (sites.isEmpty() || sites.size() > MAX_SITES) {
      throw new IllegalArgumentException("a federation has 1 to " + MAX_SITES + " sites: " + sites.size());
    }
    Set<String> names = new LinkedHashSet<>();
    for (String site : sites) {
      if (!names.add(LabNames.checkElementName("site", site))) {
        throw new IllegalArgumentException("site " + site + " is named twice");
      }
    }
    Set<String> pairs = new LinkedHashSet<>();
    for (Link link : links) {
      for (String end : List.of(link.siteA(), link.siteB())) {
        if (!names.contains(end)) {
          throw new IllegalArgumentException("link " + link.siteA() + "-" + link.siteB() + " names an unknown site " + end);
        }
      }
      if (link.siteA().equals(link.siteB())) {
        throw new IllegalArgumentException("a link joins two different sites, not " + link.siteA() + " to itself");
      }
      String a = link.siteA().compareTo(link.siteB()) < 0 ? link.siteA() : link.siteB();
      String b = a.equals(link.siteA()) ? link.siteB() : link.siteA();
      if (!pairs.add(a + "\n" + b)) {
        throw new IllegalArgumentException("sites " + a + " and " + b + " are linked twice");
      }
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects sites and links; {@link #build()} checks them. */
  public static final class Builder {
    private final List<String> sites = new ArrayList<>();
    private final Map<String, Link> links = new LinkedHashMap<>();
    private Subnet subnet = Subnet.DEFAULT;
    private ForwarderTiming timing = ForwarderTiming.DEFAULT;
    private Overlay overlay = Overlay.FLAT;

    public Builder site(String name) {
      sites.add(name);
      return this;
    }

    public Builder link(String siteA, String siteB, WanLinkSpec spec) {
      links.put(key(siteA, siteB), new Link(siteA, siteB, spec));
      return this;
    }

    /** Links every pair of the sites named so far that is not linked yet. */
    public Builder linkAll(WanLinkSpec spec) {
      for (int i = 0; i < sites.size(); i++) {
        for (int j = i + 1; j < sites.size(); j++) {
          links.putIfAbsent(key(sites.get(i), sites.get(j)), new Link(sites.get(i), sites.get(j), spec));
        }
      }
      return this;
    }

    public Builder subnet(Subnet s) {
      subnet = s;
      return this;
    }

    public Builder timing(ForwarderTiming t) {
      timing = t;
      return this;
    }

    /** {@link Overlay#FLAT} unless told. */
    public Builder overlay(Overlay o) {
      overlay = o;
      return this;
    }

    public FederationSpec build() {
      return new FederationSpec(sites, List.copyOf(links.values()), subnet, timing, overlay);
    }

    private static String key(String a, String b) {
      return a.compareTo(b) < 0 ? a + "\n" + b : b + "\n" + a;
    }
  }
}
