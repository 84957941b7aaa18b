package org.vmflock.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The sites of the federation and the network paths between them. */
public final class Infrastructure {

  private final List<Site> sites;
  private final Map<String, Site> byName = new LinkedHashMap<>();
  private final Map<String, NetworkPath> paths = new java.util.HashMap<>();
  private final List<Link> links;
  private final Optional<NetworkPath> defaultLink;
  private final Map<String, Integer> index = new java.util.HashMap<>();
  private NetworkPath[][] pathByIndex;
  private double[][] transferByIndex;

  /**
   * @param defaultLink the path between two sites that no link names; without one, every pair of
   *     sites needs a link
   */
  public Infrastructure(List<Site> sites, List<Link> links, Optional<NetworkPath> defaultLink) {
    this.sites = List.copyOf(sites);
    this.links = List.copyOf(links);
    this.defaultLink = defaultLink;
    for (Site s : this.sites) {
      if (byName.putIfAbsent(s.name(), s) != null) {
        throw new IllegalArgumentException("site '" + s.name() + "' is listed twice");
      }
      index.put(s.name(), index.size());
    }
    for (Link l : this.links) {
      for (String end : List.of(l.siteA(), l.siteB())) {
        if (!byName.containsKey(end)) {
          throw new IllegalArgumentException("link " + l.siteA() + "-" + l.siteB() + ": unknown site '" + end + "'");
        }
      }
      if (paths.putIfAbsent(key(l.siteA(), l.siteB()), l.path()) != null) {
        throw new IllegalArgumentException("two links between " + l.siteA() + " and " + l.siteB());
      }
    }
    if (defaultLink.isEmpty()) {
      for (Site a : this.sites) {
        for (Site b : this.sites) {
          if (a.name().compareTo(b.name()) < 0 && !paths.containsKey(key(a.name(), b.name()))) {
            throw new IllegalArgumentException("no link between " + a.name() + " and " + b.name() + " (and no default link)");
          }
        }
      }
    }
  }

  private static String key(String a, String b) {
    return a.compareTo(b) < 0 ? a + "\u0000" + b : b + "\u0000" + a;
  }

  public List<Site> sites() {
    return sites;
  }

  public List<Link> links() {
    return links;
  }

  public Optional<NetworkPath> defaultLink() {
    return defaultLink;
  }

  public Optional<Site> site(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public Site require(String name) {
    return sites.get(indexOf(name));
  }

  /** The path from {@code a} to {@code b}: the site's own network when they are the same. */
  public NetworkPath path(String a, String b) {
    if (a.equals(b)) {
      return require(a).internal();
    }
    NetworkPath p = paths.get(key(a, b));
    return p != null ? p : defaultLink.orElseThrow(() -> new IllegalArgumentException("no link between " + a + " and " + b));
  }

  /** The position of {@code site} in {@link #sites()}. */
  public int indexOf(String site) {
    Integer i = index.get(site);
    if (i == null) {
      throw new IllegalArgumentException("unknown site '" + site + "'");
    }
    return i;
  }

  /** The path between the sites at positions {@code a} and {@code b} of {@link #sites()} (for hot loops). */
  public NetworkPath path(int a, int b) {
    if (pathByIndex == null) { // from the links by position: no name looked up per pair (infrastructures are made often)
      int n = sites.size();
      NetworkPath[][] m = new NetworkPath[n][n];
      for (Link l : links) {
        int i = index.get(l.siteA());
        int j = index.get(l.siteB());
        m[i][j] = l.path();
        m[j][i] = l.path();
      }
      for (int i = 0; i < n; i++) {
        m[i][i] = sites.get(i).internal();
        for (int j = 0; j < n; j++) {
          if (m[i][j] == null) {
            int x = i;
            int y = j;
            m[i][j] = defaultLink.orElseThrow(() -> new IllegalArgumentException("no link between " + sites.get(x).name() + " and "
                + sites.get(y).name()));
          }
        }
      }
      pathByIndex = m;
    }
    return pathByIndex[a][b];
  }

  /** The price per GB sent from the site at position {@code a} to the one at {@code b}. */
  public double transferPricePerGb(int a, int b) {
    if (transferByIndex == null) {
      double[][] m = new double[sites.size()][sites.size()];
      for (int i = 0; i < m.length; i++) {
        for (int j = 0; j < m.length; j++) {
          m[i][j] = sites.get(i).transferPricePerGbTo(sites.get(j).name());
        }
      }
      transferByIndex = m;
    }
    return transferByIndex[a][b];
  }

  /** The same infrastructure with {@code link} added, or replacing the link between the same two sites. */
  public Infrastructure with(Link link) {
    require(link.siteA());
    require(link.siteB());
    List<Link> next = new java.util.ArrayList<>();
    for (Link l : links) {
      boolean same = (l.siteA().equals(link.siteA()) && l.siteB().equals(link.siteB()))
          || (l.siteA().equals(link.siteB()) && l.siteB().equals(link.siteA()));
      if (!same) {
        next.add(l);
      }
    }
    next.add(link);
    return new Infrastructure(sites, next, defaultLink);
  }

  /** The same infrastructure with {@code site} replaced (same name). */
  public Infrastructure with(Site site) {
    require(site.name());
    return new Infrastructure(sites.stream().map(s -> s.name().equals(site.name()) ? site : s).toList(), links, defaultLink);
  }
}
