package org.vmflock.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/**
 * How long an application observed on one site would run on another placement (P1, {@code predict
 * runtime}): its run on one site lasted {@code oneSiteSeconds}; its traffic and rounds are per second
 * of that run. The observed site is a site of CPU speed 1 with the given LAN; the run's work is what
 * makes the estimator predict {@code oneSiteSeconds} there, and the placement's time is that work at
 * the placement's pace.
 *
 * @param oneSiteSeconds the run on one site (observed)
 * @param predictedSeconds on the placement
 * @param low the 95 % interval's low end
 * @param high its high end
 * @param breakdown what the predicted run spends on compute, bandwidth and latency (seconds) and its rounds that cross sites (whole run)
 */
public record RuntimeForecast(double oneSiteSeconds, double predictedSeconds, double low, double high, ExecutionBreakdown breakdown) {

  /** The name of the site the application was observed on, in {@link #observedSite}. */
  public static final String OBSERVED_SITE = "observed";

  public double slowdown() {
    return predictedSeconds / oneSiteSeconds;
  }

  /**
   * The rounds of an observed run in their order: the longest chain of waits for a given one-way
   * latency between each two VMs ({@code crosses}: whether that hop is between sites), as
   * {@code {seconds, hops between sites}}.
   */
  @FunctionalInterface
  public interface RoundOrder {
    double[] chain(double[][] latency, boolean[][] crosses);
  }

  /**
   * The forecast with the observed rounds followed in their order ({@code order}) for the latency
   * term, VM by VM, rather than each round waiting for its slowest hop: what {@code predict runtime}
   * does from a capture. The rest as {@link #predict(double, TrafficMatrix, CommunicationRounds, double, NetworkPath, Infrastructure, Placement, ExecutionTimeEstimator, double)}.
   */
  public static RuntimeForecast predict(double oneSiteSeconds, TrafficMatrix perSecond, CommunicationRounds rounds, RoundOrder order,
      NetworkPath lan, Infrastructure infra, Placement placement, ExecutionTimeEstimator estimator, double sigma) {
    List<String> vms = perSecond.vms();
    Application app = observedApplication(oneSiteSeconds, perSecond, rounds, rounds.roundsPerWork());
    Infrastructure observed = new Infrastructure(List.of(observedSite(lan)), List.of(), Optional.empty());
    ExecutionBreakdown reference = estimator.breakdown(app, TrafficLayout.of(app, Placement.all(vms, OBSERVED_SITE), observed),
        observed, LinkShare.none(1));
    double[] observedChain = order.chain(latencies(vms, Placement.all(vms, OBSERVED_SITE), observed), crossings(vms,
        Placement.all(vms, OBSERVED_SITE)));
    double work = Math.max(oneSiteSeconds - observedChain[0], 0) / (reference.computeSeconds() + reference.bandwidthSeconds());
    ExecutionBreakdown there = estimator.breakdown(app, TrafficLayout.of(app, placement, infra), infra, LinkShare.none(infra.sites().size()));
    double[] chain = order.chain(latencies(vms, placement, infra), crossings(vms, placement));
    ExecutionBreakdown total = new ExecutionBreakdown(work * there.computeSeconds(), work * there.bandwidthSeconds(), chain[0], chain[1]);
    double predicted = total.secondsPerWork();
    double spread = Math.exp(1.96 * sigma);
    return new RuntimeForecast(oneSiteSeconds, predicted, predicted / spread, predicted * spread, total);
  }

  private static double[][] latencies(List<String> vms, Placement placement, Infrastructure infra) {
    int n = vms.size();
    double[][] l = new double[n][n];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        l[a][b] = BspExecutionModel.latency(siteIndex(placement, vms.get(a), infra), siteIndex(placement, vms.get(b), infra), infra);
      }
    }
    return l;
  }

  private static boolean[][] crossings(List<String> vms, Placement placement) {
    int n = vms.size();
    boolean[][] c = new boolean[n][n];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        c[a][b] = !placement.siteOf(vms.get(a)).equals(placement.siteOf(vms.get(b)));
      }
    }
    return c;
  }

  private static int siteIndex(Placement placement, String vm, Infrastructure infra) {
    return infra.indexOf(placement.siteOf(vm).orElseThrow(() -> new IllegalArgumentException("the placement does not place " + vm)));
  }

  private static Application observedApplication(double oneSiteSeconds, TrafficMatrix perSecond, CommunicationRounds rounds,
      double syncsPerSecond) {
    List<Vm> vmList = perSecond.vms().stream().map(v -> new Vm(v, "observed", 1, 1L << 30, 0)).toList();
    return new Application("observed", vmList, new Workload(oneSiteSeconds, 0, syncsPerSecond, perSecond, rounds),
        Objective.TIME, Optional.empty(), Optional.empty(), 0);
  }

  /**
   * The forecast for {@code placement} (each VM of the matrix to a site of {@code infra}).
   *
   * @param perSecond the VM x VM traffic per second of the observed run
   * @param rounds its rounds per second ({@link CommunicationRounds#UNKNOWN}: {@code syncsPerSecond} barriers among all that talk)
   * @param lan the observed site's own network (each VM's interface)
   * @param sigma the spread of log(observed / predicted) the interval assumes
   */
  public static RuntimeForecast predict(double oneSiteSeconds, TrafficMatrix perSecond, CommunicationRounds rounds, double syncsPerSecond,
      NetworkPath lan, Infrastructure infra, Placement placement, ExecutionTimeEstimator estimator, double sigma) {
    List<String> vms = perSecond.vms();
    Application app = observedApplication(oneSiteSeconds, perSecond, rounds, syncsPerSecond);
    Infrastructure observed = new Infrastructure(List.of(observedSite(lan)), List.of(), Optional.empty());
    ExecutionBreakdown reference = estimator.breakdown(app, TrafficLayout.of(app, Placement.all(vms, OBSERVED_SITE), observed), observed,
        LinkShare.none(1));
    double work = oneSiteSeconds / reference.secondsPerWork();
    ExecutionBreakdown there = estimator.breakdown(app, TrafficLayout.of(app, placement, infra), infra, LinkShare.none(infra.sites().size()));
    double predicted = work * there.secondsPerWork();
    double spread = Math.exp(1.96 * sigma);
    return new RuntimeForecast(oneSiteSeconds, predicted, predicted / spread, predicted * spread,
        new ExecutionBreakdown(work * there.computeSeconds(), work * there.bandwidthSeconds(), work * there.latencySeconds(),
            work * there.wanRounds()));
  }

  /** A site like the one the application was observed on: CPU speed 1, the LAN, room for anything, free. */
  public static Site observedSite(NetworkPath lan) {
    return site(OBSERVED_SITE, 1, lan);
  }

  /** A site for forecasts: its CPU speed and own network, room for anything, free. */
  public static Site site(String name, double cpuSpeed, NetworkPath lan) {
    return new Site(name, new Capacity(1 << 20, 1 << 20, 1L << 50), cpuSpeed, PriceSchedule.flat(0), 0, Map.of(), lan, new ArrayList<>());
  }
}
