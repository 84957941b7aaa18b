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
 * <p>Incremental: an application's rate is recomputed only when its own layout changed or the number
 * of applications sharing one of the links it uses changed (all of them on a new infrastructure),
 * so a federation of thousands of applications advances cheaply at every step of every migration.
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

  /** One application's state: progress, where it runs, the layout and rate derived from it. */
  private static final class State {
    final Application app;
    final List<String> vms;
    final double factor;
    double done;
    Instant finishedAt;
    Placement placement = Placement.EMPTY;
    String[] sites;
    TrafficLayout layout;
    int[] links = new int[0];
    double rate = Double.NaN;

    State(Application app, double factor) {
      this.app = app;
      this.vms = app.vmNames();
      this.factor = factor;
      this.done = app.workload().doneWork();
    }

    boolean running() {
      return finishedAt == null && layout != null;
    }
  }

  private final BspExecutionModel model = new BspExecutionModel();
  private final long seed;
  private final Map<String, State> states = new LinkedHashMap<>();
  /** The started, unfinished applications in the order they started. */
  private final List<State> active = new ArrayList<>();
  private final Map<String, State> ownerOfVm = new HashMap<>();
  private final Set<String> moved = new HashSet<>();
  private final Set<String> dirty = new HashSet<>();
  private final Map<Integer, Set<String>> usersOfLink = new HashMap<>();
  private Infrastructure lastInfra;
  private LinkShare share = new LinkShare(0);

  public ApplicationRuntime(long seed) {
    this.seed = seed;
  }

  /** Starts running {@code app} (its done work counts). */
  public void start(Application app) {
    if (states.containsKey(app.name())) {
      throw new IllegalArgumentException("application " + app.name() + " already runs");
    }
    double factor = MIN_FACTOR + FACTOR_SPREAD * new SplittableRandom(seed * 0x9E3779B97F4A7C15L + app.name().hashCode()).nextDouble();
    State s = new State(app, factor);
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
      State s = new State(run.app(), run.hiddenFactor());
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
  public double secondsPerWork(String app, Placement placement, Infrastructure infra, LinkShare share) {
    State s = states.get(app);
    TrafficLayout layout = TrafficLayout.of(s.app, placement, infra);
    return model.secondsPerWork(s.app, layout, infra, share) * s.factor;
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
   * Brings layouts and rates up to date: the applications that moved get a new layout; those whose
   * layout changed, or that share a link whose count of applications changed, a new rate.
   */
  private void refresh(Infrastructure infra) {
    if (infra != lastInfra) {
      lastInfra = infra;
      share = new LinkShare(infra.sites().size());
      usersOfLink.clear();
      for (State s : active) {
        s.layout = null;
        s.sites = null;
        s.links = new int[0];
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
      if (s.layout != null && Arrays.equals(sites, s.sites)) {
        continue;
      }
      unlayout(s);
      if (sites != null) {
        s.sites = sites;
        s.layout = TrafficLayout.of(s.app, s.placement, infra);
        s.links = linksOf(s.layout);
        share.add(s.layout, +1);
        touch(s.links, s);
        dirty.add(name);
      }
    }
    moved.clear();
    for (String name : dirty) {
      State s = states.get(name);
      if (s != null && s.running()) {
        share.add(s.layout, -1);
        s.rate = model.secondsPerWork(s.app, s.layout, infra, share) * s.factor;
        share.add(s.layout, +1);
      }
    }
    dirty.clear();
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

  /** Takes {@code s}'s layout off the links: the others on them get a new rate. */
  private void unlayout(State s) {
    if (s.layout != null) {
      share.add(s.layout, -1);
      for (int link : s.links) {
        usersOfLink.get(link).remove(s.app.name());
      }
      touch(s.links, null);
    }
    s.layout = null;
    s.sites = null;
    s.links = new int[0];
    s.rate = Double.NaN;
  }

  /** Marks every user of {@code links} for a new rate, after adding {@code user} to them (if any). */
  private void touch(int[] links, State user) {
    for (int link : links) {
      Set<String> users = usersOfLink.computeIfAbsent(link, k -> new HashSet<>());
      if (user != null) {
        users.add(user.app.name());
      }
      dirty.addAll(users);
    }
  }

  /** The links between two sites that the layout carries traffic on, as {@code a * sites + b}, a &lt; b. */
  private static int[] linksOf(TrafficLayout l) {
    int n = l.sites();
    List<Integer> out = new ArrayList<>();
    for (int a = 0; a < n; a++) {
      if (l.vmsAt(a) == 0) {
        continue;
      }
      for (int b = a + 1; b < n; b++) {
        if (l.carries(a, b) || l.carries(b, a)) {
          out.add(a * n + b);
        }
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** What the application's VMs send each other per wall second while it runs at {@code secondsPerWork}. */
  public static TrafficMatrix trafficRates(Application app, double secondsPerWork) {
    return app.workload().trafficPerWork().dividedBy(secondsPerWork);
  }
}
