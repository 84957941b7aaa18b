package org.vmflock.plan;

import java.util.Arrays;

/**
 * How many applications send traffic over each pair of sites: a link's bandwidth is shared between
 * them. The planner counts the others' applications; the one being evaluated adds itself.
 */
public final class LinkShare {

  private final int[][] apps;

  public LinkShare(int sites) {
    this.apps = new int[sites][sites];
  }

  public static LinkShare none(int sites) {
    return new LinkShare(sites);
  }

  /** Other applications on the path between {@code a} and {@code b}, either direction. */
  public int others(int a, int b) {
    return apps[Math.min(a, b)][Math.max(a, b)];
  }

  /** Counts (or with -1 uncounts) an application's layout on the paths it uses between sites. */
  public void add(TrafficLayout layout, int sign) {
    for (int a = 0; a < layout.sites(); a++) {
      for (int b = a + 1; b < layout.sites(); b++) {
        if (layout.carries(a, b) || layout.carries(b, a)) {
          apps[a][b] += sign;
        }
      }
    }
  }

  public LinkShare copy() {
    LinkShare c = new LinkShare(apps.length);
    for (int i = 0; i < apps.length; i++) {
      c.apps[i] = Arrays.copyOf(apps[i], apps[i].length);
    }
    return c;
  }
}
