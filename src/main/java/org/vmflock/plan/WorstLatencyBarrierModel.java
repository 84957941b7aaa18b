package org.vmflock.plan;

import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;

/**
 * The execution-time model of releases up to 0.1 (P1), kept to compare with {@link BspExecutionModel}
 * (issue 14 measured it 2 to 7 times too pessimistic on split NPB runs): a bulk-synchronous application. Each work second, every VM
 * computes, then the VMs exchange their traffic and wait at a barrier. So one work second takes
 *
 * <pre>
 *   1 / (slowest CPU speed among the sites used)                          compute
 *   + max over site pairs used of  bytes(a-&gt;b) / (bandwidth(a,b) / apps sharing it)   exchange
 *   + barriers per work second * max latency over the paths used          synchronisation
 * </pre>
 *
 * where a site's own network is the path between two of its VMs. The observed traffic matrix, per
 * work second, gives bytes(a-&gt;b) for any placement. Every barrier pays the worst latency of the
 * placement, and a site's own network is one pipe shared by all its VMs.
 */
public final class WorstLatencyBarrierModel implements ExecutionTimeEstimator {

  @Override
  public double secondsPerWork(Application app, TrafficLayout layout, Infrastructure infra, LinkShare share) {
    double slowest = BspExecutionModel.slowestCpu(app, layout);
    int n = layout.sites();
    double exchange = 0;
    double latency = 0;
    for (int a = 0; a < n; a++) {
      if (layout.vmsAt(a) == 0) {
        continue;
      }
      for (int b = 0; b < n; b++) {
        if (!layout.carries(a, b)) {
          continue;
        }
        double bytes = layout.bytes(a, b);
        NetworkPath path = infra.path(a, b);
        int sharing = a == b ? 1 : 1 + share.others(a, b);
        exchange = Math.max(exchange, bytes * sharing / path.bytesPerSecond());
        latency = Math.max(latency, path.latencySeconds());
      }
    }
    return 1 / slowest + exchange + app.workload().syncsPerWork() * latency;
  }
}
