package org.vmflock.simulate.truth;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmflock.model.Application;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.TrafficMatrix;

/**
 * The truth's paces for a simulation's many applications: applications with the same traffic and
 * rounds (those built from one profile) share their {@link MessageReplayModel.Rounds}, and a pace
 * alone on the links is kept for the same rounds on the same sites of the same infrastructure (a
 * pure function of them: keeping it changes no result, only how often it is computed).
 */
public final class TruthPaces {

  private static final int KEPT_PACES = 50_000;

  private record WorkloadKey(double[] bytes, CommunicationRounds rounds, double syncsPerWork) {
    @Override
    public boolean equals(Object o) {
      return o instanceof WorkloadKey k && Arrays.equals(bytes, k.bytes) && rounds.equals(k.rounds) && syncsPerWork == k.syncsPerWork;
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(bytes) + Double.hashCode(syncsPerWork);
    }
  }

  private record PaceKey(MessageReplayModel.Rounds rounds, int[] sites) {
    @Override
    public boolean equals(Object o) {
      return o instanceof PaceKey k && rounds == k.rounds && Arrays.equals(sites, k.sites);
    }

    @Override
    public int hashCode() {
      return 31 * System.identityHashCode(rounds) + Arrays.hashCode(sites);
    }
  }

  private final MessageReplayModel model;
  private final Map<WorkloadKey, MessageReplayModel.Rounds> rounds = new HashMap<>();
  private final Map<PaceKey, MessageReplayModel.Pace> alone = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<PaceKey, MessageReplayModel.Pace> eldest) {
      return size() > KEPT_PACES;
    }
  };
  private Infrastructure infra;

  public TruthPaces(MessageReplayModel model) {
    this.model = model;
  }

  /** The rounds of {@code app} (its VMs in {@link Application#vmNames()} order), shared with its twins. */
  public MessageReplayModel.Rounds rounds(Application app) {
    List<String> vms = app.vmNames();
    TrafficMatrix m = app.workload().trafficPerWork().reorder(vms);
    int n = m.size();
    double[] flat = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        flat[i * n + j] = m.bytes(i, j);
      }
    }
    CommunicationRounds r = app.workload().rounds().renumbered(app.workload().trafficPerWork().vms(), vms);
    return rounds.computeIfAbsent(new WorkloadKey(flat, r, app.workload().syncsPerWork()),
        k -> MessageReplayModel.Rounds.of(app, model.settings()));
  }

  /** The pace of {@code r} on {@code sites} of {@code infra} with no other application's traffic. */
  public MessageReplayModel.Pace alone(MessageReplayModel.Rounds r, int[] sites, Infrastructure infra) {
    if (infra != this.infra) {
      if (this.infra == null || !sameNetwork(this.infra, infra)) {
        alone.clear();
      }
      this.infra = infra;
    }
    return alone.computeIfAbsent(new PaceKey(r, sites.clone()), k -> model.pace(r, k.sites(), infra, 1, MessageReplayModel.CrossTraffic.NONE));
  }

  /**
   * Whether the truth sees the same federation in both: the same sites in the same order with the
   * same CPU speeds and own networks (host links, switches, uplinks), the same paths between them (prices, capacities and
   * availability may differ: a new price makes a new infrastructure, not a new network).
   */
  public static boolean sameNetwork(Infrastructure a, Infrastructure b) {
    if (a == b) {
      return true;
    }
    int n = a.sites().size();
    if (b.sites().size() != n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (!a.sites().get(i).name().equals(b.sites().get(i).name()) || a.sites().get(i).cpuSpeed() != b.sites().get(i).cpuSpeed()
          || !a.sites().get(i).internal().equals(b.sites().get(i).internal()) || !a.sites().get(i).fabric().equals(b.sites().get(i).fabric())) {
        return false;
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i != j && !a.path(i, j).equals(b.path(i, j))) {
          return false;
        }
      }
    }
    return true;
  }

  /** The pace of {@code r} on {@code sites} of {@code infra} with the others' traffic between sites. */
  public MessageReplayModel.Pace shared(MessageReplayModel.Rounds r, int[] sites, Infrastructure infra, MessageReplayModel.CrossTraffic others) {
    return model.pace(r, sites, infra, 1, others);
  }
}
