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
   * does from a capture, uncalibrated (every chained wait of the capture paid). See
   * {@link #parts(double, TrafficMatrix, CommunicationRounds, RoundOrder, NetworkPath, Infrastructure, Placement, ExecutionTimeEstimator)}.
   */
  public static RuntimeForecast predict(double oneSiteSeconds, TrafficMatrix perSecond, CommunicationRounds rounds, RoundOrder order,
      NetworkPath lan, Infrastructure infra, Placement placement, ExecutionTimeEstimator estimator, double sigma) {
    return parts(oneSiteSeconds, perSecond, rounds, order, lan, infra, placement, estimator).forecast(RuntimeCalibration.uncalibrated(sigma));
  }

  /**
   * What a forecast from an observed run is made of, before calibration: the observed run's time,
   * its own chain of waits on one site, and per work second the estimator's compute and bandwidth
   * there and on the placement, with the chain of waits on the placement (whole run).
   *
   * @param oneSiteSeconds the run on one site
   * @param observedChainSeconds the longest chain of waits of the run on one site
   * @param referenceCompute compute per work second on the observed site
   * @param referenceBandwidth bandwidth per work second on the observed site
   * @param compute compute per work second on the placement
   * @param bandwidth bandwidth per work second on the placement
   * @param chainSeconds the longest chain of waits on the placement (whole run)
   * @param chainHops its hops between sites
   */
  public record Parts(double oneSiteSeconds, double observedChainSeconds, double referenceCompute, double referenceBandwidth, double compute,
      double bandwidth, double chainSeconds, double chainHops) {

    /**
     * The forecast: the run's work is what makes its time on one site, transfers overlapping compute
     * ({@code max(compute, bandwidth)}: MPI moves a halo while the ranks compute, and the lab's
     * LAMMPS split against its groups at 100 Mbit/s carried 12.7 s of bytes each way in runs of 16 to
     * 34 s), plus the calibrated share of the chained waits; its interval from the calibration's spread.
     */
    /**
     * The same run lasting {@code seconds} on one site (its bytes and waits unchanged): the bytes per
     * work second, hence the bandwidth terms, scale by the old time over the new.
     */
    public Parts lasting(double seconds) {
      double r = oneSiteSeconds / seconds;
      return new Parts(seconds, observedChainSeconds, referenceCompute, referenceBandwidth * r, compute, bandwidth * r, chainSeconds, chainHops);
    }

    public RuntimeForecast forecast(RuntimeCalibration calibration) {
      double f = calibration.latencyFactor();
      double work = Math.max(oneSiteSeconds - f * observedChainSeconds, 0) / Math.max(referenceCompute, referenceBandwidth);
      ExecutionBreakdown total = new ExecutionBreakdown(work * compute, work * bandwidth, f * chainSeconds, chainHops);
      double predicted = Math.max(total.computeSeconds(), total.bandwidthSeconds()) + total.latencySeconds();
      double spread = Math.exp(1.96 * calibration.sigma());
      return new RuntimeForecast(oneSiteSeconds, predicted, predicted / spread, predicted * spread, total);
    }
  }

  /** The parts of the forecast from an observed run whose rounds are followed in their order (see {@link Parts}). */
  public static Parts parts(double oneSiteSeconds, TrafficMatrix perSecond, CommunicationRounds rounds, RoundOrder order, NetworkPath lan,
      Infrastructure infra, Placement placement, ExecutionTimeEstimator estimator) {
    List<String> vms = perSecond.vms();
    Application app = observedApplication(oneSiteSeconds, perSecond, rounds, rounds.roundsPerWork());
    Infrastructure observed = new Infrastructure(List.of(observedSite(lan)), List.of(), Optional.empty());
    ExecutionBreakdown reference = estimator.breakdown(app, TrafficLayout.of(app, Placement.all(vms, OBSERVED_SITE), observed),
        observed, LinkShare.none(1));
    double[] observedChain = order.chain(latencies(vms, Placement.all(vms, OBSERVED_SITE), observed), crossings(vms,
        Placement.all(vms, OBSERVED_SITE)));
    ExecutionBreakdown there = estimator.breakdown(app, TrafficLayout.of(app, placement, infra), infra, LinkShare.none(infra.sites().size()));
    double[] chain = order.chain(latencies(vms, placement, infra), crossings(vms, placement));
    return new Parts(oneSiteSeconds, observedChain[0], reference.computeSeconds(), reference.bandwidthSeconds(), there.computeSeconds(),
        there.bandwidthSeconds(), chain[0], chain[1]);
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
