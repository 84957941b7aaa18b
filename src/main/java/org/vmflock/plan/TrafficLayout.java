package org.vmflock.plan;

import java.util.Arrays;
import java.util.List;
import org.vmflock.model.Application;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;

/**
 * An application's traffic laid over the sites of a placement: the bytes each site sends each site
 * per work second, and how many of the application's VMs each site runs. It follows single VM
 * moves incrementally, which is what the planner's search does thousands of times; sites are
 * indexed as in {@link Infrastructure#sites()}.
 */
public final class TrafficLayout {

  /** Below this many bytes per work second, a path carries nothing (sums of moves leave rounding dust). */
  public static final double NEGLIGIBLE_BYTES = 1e-3;

  private final List<Site> sites;
  private final double[][] traffic; // VM x VM bytes per work second (sender, receiver)
  private final double[][] trafficIn; // transposed: (receiver, sender)
  private final int[] siteOfVm; // -1: not placed
  private final double[][] bytes; // site x site
  private final double[][] toSite; // [site][vm]: what the VM sends to the site's VMs
  private final double[][] fromSite; // [site][vm]: what the site's VMs send to the VM
  private final int[] vmsAt;
  private final CompiledRounds rounds;
  private final double[] vmSent; // bytes per work second each VM sends, wherever it is
  private final double[] vmReceived;

  private TrafficLayout(List<Site> sites, double[][] traffic, double[][] trafficIn, int[] siteOfVm, CompiledRounds rounds) {
    this.sites = sites;
    this.traffic = traffic;
    this.trafficIn = trafficIn;
    this.rounds = rounds;
    int n = traffic.length;
    int s = sites.size();
    this.siteOfVm = siteOfVm.clone();
    this.bytes = new double[s][s];
    this.toSite = new double[s][n];
    this.fromSite = new double[s][n];
    this.vmsAt = new int[s];
    this.vmSent = new double[n];
    this.vmReceived = new double[n];
    for (int v = 0; v < n; v++) {
      if (this.siteOfVm[v] >= 0) {
        vmsAt[this.siteOfVm[v]]++;
      }
      for (int j = 0; j < n; j++) {
        vmSent[v] += traffic[v][j];
        vmReceived[v] += trafficIn[v][j];
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double t = traffic[i][j];
        if (t == 0 || this.siteOfVm[i] < 0 || this.siteOfVm[j] < 0) {
          continue;
        }
        bytes[this.siteOfVm[i]][this.siteOfVm[j]] += t;
        toSite[this.siteOfVm[j]][i] += t;
        fromSite[this.siteOfVm[i]][j] += t;
      }
    }
  }

  private TrafficLayout(TrafficLayout o) {
    this.sites = o.sites;
    this.traffic = o.traffic;
    this.trafficIn = o.trafficIn;
    this.siteOfVm = o.siteOfVm.clone();
    this.bytes = deepCopy(o.bytes);
    this.toSite = deepCopy(o.toSite);
    this.fromSite = deepCopy(o.fromSite);
    this.vmsAt = o.vmsAt.clone();
    this.rounds = o.rounds;
    this.vmSent = o.vmSent;
    this.vmReceived = o.vmReceived;
  }

  private static double[][] deepCopy(double[][] m) {
    double[][] c = new double[m.length][];
    for (int i = 0; i < m.length; i++) {
      c[i] = m[i].clone();
    }
    return c;
  }

  /** The layout of {@code app}'s traffic over {@code placement} (VMs it does not place are left out). */
  public static TrafficLayout of(Application app, Placement placement, Infrastructure infra) {
    List<String> vms = app.vmNames();
    TrafficMatrix m = app.workload().trafficPerWork().reorder(vms);
    int n = vms.size();
    double[][] t = new double[n][n];
    double[][] in = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        t[i][j] = i == j ? 0 : m.bytes(i, j);
        in[j][i] = t[i][j];
      }
    }
    int[] at = new int[n];
    for (int v = 0; v < n; v++) {
      at[v] = placement.siteOf(vms.get(v)).map(infra::indexOf).orElse(-1);
    }
    CommunicationRounds r = app.workload().rounds().renumbered(app.workload().trafficPerWork().vms(), vms);
    if (!r.known()) {
      r = CommunicationRounds.allTalking(m, app.workload().syncsPerWork(), NEGLIGIBLE_BYTES);
    }
    return new TrafficLayout(infra.sites(), t, in, at, CompiledRounds.of(r, n));
  }

  public TrafficLayout copy() {
    return new TrafficLayout(this);
  }

  public int sites() {
    return sites.size();
  }

  public Site site(int i) {
    return sites.get(i);
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

  /** Whether the application sends anything from site {@code a} to site {@code b}. */
  public boolean carries(int a, int b) {
    return bytes[a][b] > NEGLIGIBLE_BYTES;
  }

  /** The application's rounds, VMs numbered as in this layout. */
  CompiledRounds rounds() {
    return rounds;
  }

  /** Bytes per work second VM {@code v} sends, to any VM. */
  public double sent(int v) {
    return vmSent[v];
  }

  /** Bytes per work second VM {@code v} receives, from any VM. */
  public double received(int v) {
    return vmReceived[v];
  }

  /** Bytes per work second that cross between different sites. */
  public double interSiteBytes() {
    double total = 0;
    for (int a = 0; a < bytes.length; a++) {
      for (int b = 0; b < bytes.length; b++) {
        if (a != b && carries(a, b)) {
          total += bytes[a][b];
        }
      }
    }
    return total;
  }

  /** What VM {@code v} sends to and receives from VMs on other sites, per work second. */
  public double crossSiteTraffic(int v) {
    int home = siteOfVm[v];
    double total = 0;
    for (int s = 0; s < toSite.length; s++) {
      if (s != home) {
        total += toSite[s][v] + fromSite[s][v];
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
        bytes[from][x] -= toSite[x][vm];
        bytes[x][from] -= fromSite[x][vm];
      }
      vmsAt[from]--;
    }
    double[] out = traffic[vm];
    double[] in = trafficIn[vm];
    double[] toNew = toSite[site];
    double[] fromNew = fromSite[site];
    if (from >= 0) {
      double[] toOld = toSite[from];
      double[] fromOld = fromSite[from];
      for (int j = 0; j < out.length; j++) {
        toOld[j] -= in[j];
        fromOld[j] -= out[j];
      }
    }
    for (int j = 0; j < out.length; j++) {
      toNew[j] += in[j];
      fromNew[j] += out[j];
    }
    siteOfVm[vm] = site;
    vmsAt[site]++;
    for (int x = 0; x < s; x++) {
      bytes[site][x] += toSite[x][vm];
      bytes[x][site] += fromSite[x][vm];
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
