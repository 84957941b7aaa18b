package org.vmflock.plan;

import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.SiteFabric;

/**
 * The default execution-time model (P1): a bulk-synchronous application whose exchanges are
 * organised in rounds ({@link org.vmflock.model.CommunicationRounds}). One work second takes
 *
 * <pre>
 *   max( 1 / (slowest CPU speed among the sites used),                                compute
 *        max over VMs of max(sent, received) / the VM interface's bandwidth,
 *        max over site pairs a != b of bytes(a-&gt;b) * (apps sharing it) / bandwidth(a,b),
 *        max over sites of max(bytes out, bytes in) * (apps sharing it) / the site's uplink,
 *        max over sites of (bytes inside + out + in) * (apps sharing it) / the site's backbone )   bandwidth
 *                                                         (transfers overlap compute: the larger of the two)
 *   + sum over exchange rounds of the latency of the round's slowest hop
 *   + sum over pipeline sweeps of the latencies along the sweep's longest chain of hops  latency
 * </pre>
 *
 * A site's own network is as SimGrid's cluster zones model one ({@link SiteFabric}): each VM's
 * interface at the site's bandwidth, the switch they hang on (by default non-blocking), and the
 * site's uplink that everything leaving or entering the site shares; not one pipe all its VMs share
 * (with a backbone that blocks, a split can be faster: two switches carry more than one); a hop between two sites has the latency of the
 * link, and never less than either site's own (it crosses both); so with equal CPUs and equal
 * site networks, no split of an application is predicted faster than the application on one site.
 * A round waits for a slow path only if one of its own hops takes it: a barrier among VMs of one
 * site does not pay the WAN's latency because another round of the application crosses it.
 */
public final class BspExecutionModel implements ExecutionTimeEstimator {

  @Override
  public double secondsPerWork(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    return breakdown(app, layout, infra, share).secondsPerWork();
  }

  @Override
  public ExecutionBreakdown breakdown(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    double slowest = slowestCpu(app, layout);
    int n = layout.sites();
    double bandwidth = 0;
    for (int v = 0; v < layout.vms(); v++) {
      int s = layout.siteOf(v);
      if (s >= 0) {
        bandwidth = Math.max(bandwidth, Math.max(layout.sent(v), layout.received(v)) / layout.site(s).internal().bytesPerSecond());
      }
    }
    for (int a = 0; a < n; a++) {
      if (layout.vmsAt(a) == 0) {
        continue;
      }
      double out = 0;
      double in = 0;
      for (int b = 0; b < n; b++) {
        if (a != b && layout.carries(a, b)) {
          bandwidth = Math.max(bandwidth, layout.bytes(a, b) * (1 + share.others(a, b)) / infra.path(a, b).bytesPerSecond());
        }
        if (a != b) {
          out += layout.carries(a, b) ? layout.bytes(a, b) : 0;
          in += layout.carries(b, a) ? layout.bytes(b, a) : 0;
        }
      }
      SiteFabric fabric = layout.site(a).fabric();
      if (fabric.limitsUplink() && out + in > 0) {
        bandwidth = Math.max(bandwidth, Math.max(out, in) * (1 + share.uplinkOthers(a)) / fabric.uplink());
      }
      if (fabric.limitsBackbone()) {
        bandwidth = Math.max(bandwidth, (layout.bytes(a, a) + out + in) * (1 + share.backboneOthers(a)) / fabric.backbone());
      }
    }
    double latency = 0;
    double wanRounds = 0;
    for (CompiledRounds.Compiled c : layout.rounds().classes) {
      double[] wait = c.pipeline ? sweep(c, layout, infra) : exchange(c, layout, infra);
      latency += c.perWork * wait[0];
      wanRounds += c.perWork * wait[1];
    }
    return new ExecutionBreakdown(1 / slowest, bandwidth, latency, wanRounds);
  }

  /** The slowest CPU speed among the sites the application uses: the pace of a bulk-synchronous computation. */
  static double slowestCpu(Application app, TrafficLayout layout) {
    double slowest = Double.POSITIVE_INFINITY;
    for (int a = 0; a < layout.sites(); a++) {
      if (layout.vmsAt(a) > 0) {
        slowest = Math.min(slowest, layout.site(a).cpuSpeed());
      }
    }
    if (slowest == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("application " + app.name() + " has no VM placed");
    }
    return slowest;
  }

  /** An exchange round: its slowest hop's latency, and 1 if some hop crosses sites. */
  private static double[] exchange(CompiledRounds.Compiled c, TrafficLayout layout, Infrastructure infra) {
    double worst = 0;
    double crosses = 0;
    for (int i = 0; i < c.from.length; i++) {
      int a = layout.siteOf(c.from[i]);
      int b = layout.siteOf(c.to[i]);
      if (a < 0 || b < 0) {
        continue;
      }
      worst = Math.max(worst, latency(a, b, layout, infra));
      if (a != b) {
        crosses = 1;
      }
    }
    return new double[] {worst, crosses};
  }

  /** A pipeline sweep: the latencies along its longest chain of hops, and how many of them cross sites. */
  private static double[] sweep(CompiledRounds.Compiled c, TrafficLayout layout, Infrastructure infra) {
    double[] along = new double[layout.vms()];
    double[] crossings = new double[layout.vms()];
    double worst = 0;
    double worstCrossings = 0;
    for (int i = 0; i < c.from.length; i++) { // hops sorted by their sender's place in the sweep
      int a = layout.siteOf(c.from[i]);
      int b = layout.siteOf(c.to[i]);
      if (a < 0 || b < 0) {
        continue;
      }
      double reach = along[c.from[i]] + latency(a, b, layout, infra);
      if (reach > along[c.to[i]]) {
        along[c.to[i]] = reach;
        crossings[c.to[i]] = crossings[c.from[i]] + (a != b ? 1 : 0);
        if (reach > worst) {
          worst = reach;
          worstCrossings = crossings[c.to[i]];
        }
      }
    }
    return new double[] {worst, worstCrossings};
  }

  /** One way from a VM on site {@code a} to one on {@code b}: a site's own network, or the link and never less than either site's. */
  static double latency(int a, int b, TrafficLayout layout, Infrastructure infra) {
    return latency(a, b, infra);
  }

  /** One way between sites {@code a} and {@code b} of {@code infra}, as above. */
  public static double latency(int a, int b, Infrastructure infra) {
    double own = infra.sites().get(a).internal().latencySeconds();
    if (a == b) {
      return own;
    }
    NetworkPath link = infra.path(a, b);
    return Math.max(link.latencySeconds(), Math.max(own, infra.sites().get(b).internal().latencySeconds()));
  }
}
