package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
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
import org.vmflock.simulate.truth.MessageReplayModel;
import org.vmflock.simulate.truth.TruthPaces;
import org.vmflock.simulate.truth.TruthSettings;

/**
 * How simulated applications really run (S1): at the pace of the simulator's own truth
 * ({@link MessageReplayModel}: each application's rounds replayed message by message over the VMs'
 * interfaces and the paths between sites, bandwidth shared max-min between concurrent flows, compute
 * at each VM's own site's CPU speed), not the planner's estimator: the planner's error against it is
 * what its calibration has to learn. Other applications' traffic on a path between two sites counts
 * at the rate each would send alone. A paused VM (a migration's downtime) stalls its whole
 * application, as a barrier would. Progress and completion come from here, so migrations have real
 * consequences. The hidden factor of 0.85 to 1.25 is gone: a run's {@link Run#hiddenFactor()} is now
 * a small seeded noise (0.95 to 1.05, see {@link #NOISE}); a factor kept in a snapshot written before
 * is still applied to its run.
 *
 * <p>Incremental: an application's pace is recomputed only when its own placement changed, or the
 * traffic of another application on a path between sites it uses changed (all of them on a new
 * infrastructure); an application on one site shares no path, and twins on the same sites share one
 * computation ({@link TruthPaces}); so a federation of thousands of applications advances cheaply at
 * every step of every migration.
 */
public final class ApplicationRuntime {

  /** One application's run so far. */
  public record Run(Application app, double done, Optional<Instant> finishedAt, double hiddenFactor) {
    public boolean finished() {
      return finishedAt.isPresent();
    }
  }

  /**
   * A new run's factor is drawn in [1 - NOISE, 1 + NOISE] from the seed and its name: run-to-run
   * variation that no model of the network and the CPUs gives (the lab's repeated runs differ by a
   * median 14 % at load 11 to 28 on 2 cores, data/emulation/measurements-2.csv; a quieter cluster
   * less). Small, so that the truth's difference from the estimator stays the main error to learn.
   */
  private static final double NOISE = 0.05;

  /** One application's state: progress, where it runs, the layout and rate derived from it. */
  private static final class State {
    final Application app;
    final List<String> vms;
    final double factor;
    double done;
    Instant finishedAt;
    final MessageReplayModel.Rounds rounds;
    Placement placement = Placement.EMPTY;
    String[] sites;
    int[] siteIndex; // null: not (wholly) placed
    int[] links = new int[0]; // directed paths between sites it sends on, as from * sites + to
    double[] demands = new double[0]; // bytes per second on each of links, at its pace alone
    double rate = Double.NaN;

    State(Application app, double factor, MessageReplayModel.Rounds rounds) {
      this.app = app;
      this.vms = app.vmNames();
      this.factor = factor;
      this.done = app.workload().doneWork();
      this.rounds = rounds;
    }

    boolean running() {
      return finishedAt == null && siteIndex != null;
    }
  }

  private final TruthPaces truth = new TruthPaces(new MessageReplayModel(TruthSettings.LV08_WARM));
  private final long seed;
  private final Map<String, State> states = new LinkedHashMap<>();
  /** The started, unfinished applications in the order they started. */
  private final List<State> active = new ArrayList<>();
  private final Map<String, State> ownerOfVm = new HashMap<>();
  private final Set<String> moved = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  /** Per directed path between sites: the applications sending on it and their rates alone, by name (a fixed order). */
  private final Map<Integer, java.util.TreeMap<String, Double>> usersOfLink = new HashMap<>();
  private Infrastructure lastInfra;

  public ApplicationRuntime(long seed) {
    this.seed = seed;
  }

  /** Starts running {@code app} (its done work counts). */
  public void start(Application app) {
    if (states.containsKey(app.name())) {
      throw new IllegalArgumentException("application " + app.name() + " already runs");
    }
    double factor = 1 - NOISE + 2 * NOISE * new SplittableRandom(seed * 0x9E3779B97F4A7C15L + app.name().hashCode()).nextDouble();
    State s = new State(app, factor, truth.rounds(app));
    states.put(app.name(), s);
    active.add(s);
    s.vms.forEach(vm -> ownerOfVm.put(vm, s));
    moved.add(app.name());
  }

  /** Every application's run as data, in the order they started: what a snapshot keeps. */
  public List<Run> export() {
    return List.copyOf(runs().values());
  }

  /**
   * The runtime a snapshot holds: each application where its run had come (its work done, its
   * finish, its hidden factor); {@link IllegalArgumentException} if a run does not hold together.
   */
  public static ApplicationRuntime restore(long seed, List<Run> runs) {
    ApplicationRuntime r = new ApplicationRuntime(seed);
    for (Run run : runs) {
      double total = run.app().workload().totalWork();
      if (!(run.done() >= 0 && run.done() <= total) || !(run.hiddenFactor() > 0) || Double.isInfinite(run.hiddenFactor())) {
        throw new IllegalArgumentException("application " + run.app().name() + ": done " + run.done() + " of " + total + ", factor "
            + run.hiddenFactor());
      }
      if (r.states.containsKey(run.app().name())) {
        throw new IllegalArgumentException("application " + run.app().name() + " is listed twice");
      }
      State s = new State(run.app(), run.hiddenFactor(), r.truth.rounds(run.app()));
      s.done = run.done();
      s.finishedAt = run.finishedAt().orElse(null);
      r.states.put(run.app().name(), s);
      if (s.finishedAt == null) {
        r.active.add(s);
        s.vms.forEach(vm -> r.ownerOfVm.put(vm, s));
        r.moved.add(run.app().name());
      }
    }
    return r;
  }

  /** Every application started, in the order they started. */
  public Map<String, Run> runs() {
    Map<String, Run> out = new LinkedHashMap<>();
    states.forEach((name, s) -> out.put(name, run(s)));
    return out;
  }

  public Optional<Run> run(String app) {
    return Optional.ofNullable(states.get(app)).map(ApplicationRuntime::run);
  }

  private static Run run(State s) {
    return new Run(s.app, s.done, Optional.ofNullable(s.finishedAt), s.factor);
  }

  /** Wall seconds per work second of {@code app} on {@code placement}, for real, alone on the links. */
  public double secondsPerWork(String app, Placement placement, Infrastructure infra) {
    State s = states.get(app);
    int[] at = siteIndex(s, placement, infra);
    if (at == null) {
      throw new IllegalArgumentException("application " + app + " is not wholly placed on " + placement);
    }
    return truth.alone(s.rounds, at, infra).secondsPerWork() * s.factor;
  }

  /** The rate {@code app} ran at in the last advance (wall seconds per work second), if it runs. */
  public Optional<Double> currentSecondsPerWork(String app) {
    State s = states.get(app);
    return s == null || !s.running() || Double.isNaN(s.rate) ? Optional.empty() : Optional.of(s.rate);
  }

  /** Where {@code app}'s VMs run from now on (all of them, or none while it is not placed). */
  public void place(String app, Placement placement) {
    State s = states.get(app);
    if (s != null && !placement.equals(s.placement)) {
      s.placement = placement;
      moved.add(app);
    }
  }

  /**
   * Advances every unfinished application placed on {@code placement} from {@code from} by {@code dt};
   * those with a paused VM do not progress. Returns the applications that finished.
   */
  public List<String> advance(Instant from, Duration dt, Placement placement, Set<String> pausedVms, Infrastructure infra) {
    for (State s : active) {
      place(s.app.name(), placement.restrictedTo(s.vms));
    }
    return advance(from, dt, pausedVms, infra);
  }

  /**
   * Advances every unfinished application from {@code from} by {@code dt}, each where {@link #place}
   * last put it; those with a paused VM do not progress. Returns the applications that finished.
   */
  public List<String> advance(Instant from, Duration dt, Set<String> pausedVms, Infrastructure infra) {
    refresh(infra);
    Set<State> paused = pausedApps(pausedVms);
    List<String> finished = new ArrayList<>();
    double seconds = dt.toNanos() / 1e9;
    for (State s : active) {
      if (!s.running() || paused.contains(s)) {
        continue;
      }
      double remaining = s.app.workload().totalWork() - s.done;
      double work = seconds / s.rate;
      if (work >= remaining) {
        s.finishedAt = from.plusNanos((long) (remaining * s.rate * 1e9));
        s.done = s.app.workload().totalWork();
        finished.add(s.app.name());
        unlayout(s);
      } else {
        s.done += work;
      }
    }
    if (!finished.isEmpty()) {
      active.removeIf(s -> s.finishedAt != null);
    }
    return finished;
  }

  /** When the first running, unpaused application would finish at the rates of the last advance. */
  public Optional<Instant> nextFinish(Instant now, Set<String> pausedVms) {
    Set<State> paused = pausedApps(pausedVms);
    Instant first = null;
    for (State s : active) {
      if (!s.running() || Double.isNaN(s.rate) || paused.contains(s)) {
        continue;
      }
      double left = (s.app.workload().totalWork() - s.done) * s.rate;
      Instant at = now.plusNanos((long) Math.ceil(left * 1e9));
      if (first == null || at.isBefore(first)) {
        first = at;
      }
    }
    return Optional.ofNullable(first);
  }

  private Set<State> pausedApps(Set<String> pausedVms) {
    if (pausedVms.isEmpty()) {
      return Set.of();
    }
    Set<State> out = new HashSet<>();
    for (String vm : pausedVms) {
      State s = ownerOfVm.get(vm);
      if (s != null) {
        out.add(s);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- layouts and rates

  /**
   * Brings placements and rates up to date: the applications that moved get their sites and their
   * traffic between sites anew; those that moved, or share a path between sites with one whose traffic
   * there changed, a new rate.
   */
  private void refresh(Infrastructure infra) {
    if (infra != lastInfra && lastInfra != null && TruthPaces.sameNetwork(lastInfra, infra)) {
      lastInfra = infra; // a new price or capacity: the same network, the same paces
    }
    if (infra != lastInfra) {
      lastInfra = infra;
      usersOfLink.clear();
      for (State s : active) {
        s.siteIndex = null;
        s.sites = null;
        s.links = new int[0];
        s.demands = new double[0];
        s.rate = Double.NaN;
        moved.add(s.app.name());
      }
    }
    for (String name : moved) {
      State s = states.get(name);
      if (s == null || s.finishedAt != null) {
        continue;
      }
      String[] sites = sitesOf(s);
      if (s.siteIndex != null && Arrays.equals(sites, s.sites)) {
        continue;
      }
      unlayout(s);
      if (sites != null) {
        s.sites = sites;
        s.siteIndex = siteIndex(s, s.placement, infra);
        MessageReplayModel.Pace alone = truth.alone(s.rounds, s.siteIndex, infra);
        layLinks(s, alone, infra);
        touch(s.links, s);
        dirty.add(name);
      }
    }
    moved.clear();
    for (String name : dirty) {
      State s = states.get(name);
      if (s != null && s.running()) {
        s.rate = pace(s, infra) * s.factor;
      }
    }
    dirty.clear();
  }

  /** {@code s}'s pace with the others' traffic on the paths it sends on (alone when no other sends there). */
  private double pace(State s, Infrastructure infra) {
    boolean shared = false;
    for (int link : s.links) {
      shared |= usersOfLink.get(link).size() > 1;
    }
    if (!shared) {
      return truth.alone(s.rounds, s.siteIndex, infra).secondsPerWork();
    }
    int n = infra.sites().size();
    String self = s.app.name();
    return truth.shared(s.rounds, s.siteIndex, infra, (a, b) -> {
      java.util.TreeMap<String, Double> users = usersOfLink.get(a * n + b);
      if (users == null) {
        return new double[0];
      }
      return users.entrySet().stream().filter(e -> !e.getKey().equals(self)).mapToDouble(Map.Entry::getValue).toArray();
    }).secondsPerWork();
  }

  /**
   * The directed paths between sites {@code s} sends on, and its rate on each at its pace alone; and
   * the shared parts of the sites' own networks it crosses: a blocking switch (its traffic inside the
   * site), a limited uplink out of and into a site (its traffic leaving, entering it), each counted as
   * a link so that the applications that share it are paced together.
   */
  private static void layLinks(State s, MessageReplayModel.Pace alone, Infrastructure infra) {
    int sites = infra.sites().size();
    List<Integer> links = new ArrayList<>();
    List<Double> demands = new ArrayList<>();
    double seconds = alone.secondsPerWork() * s.factor;
    double[] out = new double[sites];
    double[] in = new double[sites];
    for (int a = 0; a < sites; a++) {
      for (int b = 0; b < sites; b++) {
        double bytes = alone.wanBytesPerWork()[a][b];
        if (bytes <= 0) {
          continue;
        }
        if (a != b || infra.sites().get(a).fabric().limitsBackbone()) {
          links.add(a * sites + b);
          demands.add(bytes / seconds);
        }
        if (a != b) {
          out[a] += bytes;
          in[b] += bytes;
        }
      }
    }
    for (int a = 0; a < sites; a++) {
      if (infra.sites().get(a).fabric().limitsUplink()) {
        if (out[a] > 0) {
          links.add(sites * sites + a);
          demands.add(out[a] / seconds);
        }
        if (in[a] > 0) {
          links.add(sites * sites + sites + a);
          demands.add(in[a] / seconds);
        }
      }
    }
    s.links = links.stream().mapToInt(Integer::intValue).toArray();
    s.demands = demands.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** Where each VM of {@code s} runs, or null while one is not placed. */
  private static String[] sitesOf(State s) {
    String[] sites = new String[s.vms.size()];
    for (int i = 0; i < sites.length; i++) {
      Optional<String> at = s.placement.siteOf(s.vms.get(i));
      if (at.isEmpty()) {
        return null;
      }
      sites[i] = at.get();
    }
    return sites;
  }

  /** The index in {@code infra} of the site of each VM of {@code s} on {@code placement}, or null while one is not placed. */
  private static int[] siteIndex(State s, Placement placement, Infrastructure infra) {
    int[] at = new int[s.vms.size()];
    for (int i = 0; i < at.length; i++) {
      Optional<String> site = placement.siteOf(s.vms.get(i));
      if (site.isEmpty()) {
        return null;
      }
      at[i] = infra.indexOf(site.get());
    }
    return at;
  }

  /** Takes {@code s}'s traffic off the paths: the others on them get a new rate. */
  private void unlayout(State s) {
    if (s.siteIndex != null) {
      for (int link : s.links) {
        usersOfLink.get(link).remove(s.app.name());
      }
      touch(s.links, null);
    }
    s.siteIndex = null;
    s.sites = null;
    s.links = new int[0];
    s.demands = new double[0];
    s.rate = Double.NaN;
  }

  /** Marks every user of {@code links} for a new rate, after adding {@code user} with its rates (if any). */
  private void touch(int[] links, State user) {
    for (int i = 0; i < links.length; i++) {
      java.util.TreeMap<String, Double> users = usersOfLink.computeIfAbsent(links[i], k -> new java.util.TreeMap<>());
      if (user != null) {
        users.put(user.app.name(), user.demands[i]);
      }
      dirty.addAll(users.keySet());
    }
  }

  /** What the application's VMs send each other per wall second while it runs at {@code secondsPerWork}. */
  public static TrafficMatrix trafficRates(Application app, double secondsPerWork) {
    return app.workload().trafficPerWork().dividedBy(secondsPerWork);
  }
}
