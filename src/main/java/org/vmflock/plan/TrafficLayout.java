package org.vmflock.plan;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;

/**
 * An application's traffic laid over the sites of a placement: the bytes each site sends each site
 * per work second, and how many of the application's VMs each site runs. It can follow single VM
 * moves incrementally, which is what the planner's search does thousands of times.
 */
public final class TrafficLayout {

  private final List<Site> sites;
  private final Map<String, Integer> siteIndex;
  private final double[][] traffic; // VM x VM bytes per work second
  private final int[] siteOfVm; // -1: not placed
  private final double[][] bytes; // site x site
  private final double[][] vmToSite; // what each VM sends to each site
  private final double[][] siteToVm; // what each site sends to each VM
  private final int[] vmsAt;

  private TrafficLayout(List<Site> sites, Map<String, Integer> siteIndex, double[][] traffic, int[] siteOfVm) {
    this.sites = sites;
    this.siteIndex = siteIndex;
    this.traffic = traffic;
    int n = traffic.length;
    int s = sites.size();
    this.siteOfVm = siteOfVm.clone();
    this.bytes = new double[s][s];
    this.vmToSite = new double[n][s];
    this.siteToVm = new double[n][s];
    this.vmsAt = new int[s];
    for (int v = 0; v < n; v++) {
      if (this.siteOfVm[v] >= 0) {
        vmsAt[this.siteOfVm[v]]++;
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double t = traffic[i][j];
        if (t == 0 || this.siteOfVm[i] < 0 || this.siteOfVm[j] < 0) {
          continue;
        }
        bytes[this.siteOfVm[i]][this.siteOfVm[j]] += t;
        vmToSite[i][this.siteOfVm[j]] += t;
        siteToVm[j][this.siteOfVm[i]] += t;
      }
    }
  }

  /** The layout of {@code app}'s traffic over {@code placement} (VMs it does not place are left out). */
  public static TrafficLayout of(Application app, Placement placement, Infrastructure infra) {
    List<Site> sites = infra.sites();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < sites.size(); i++) {
      index.put(sites.get(i).name(), i);
    }
    List<String> vms = app.vmNames();
    TrafficMatrix m = app.workload().trafficPerWork().reorder(vms);
    double[][] t = new double[vms.size()][vms.size()];
    for (int i = 0; i < vms.size(); i++) {
      for (int j = 0; j < vms.size(); j++) {
        t[i][j] = i == j ? 0 : m.bytes(i, j);
      }
    }
    int[] at = new int[vms.size()];
    for (int v = 0; v < vms.size(); v++) {
      at[v] = placement.siteOf(vms.get(v)).map(site -> {
        Integer k = index.get(site);
        if (k == null) {
          throw new IllegalArgumentException("VM placed on unknown site '" + site + "'");
        }
        return k;
      }).orElse(-1);
    }
    return new TrafficLayout(sites, index, t, at);
  }

  public TrafficLayout copy() {
    return new TrafficLayout(sites, siteIndex, traffic, siteOfVm);
  }

  public int sites() {
    return sites.size();
  }

  public Site site(int i) {
    return sites.get(i);
  }

  public int indexOf(String site) {
    Integer i = siteIndex.get(site);
    if (i == null) {
      throw new IllegalArgumentException("unknown site '" + site + "'");
    }
    return i;
  }

  public int vms() {
    return siteOfVm.length;
  }

  public int siteOf(int vm) {
    return siteOfVm[vm];
  }

  public int vmsAt(int site) {
    return vmsAt[site];
  }

  /** Bytes per work second from site {@code a} to site {@code b} ({@code a == b}: inside the site). */
  public double bytes(int a, int b) {
    return bytes[a][b];
  }

  /** Below this many bytes per work second, a path carries nothing (sums of moves leave rounding dust). */
  public static final double NEGLIGIBLE_BYTES = 1e-3;

  /** Whether the application sends anything from site {@code a} to site {@code b}. */
  public boolean carries(int a, int b) {
    return bytes[a][b] > NEGLIGIBLE_BYTES;
  }

  /** Bytes per work second that cross between different sites. */
  public double interSiteBytes() {
    double total = 0;
    for (int a = 0; a < bytes.length; a++) {
      for (int b = 0; b < bytes.length; b++) {
        if (a != b) {
          total += bytes[a][b];
        }
      }
    }
    return total;
  }

  /** Moves one VM (placed or not) to {@code site}, updating every sum in O(VMs + sites). */
  public void move(int vm, int site) {
    int from = siteOfVm[vm];
    if (from == site) {
      return;
    }
    int s = sites.size();
    if (from >= 0) {
      for (int x = 0; x < s; x++) {
        bytes[from][x] -= vmToSite[vm][x];
        bytes[x][from] -= siteToVm[vm][x];
      }
      vmsAt[from]--;
    }
    for (int j = 0; j < traffic.length; j++) {
      if (j == vm) {
        continue;
      }
      double out = traffic[vm][j];
      double in = traffic[j][vm];
      if (from >= 0) {
        vmToSite[j][from] -= in;
        siteToVm[j][from] -= out;
      }
      vmToSite[j][site] += in;
      siteToVm[j][site] += out;
    }
    siteOfVm[vm] = site;
    vmsAt[site]++;
    for (int x = 0; x < s; x++) {
      bytes[site][x] += vmToSite[vm][x];
      bytes[x][site] += siteToVm[vm][x];
    }
  }

  int[] assignment() {
    return siteOfVm.clone();
  }

  @Override
  public String toString() {
    return "TrafficLayout" + Arrays.toString(siteOfVm);
  }
}
