package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.plan.BspExecutionModel;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.TrafficLayout;

/**
 * How simulated applications really run (S1): bulk-synchronous, their compute scaling with the CPU
 * speed of the slowest site they use and their traffic crossing the links (shared between the
 * applications that use them), as in {@link BspExecutionModel}, times a hidden per-application
 * factor the planner does not know (seeded: what its calibration has to learn). A paused VM (a
 * migration's downtime) stalls its whole application, as a barrier would. Progress and completion
 * come from here, so migrations have real consequences.
 */
public final class ApplicationRuntime {

  /** One application's run so far. */
  public record Run(Application app, double done, Optional<Instant> finishedAt, double hiddenFactor) {
    public boolean finished() {
      return finishedAt.isPresent();
    }
  }

  private static final double MIN_FACTOR = 0.85;
  private static final double FACTOR_SPREAD = 0.4;

  private final BspExecutionModel model = new BspExecutionModel();
  private final Map<String, Run> runs = new LinkedHashMap<>();
  private final SplittableRandom random;

  public ApplicationRuntime(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** Starts running {@code app} (its done work counts). */
  public void start(Application app) {
    if (runs.containsKey(app.name())) {
      throw new IllegalArgumentException("application " + app.name() + " already runs");
    }
    double factor = MIN_FACTOR + FACTOR_SPREAD * random.nextDouble();
    runs.put(app.name(), new Run(app, app.workload().doneWork(), Optional.empty(), factor));
  }

  public Map<String, Run> runs() {
    return Collections.unmodifiableMap(runs);
  }

  public Optional<Run> run(String app) {
    return Optional.ofNullable(runs.get(app));
  }

  /** Wall seconds per work second of {@code app} on {@code placement}, for real. */
  public double secondsPerWork(String app, Placement placement, Infrastructure infra, LinkShare share) {
    Run r = runs.get(app);
    TrafficLayout layout = TrafficLayout.of(r.app(), placement, infra);
    return model.secondsPerWork(r.app(), layout, infra, share) * r.hiddenFactor();
  }

  /**
   * Advances every unfinished application placed on {@code placement} from {@code from} by {@code dt};
   * those with a paused VM do not progress. Returns the applications that finished.
   */
  public List<String> advance(Instant from, Duration dt, Placement placement, Set<String> pausedVms, Infrastructure infra) {
    LinkShare share = new LinkShare(infra.sites().size());
    Map<String, TrafficLayout> layouts = new LinkedHashMap<>();
    for (Run r : runs.values()) {
      if (!r.finished() && placement.places(r.app().vmNames())) {
        TrafficLayout l = TrafficLayout.of(r.app(), placement, infra);
        layouts.put(r.app().name(), l);
        share.add(l, +1);
      }
    }
    List<String> finished = new java.util.ArrayList<>();
    double seconds = dt.toNanos() / 1e9;
    for (Map.Entry<String, TrafficLayout> e : layouts.entrySet()) {
      Run r = runs.get(e.getKey());
      if (r.app().vmNames().stream().anyMatch(pausedVms::contains)) {
        continue;
      }
      share.add(e.getValue(), -1);
      double rate = model.secondsPerWork(r.app(), e.getValue(), infra, share) * r.hiddenFactor();
      share.add(e.getValue(), +1);
      double remaining = r.app().workload().totalWork() - r.done();
      double work = seconds / rate;
      if (work >= remaining) {
        Instant at = from.plusNanos((long) (remaining * rate * 1e9));
        runs.put(r.app().name(), new Run(r.app(), r.app().workload().totalWork(), Optional.of(at), r.hiddenFactor()));
        finished.add(r.app().name());
      } else {
        runs.put(r.app().name(), new Run(r.app(), r.done() + work, Optional.empty(), r.hiddenFactor()));
      }
    }
    return finished;
  }

  /** What the application's VMs send each other per wall second while it runs at {@code secondsPerWork}. */
  public static TrafficMatrix trafficRates(Application app, double secondsPerWork) {
    TrafficMatrix perWork = app.workload().trafficPerWork();
    int n = perWork.size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        p[i][j] = perWork.packets(i, j) / secondsPerWork;
        b[i][j] = perWork.bytes(i, j) / secondsPerWork;
      }
    }
    return new TrafficMatrix(perWork.vms(), p, b);
  }
}
