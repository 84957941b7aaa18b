package org.vmflock.simulate.truth;

import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.Application;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;
import org.vmflock.model.SiteFabric;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.plan.CompiledRounds;
import org.vmflock.plan.TrafficLayout;

/**
 * How long a work second of an application really takes in the simulator (S1, its truth): a model
 * finer than the planner's estimator and built differently, so that the planner's error is real.
 *
 * <p>Its rounds ({@link CommunicationRounds}; a profile's, or a capture's) are replayed message by
 * message, each VM with its own clock. In each round every VM computes its share of the work (one
 * work second at CPU speed 1, split evenly over the rounds, divided by the speed of the CPU of its own
 * site), then sends its messages; a message arrives after its route's latency and its transfer; a VM
 * goes on once its own messages have arrived and its own have left. An exchange's messages are sent
 * at once; a pipeline sweep's VMs compute and pass on in the sweep's order. So a round waits only for
 * its own participants, and a slow site holds back the VMs that wait for it, not the others directly.
 * The rounds of the classes follow each other interleaved in proportion to their counts (smooth
 * weighted round robin) over as many work seconds as make {@link TruthSettings#minRounds()} rounds
 * (fewer than one when a second holds more than {@link TruthSettings#maxRounds()}); the pace is what
 * the latest clock advances over them, after as many to settle.
 *
 * <p>The network is flow-level, in the manner of SimGrid's LV08 model
 * (https://simgrid.org/doc/latest/Models.html), and a site's network as SimGrid's cluster zones build
 * one ({@link SiteFabric}): a route from a VM to another is the sender's network interface (the site's
 * own bandwidth), the sender's site's switch where it blocks, for VMs of different sites the sender's
 * site's uplink out, the path between the sites, the receiver's site's uplink in and its switch, and
 * the receiver's interface; its latency is the site's own one-way latency inside a site, else half of
 * each site's own plus the path's (a host link on each side, the backbone between). The messages of a
 * round are concurrent flows sharing every resource they cross max-min fairly ({@link MaxMinSharing})
 * at 97 % of the nominal bandwidth, each also loading the reverse path with its acknowledgements and
 * bounded by its TCP window over the round trip ({@link TruthSettings}). The latency is paid before
 * the transfer ("the latency is paid beforehand", as in SimGrid). Other applications' traffic on a
 * path, an uplink or a switch the round uses competes as flows at their average rate (their rounds are
 * not in step with ours).
 *
 * <p>What the estimator ({@code plan.BspExecutionModel}) does instead: compute at the slowest site's
 * speed for everyone, bandwidth as an average over the work second through the busiest interface or
 * link (shared equally with every other application on it), and latency as a sum over rounds of their
 * slowest hop; none of the three overlap or interact there. Here bursts contend within a round,
 * transfers and latencies add to each message, and compute imbalance and communication combine
 * along the VMs' clocks.
 */
public final class MessageReplayModel {

  /** What other applications send from one site to another ({@code fromSite == toSite}: inside it), bytes per second each, in a fixed order. */
  @FunctionalInterface
  public interface CrossTraffic {
    CrossTraffic NONE = (a, b) -> new double[0];

    double[] demands(int fromSite, int toSite);
  }

  /**
   * What a work second of the application costs on a placement.
   *
   * @param secondsPerWork wall seconds per work second
   * @param computeSeconds of which computing at the slowest VM's speed (the rest waits for messages)
   * @param wanBytesPerWork bytes per work second from site a to site b ({@code [a][b]}; {@code [a][a]}: between VMs of site a)
   * @param wanRounds rounds per work second with a message between sites
   */
  public record Pace(double secondsPerWork, double computeSeconds, double[][] wanBytesPerWork, double wanRounds) {}

  /** One class of rounds with its messages. */
  private static final class Phase {
    final boolean pipeline;
    final double perWork;
    final int[] from;
    final int[] to;
    final double[] bytes;

    Phase(boolean pipeline, double perWork, int[] from, int[] to, double[] bytes) {
      this.pipeline = pipeline;
      this.perWork = perWork;
      this.from = from;
      this.to = to;
      this.bytes = bytes;
    }
  }

  /** An application's rounds, messages and schedule, whatever the placement. */
  public static final class Rounds {
    final int vms;
    final List<Phase> phases;
    final double roundsPerWork;
    private final int[] schedule; // phase of each replayed round
    private final double[] weight; // rounds per work second each replayed round stands for

    private Rounds(int vms, List<Phase> phases, TruthSettings settings, int[] sequence) {
      this.vms = vms;
      this.phases = phases;
      double r = 0;
      for (Phase p : phases) {
        r += p.perWork;
      }
      this.roundsPerWork = r;
      if (phases.isEmpty()) {
        schedule = new int[0];
        weight = new double[0];
        return;
      }
      if (sequence.length > 0) {
        schedule = sequence.clone();
        weight = new double[sequence.length];
        weigh(phases, schedule, weight);
        return;
      }
      // enough work seconds for the fewest rounds wanted, fewer when one holds more than the most (then each replayed round stands for several)
      double seconds = Math.min(Math.max(1, settings.minRounds() / r), settings.maxRounds() / r);
      int[] appearances = new int[phases.size()];
      int m = 0;
      for (int c = 0; c < phases.size(); c++) {
        appearances[c] = (int) Math.max(1, Math.round(phases.get(c).perWork * seconds)); // a rare class once, for its share
        m += appearances[c];
      }
      schedule = new int[m];
      weight = new double[m];
      double[] current = new double[phases.size()];
      for (int k = 0; k < m; k++) { // smooth weighted round robin: each class its count, evenly interleaved, deterministic
        int best = 0;
        for (int c = 0; c < phases.size(); c++) {
          current[c] += appearances[c];
          if (current[c] > current[best]) {
            best = c;
          }
        }
        current[best] -= m;
        schedule[k] = best;
      }
      weigh(phases, schedule, weight);
    }

    /** Each replayed round stands for its class's rounds per work second over its appearances. */
    private static void weigh(List<Phase> phases, int[] schedule, double[] weight) {
      int[] appearances = new int[phases.size()];
      for (int c : schedule) {
        appearances[c]++;
      }
      for (int k = 0; k < schedule.length; k++) {
        weight[k] = phases.get(schedule[k]).perWork / appearances[schedule[k]];
      }
    }

    /** The rounds of {@code app}, its VMs in {@link Application#vmNames()} order. */
    public static Rounds of(Application app, TruthSettings settings) {
      List<String> vms = app.vmNames();
      TrafficMatrix m = app.workload().trafficPerWork().reorder(vms);
      CommunicationRounds r = app.workload().rounds().renumbered(app.workload().trafficPerWork().vms(), vms);
      return of(m, r, app.workload().syncsPerWork(), new int[0], settings);
    }

    /**
     * The rounds of a matrix of bytes per work second and its rounds per work second (unknown:
     * {@code syncsPerWork} exchanges among all the pairs that talk, as the estimator takes them). Each
     * pair's bytes are split evenly over the rounds it takes part in; the bytes of a pair in no round go
     * in one extra exchange per work second.
     *
     * @param sequence the rounds in the order they came, each its class in {@code rounds} (a capture's
     *     order); empty: interleaved in proportion to their counts
     */
    public static Rounds of(TrafficMatrix perWork, CommunicationRounds rounds, double syncsPerWork, int[] sequence, TruthSettings settings) {
      int n = perWork.size();
      CommunicationRounds r = rounds.known() ? rounds : CommunicationRounds.allTalking(perWork, syncsPerWork, TrafficLayout.NEGLIGIBLE_BYTES);
      CompiledRounds compiled = CompiledRounds.of(r, n);
      double[][] messages = new double[n][n];
      for (CompiledRounds.Compiled c : compiled.classes) {
        for (int i = 0; i < c.from.length; i++) {
          messages[c.from[i]][c.to[i]] += c.perWork;
        }
      }
      List<Phase> phases = new ArrayList<>();
      int[] phaseOf = new int[compiled.classes.size()];
      for (int k = 0; k < compiled.classes.size(); k++) {
        CompiledRounds.Compiled c = compiled.classes.get(k);
        phaseOf[k] = phases.size();
        if (c.perWork <= 0) {
          phaseOf[k] = -1;
          continue;
        }
        double[] bytes = new double[c.from.length];
        for (int i = 0; i < bytes.length; i++) {
          bytes[i] = perWork.bytes(c.from[i], c.to[i]) / messages[c.from[i]][c.to[i]];
        }
        phases.add(new Phase(c.pipeline, c.perWork, c.from, c.to, bytes));
      }
      List<int[]> bulk = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (i != j && messages[i][j] == 0 && perWork.bytes(i, j) > TrafficLayout.NEGLIGIBLE_BYTES) {
            bulk.add(new int[] {i, j});
          }
        }
      }
      if (!bulk.isEmpty()) {
        int[] from = bulk.stream().mapToInt(p -> p[0]).toArray();
        int[] to = bulk.stream().mapToInt(p -> p[1]).toArray();
        double[] bytes = bulk.stream().mapToDouble(p -> perWork.bytes(p[0], p[1])).toArray();
        phases.add(new Phase(false, 1, from, to, bytes));
      }
      int[] order = new int[0];
      if (rounds.known() && sequence.length > 0) {
        order = java.util.Arrays.stream(sequence).map(k -> phaseOf[k]).filter(k -> k >= 0).toArray();
      }
      return new Rounds(n, phases, settings, order);
    }

    public int vms() {
      return vms;
    }
  }

  private final TruthSettings settings;

  public MessageReplayModel(TruthSettings settings) {
    this.settings = settings;
  }

  public TruthSettings settings() {
    return settings;
  }

  /**
   * The pace of {@code r} with VM {@code v} on site {@code siteOfVm[v]} of {@code infra}.
   *
   * @param computePerWork compute seconds per work second at CPU speed 1 (1 for a simulated
   *     application; less for an observed run, whose seconds also held its communication)
   * @param others what other applications send between the sites
   */
  public Pace pace(Rounds r, int[] siteOfVm, Infrastructure infra, double computePerWork, CrossTraffic others) {
    int n = r.vms;
    int sites = infra.sites().size();
    double[] comp = new double[n];
    double slowest = 0;
    for (int v = 0; v < n; v++) {
      double speed = infra.sites().get(siteOfVm[v]).cpuSpeed();
      slowest = Math.max(slowest, computePerWork / speed);
      comp[v] = r.roundsPerWork > 0 ? computePerWork / r.roundsPerWork / speed : 0;
    }
    double[][] wan = new double[sites][sites];
    if (r.phases.isEmpty()) {
      return new Pace(slowest, slowest, wan, 0);
    }
    List<double[][]> costs = new ArrayList<>(r.phases.size());
    double wanRounds = 0;
    for (Phase p : r.phases) {
      costs.add(messageTimes(p, siteOfVm, infra, others));
      boolean crosses = false;
      for (int i = 0; i < p.from.length; i++) {
        int a = siteOfVm[p.from[i]];
        int b = siteOfVm[p.to[i]];
        wan[a][b] += p.bytes[i] * p.perWork;
        if (a != b) {
          crosses = true;
        }
      }
      wanRounds += crosses ? p.perWork : 0;
    }
    Clocks clocks = new Clocks(n);
    for (int k = 0; k < r.schedule.length; k++) { // settle
      round(r.phases.get(r.schedule[k]), costs.get(r.schedule[k]), comp, clocks);
    }
    double seconds = 0;
    double last = clocks.latest();
    for (int k = 0; k < r.schedule.length; k++) {
      round(r.phases.get(r.schedule[k]), costs.get(r.schedule[k]), comp, clocks);
      double now = clocks.latest();
      seconds += r.weight[k] * (now - last);
      last = now;
    }
    return new Pace(Math.max(seconds, slowest), slowest, wan, wanRounds);
  }

  /** Each VM's times within a round, reused from round to round. */
  private static final class Clocks {
    final double[] at;
    final double[] start; // when each VM sends
    final double[] arrived; // when each VM has what it waits for
    final double[] sent; // when each VM's messages have left
    final boolean[] started;

    Clocks(int n) {
      at = new double[n];
      start = new double[n];
      arrived = new double[n];
      sent = new double[n];
      started = new boolean[n];
    }

    double latest() {
      double m = Double.NEGATIVE_INFINITY;
      for (double v : at) {
        m = Math.max(m, v);
      }
      return m;
    }
  }

  /**
   * Advances every VM's clock over one round of {@code p} ({@code cost[0]}: each message's arrival after it
   * is sent, {@code cost[1]}: its transfer, {@code cost[2]}: its latency).
   */
  private static void round(Phase p, double[][] cost, double[] comp, Clocks c) {
    int n = c.at.length;
    if (!p.pipeline) {
      for (int v = 0; v < n; v++) {
        c.start[v] = c.at[v] + comp[v];
        c.arrived[v] = c.start[v];
        c.sent[v] = c.start[v];
      }
      for (int i = 0; i < p.from.length; i++) {
        int u = p.from[i];
        c.arrived[p.to[i]] = Math.max(c.arrived[p.to[i]], c.start[u] + cost[0][i]);
        c.sent[u] = Math.max(c.sent[u], c.start[u] + cost[1][i]);
      }
      for (int v = 0; v < n; v++) {
        c.at[v] = Math.max(c.arrived[v], c.sent[v]);
      }
      return;
    }
    // A sweep, its hops sorted by their sender's place in it. Its planes ride along: a VM begins when the first
    // plane of each input is in (the sender's beginning plus the hop's latency), ends once it has computed its share and
    // every input is whole (each sender's end plus the latency, or its beginning plus latency and transfer).
    for (int v = 0; v < n; v++) {
      c.start[v] = c.at[v]; // beginning
      c.arrived[v] = c.at[v]; // inputs whole
      c.started[v] = false;
    }
    for (int i = 0; i < p.from.length; i++) {
      int u = p.from[i];
      if (!c.started[u]) {
        c.started[u] = true;
        c.arrived[u] = Math.max(c.arrived[u], c.start[u] + comp[u]); // u's end
        c.sent[u] = c.arrived[u];
      }
      int w = p.to[i];
      c.start[w] = Math.max(c.start[w], c.start[u] + cost[2][i]);
      c.arrived[w] = Math.max(c.arrived[w], Math.max(c.arrived[u] + cost[2][i], c.start[u] + cost[0][i]));
      c.sent[u] = Math.max(c.sent[u], c.start[u] + cost[1][i]);
    }
    for (int v = 0; v < n; v++) {
      c.at[v] = c.started[v] ? c.sent[v] : Math.max(c.arrived[v], c.start[v] + comp[v]);
    }
  }

  /**
   * Each message of a round of {@code p}: {@code [0]} its latency plus its transfer, {@code [1]} its
   * transfer, {@code [2]} its latency, all the round's messages sharing the network at once with the
   * others' cross traffic.
   */
  private double[][] messageTimes(Phase p, int[] siteOfVm, Infrastructure infra, CrossTraffic others) {
    int n = siteOfVm.length;
    int sites = infra.sites().size();
    int[] pathIndex = new int[sites * sites]; // resource of each path between two sites the round uses, both ways
    int[] backbone = new int[sites]; // resource of each blocking backbone the round crosses
    int[] uplinkOut = new int[sites]; // each limited uplink the round leaves a site by, and the reverse (its acknowledgements)
    int[] uplinkIn = new int[sites];
    java.util.Arrays.fill(pathIndex, -1);
    java.util.Arrays.fill(backbone, -1);
    java.util.Arrays.fill(uplinkOut, -1);
    java.util.Arrays.fill(uplinkIn, -1);
    int resources = 2 * n;
    for (int i = 0; i < p.from.length; i++) {
      int a = siteOfVm[p.from[i]];
      int b = siteOfVm[p.to[i]];
      for (int x : new int[] {a, b}) {
        if (backbone[x] < 0 && infra.sites().get(x).fabric().limitsBackbone()) {
          backbone[x] = resources++;
        }
      }
      if (a != b && pathIndex[a * sites + b] < 0) {
        pathIndex[a * sites + b] = resources++;
        if (pathIndex[b * sites + a] < 0) {
          pathIndex[b * sites + a] = resources++;
        }
        for (int x : new int[] {a, b}) {
          if (uplinkOut[x] < 0 && infra.sites().get(x).fabric().limitsUplink()) {
            uplinkOut[x] = resources++;
            uplinkIn[x] = resources++;
          }
        }
      }
    }
    double[] capacity = new double[resources];
    for (int v = 0; v < n; v++) {
      double nic = infra.sites().get(siteOfVm[v]).internal().bytesPerSecond() * settings.bandwidthFactor();
      capacity[v] = nic; // sending interface
      capacity[n + v] = nic; // receiving interface
    }
    for (int x = 0; x < pathIndex.length; x++) {
      if (pathIndex[x] >= 0) {
        capacity[pathIndex[x]] = infra.path(x / sites, x % sites).bytesPerSecond() * settings.bandwidthFactor();
      }
    }
    for (int x = 0; x < sites; x++) {
      SiteFabric f = infra.sites().get(x).fabric();
      if (backbone[x] >= 0) {
        capacity[backbone[x]] = f.backbone() * settings.bandwidthFactor();
      }
      if (uplinkOut[x] >= 0) {
        capacity[uplinkOut[x]] = f.uplink() * settings.bandwidthFactor();
        capacity[uplinkIn[x]] = f.uplink() * settings.bandwidthFactor();
      }
    }
    MaxMinSharing.Problem problem = new MaxMinSharing.Problem(capacity, p.from.length, 6 * p.from.length);
    double[] latency = new double[p.from.length];
    for (int i = 0; i < p.from.length; i++) {
      int u = p.from[i];
      int w = p.to[i];
      int a = siteOfVm[u];
      int b = siteOfVm[w];
      latency[i] = latency(a, b, infra);
      problem.flow(p.bytes[i], latency[i] > 0 ? settings.tcpWindowBytes() / (2 * latency[i]) : Double.POSITIVE_INFINITY);
      problem.uses(u, 1);
      problem.uses(n + w, 1);
      problem.uses(w, settings.ackWeight());
      problem.uses(n + u, settings.ackWeight());
      if (backbone[a] >= 0) { // a message inside a site crosses its switch once, between sites both sites' switches
        problem.uses(backbone[a], 1 + settings.ackWeight());
      }
      if (a != b) {
        if (backbone[b] >= 0) {
          problem.uses(backbone[b], 1 + settings.ackWeight());
        }
        problem.uses(pathIndex[a * sites + b], 1);
        problem.uses(pathIndex[b * sites + a], settings.ackWeight());
        if (uplinkOut[a] >= 0) {
          problem.uses(uplinkOut[a], 1);
          problem.uses(uplinkIn[a], settings.ackWeight());
        }
        if (uplinkIn[b] >= 0) {
          problem.uses(uplinkIn[b], 1);
          problem.uses(uplinkOut[b], settings.ackWeight());
        }
      }
    }
    int own = problem.flows();
    for (int x = 0; x < sites; x++) { // the others' traffic on the paths, uplinks and backbones the round uses
      for (int y = 0; y < sites; y++) {
        int path = x == y ? -1 : pathIndex[x * sites + y];
        int out = x == y ? -1 : uplinkOut[x];
        int in = x == y ? -1 : uplinkIn[y];
        int switchFrom = backbone[x];
        int switchTo = x == y ? -1 : backbone[y];
        if (path < 0 && out < 0 && in < 0 && switchFrom < 0 && switchTo < 0) {
          continue;
        }
        for (double d : others.demands(x, y)) {
          problem.persistentFlow(d);
          for (int r : new int[] {path, out, in, switchFrom, switchTo}) {
            if (r >= 0) {
              problem.uses(r, 1);
            }
          }
        }
      }
    }
    double[] transfer = new double[problem.flows()];
    problem.solve(transfer);
    double[][] cost = new double[3][own];
    for (int i = 0; i < own; i++) {
      cost[1][i] = transfer[i];
      cost[2][i] = settings.latencyFactor() * latency[i];
      cost[0][i] = cost[2][i] + transfer[i];
    }
    return cost;
  }

  /** One way from a VM on site {@code a} to one on {@code b}: the site's own latency, or half of each site's own and the path's. */
  static double latency(int a, int b, Infrastructure infra) {
    Site from = infra.sites().get(a);
    if (a == b) {
      return from.internal().latencySeconds();
    }
    NetworkPath path = infra.path(a, b);
    return (from.internal().latencySeconds() + infra.sites().get(b).internal().latencySeconds()) / 2 + path.latencySeconds();
  }
}
