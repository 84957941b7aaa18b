package org.vmflock.simulate.truth;

import java.util.List;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;

/**
 * The truth model ({@link MessageReplayModel}) for a run observed on one site, as the estimator's
 * {@code predict runtime} takes one: its traffic and rounds per second of the observed run. The run's
 * compute is what makes the model's replay on the observed site last one second per second (found by
 * bisection: the replay grows with the compute); the placement's slowdown is its replay with that
 * compute over the observed site's.
 *
 * @param slowdown the placement's time over the observed site's
 * @param computeShare the share of the observed run the model takes as compute
 * @param wanRounds rounds per observed second with a message between sites
 */
public record ObservedRunTruth(double slowdown, double computeShare, double wanRounds) {

  private static final int BISECTIONS = 40;

  /**
   * @param sequence the observed rounds in their order (each its class in {@code roundsPerSecond}); empty: not known
   * @param observedSite the site of {@code infra} the run was observed on (all its VMs there)
   * @param placement the placement to predict, every VM of the matrix on a site of {@code infra}
   */
  public static ObservedRunTruth predict(TrafficMatrix perSecond, CommunicationRounds roundsPerSecond, int[] sequence, Infrastructure infra,
      String observedSite, Placement placement, MessageReplayModel model) {
    MessageReplayModel.Rounds rounds = MessageReplayModel.Rounds.of(perSecond, roundsPerSecond, 0, sequence, model.settings());
    List<String> vms = perSecond.vms();
    int[] one = new int[vms.size()];
    int[] there = new int[vms.size()];
    java.util.Arrays.fill(one, infra.indexOf(observedSite));
    for (int v = 0; v < vms.size(); v++) {
      String vm = vms.get(v);
      there[v] = infra.indexOf(placement.siteOf(vm).orElseThrow(() -> new IllegalArgumentException("the placement does not place " + vm)));
    }
    double low = 0;
    double high = 1;
    if (model.pace(rounds, one, infra, 0, MessageReplayModel.CrossTraffic.NONE).secondsPerWork() >= 1) {
      high = 0; // the messages alone fill the observed second: no compute left
    }
    for (int i = 0; i < BISECTIONS && high > 0; i++) {
      double mid = (low + high) / 2;
      if (model.pace(rounds, one, infra, mid, MessageReplayModel.CrossTraffic.NONE).secondsPerWork() > 1) {
        high = mid;
      } else {
        low = mid;
      }
    }
    double compute = high == 0 ? 0 : low;
    MessageReplayModel.Pace reference = model.pace(rounds, one, infra, compute, MessageReplayModel.CrossTraffic.NONE);
    MessageReplayModel.Pace placed = model.pace(rounds, there, infra, compute, MessageReplayModel.CrossTraffic.NONE);
    return new ObservedRunTruth(placed.secondsPerWork() / reference.secondsPerWork(), compute, placed.wanRounds());
  }
}
