package org.vmflock.plan;

import java.util.Arrays;

/**
 * How many applications send traffic over each pair of sites, through each site's backbone and
 * through each site's uplink: a resource's bandwidth is shared between them. The planner counts the
 * others' applications; the one being evaluated adds itself.
 */
public final class LinkShare {

  private final int[][] apps;
  private final int[] backbone;
  private final int[] uplink;

  public LinkShare(int sites) {
    this.apps = new int[sites][sites];
    this.backbone = new int[sites];
    this.uplink = new int[sites];
  }

  public static LinkShare none(int sites) {
    return new LinkShare(sites);
  }

  /** Other applications on the path between {@code a} and {@code b}, either direction. */
  public int others(int a, int b) {
    return apps[Math.min(a, b)][Math.max(a, b)];
  }

  /** Other applications whose VMs at site {@code a} send or receive through its backbone. */
  public int backboneOthers(int a) {
    return backbone[a];
  }

  /** Other applications whose traffic leaves or enters site {@code a} through its uplink. */
  public int uplinkOthers(int a) {
    return uplink[a];
  }

  /** Counts (or with -1 uncounts) an application's layout on the paths, backbones and uplinks it uses. */
  public void add(TrafficLayout layout, int sign) {
    int n = layout.sites();
    for (int a = 0; a < n; a++) {
      boolean crosses = false;
      for (int b = 0; b < n; b++) {
        if (a != b && (layout.carries(a, b) || layout.carries(b, a))) {
          crosses = true;
          if (a < b) {
            apps[a][b] += sign;
          }
        }
      }
      if (crosses) {
        uplink[a] += sign;
      }
      if (crosses || layout.carries(a, a)) {
        backbone[a] += sign;
      }
    }
  }

  public LinkShare copy() {
    LinkShare c = new LinkShare(apps.length);
    for (int i = 0; i < apps.length; i++) {
      c.apps[i] = Arrays.copyOf(apps[i], apps[i].length);
    }
    System.arraycopy(backbone, 0, c.backbone, 0, backbone.length);
    System.arraycopy(uplink, 0, c.uplink, 0, uplink.length);
    return c;
  }
}
