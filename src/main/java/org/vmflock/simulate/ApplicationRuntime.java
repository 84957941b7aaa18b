package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
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
 * factor the planner does not know (seeded by the seed and the application's name, so every policy
 * meets the same applications: what its calibration has to learn). A paused VM (a migration's
 * downtime) stalls its whole application, as a barrier would. Progress and completion come from
 * here, so migrations have real consequences.
 *
 * <p>Layouts and rates are cached per application and recomputed only when some application's
 * placement or the infrastructure changed: a federation of thousands of applications advances at
 * every migration step.
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
  private final long seed;

  /** What an application's rate was computed from: where its VMs are, on which infrastructure. */
  private record Layout(String[] sites, Infrastructure infra, TrafficLayout layout) {
    boolean same(String[] now, Infrastructure i) {
      return infra == i && Arrays.equals(sites, now);
    }
  }

  private final Map<String, Layout> layouts = new LinkedHashMap<>();
  private final Map<String, Placement> placements = new java.util.HashMap<>();
  private final Set<String> moved = new java.util.TreeSet<>();
  private Infrastructure lastInfra;
  private final Map<String, Double> rates = new LinkedHashMap<>();
  private boolean ratesStale = true;

  public ApplicationRuntime(long seed) {
    this.seed = seed;
  }

  /** Starts running {@code app} (its done work counts). */
  public void start(Application app) {
    if (runs.containsKey(app.name())) {
      throw new IllegalArgumentException("application " + app.name() + " already runs");
    }
    double factor = MIN_FACTOR + FACTOR_SPREAD * new SplittableRandom(seed * 0x9E3779B97F4A7C15L + app.name().hashCode()).nextDouble();
    runs.put(app.name(), new Run(app, app.workload().doneWork(), Optional.empty(), factor));
    moved.add(app.name());
    ratesStale = true;
  }

  public Map<String, Run> runs() {
    return Collections.unmodifiableMap(runs);
  }

  public Optional<Run> run(String app) {
    return Optional.ofNullable(runs.get(app));
  }

  /** Wall seconds per work second of {@code app} on {@code placement}, for real, alone on the links. */
  public double secondsPerWork(String app, Placement placement, Infrastructure infra, LinkShare share) {
    Run r = runs.get(app);
    TrafficLayout layout = TrafficLayout.of(r.app(), placement, infra);
    return model.secondsPerWork(r.app(), layout, infra, share) * r.hiddenFactor();
  }

  /** The rate {@code app} ran at in the last advance (wall seconds per work second), if it runs. */
  public Optional<Double> currentSecondsPerWork(String app) {
    return Optional.ofNullable(rates.get(app));
  }

  /** Where {@code app}'s VMs run from now on (all of them, or none while it is not placed). */
  public void place(String app, Placement placement) {
    if (!placement.equals(placements.put(app, placement))) {
      moved.add(app);
    }
  }

  /**
   * Advances every unfinished application placed on {@code placement} from {@code from} by {@code dt};
   * those with a paused VM do not progress. Returns the applications that finished.
   */
  public List<String> advance(Instant from, Duration dt, Placement placement, Set<String> pausedVms, Infrastructure infra) {
    for (Run r : runs.values()) {
      if (!r.finished()) {
        place(r.app().name(), placement.restrictedTo(r.app().vmNames()));
      }
    }
    return advance(from, dt, pausedVms, infra);
  }

  /**
   * Advances every unfinished application from {@code from} by {@code dt}, each where {@link #place}
   * last put it; those with a paused VM do not progress. Returns the applications that finished.
   */
  public List<String> advance(Instant from, Duration dt, Set<String> pausedVms, Infrastructure infra) {
    refreshRates(infra);
    List<String> finished = new ArrayList<>();
    double seconds = dt.toNanos() / 1e9;
    for (Map.Entry<String, Double> e : rates.entrySet()) {
      Run r = runs.get(e.getKey());
      if (r.app().vmNames().stream().anyMatch(pausedVms::contains)) {
        continue;
      }
      double rate = e.getValue();
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
    if (!finished.isEmpty()) {
      finished.forEach(a -> {
        rates.remove(a);
        layouts.remove(a);
        placements.remove(a);
      });
      ratesStale = true; // the links they used are free
    }
    return finished;
  }

  /** When the first running, unpaused application would finish at the rates of the last advance. */
  public Optional<Instant> nextFinish(Instant now, Set<String> pausedVms) {
    Instant first = null;
    for (Map.Entry<String, Double> e : rates.entrySet()) {
      Run r = runs.get(e.getKey());
      if (r.finished() || r.app().vmNames().stream().anyMatch(pausedVms::contains)) {
        continue;
      }
      double left = (r.app().workload().totalWork() - r.done()) * e.getValue();
      Instant at = now.plusNanos((long) Math.ceil(left * 1e9));
      if (first == null || at.isBefore(first)) {
        first = at;
      }
    }
    return Optional.ofNullable(first);
  }

  /** Recomputes the layouts of the applications that moved (all of them on a new infrastructure), and every rate if any changed. */
  private void refreshRates(Infrastructure infra) {
    java.util.Collection<String> changed = infra == lastInfra ? moved : runs.keySet();
    lastInfra = infra;
    for (String name : List.copyOf(changed)) {
      Run r = runs.get(name);
      if (r == null || r.finished()) {
        continue;
      }
      List<String> vms = r.app().vmNames();
      Placement placement = placements.getOrDefault(name, Placement.EMPTY);
      if (!placement.places(vms)) {
        if (layouts.remove(name) != null) {
          ratesStale = true;
        }
        continue;
      }
      String[] sites = new String[vms.size()];
      for (int i = 0; i < sites.length; i++) {
        sites[i] = placement.siteOf(vms.get(i)).orElseThrow();
      }
      Layout known = layouts.get(name);
      if (known == null || !known.same(sites, infra)) {
        layouts.put(name, new Layout(sites, infra, TrafficLayout.of(r.app(), placement, infra)));
        ratesStale = true;
      }
    }
    moved.clear();
    if (!ratesStale) {
      return;
    }
    LinkShare share = new LinkShare(infra.sites().size());
    layouts.values().forEach(l -> share.add(l.layout(), +1));
    rates.clear();
    for (Map.Entry<String, Layout> e : layouts.entrySet()) {
      Run r = runs.get(e.getKey());
      TrafficLayout l = e.getValue().layout();
      share.add(l, -1);
      rates.put(e.getKey(), model.secondsPerWork(r.app(), l, infra, share) * r.hiddenFactor());
      share.add(l, +1);
    }
    ratesStale = false;
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
