package org.vmflock.simulate.truth;

/**
 * The constants of the simulator's network truth, after SimGrid's LV08 TCP model
 * (https://simgrid.org/doc/latest/Models.html, "LV08 (default)" and "CM02"):
 *
 * @param bandwidthFactor the share of a link's nominal bandwidth a flow's payload gets: TCP and IP
 *     headers ("only 97 % of the nominal bandwidth are available", LV08: 0.97)
 * @param ackWeight the bandwidth a flow's acknowledgements take on the reverse path, as a share of
 *     its rate (LV08's cross-traffic: "an additional bandwidth consumption of 0.05 %" in its text,
 *     a divisor of 1.05 in its worked example, which is what SimGrid computes: 0.05)
 * @param latencyFactor what a message pays per second of its route's one-way latency. LV08 charges
 *     13.01 for TCP's slow start on a new connection ("it can be tuned when more realistic simulated
 *     times for the transfer of short messages are needed"); an MPI job's connections are opened once
 *     and stay warm (Linux restarts slow start only after an idle time of one retransmission timeout,
 *     200 ms or more, longer than a round's pause), so 1
 * @param tcpWindowBytes the largest TCP window: a flow never goes faster than window / round trip
 *     (CM02's {@code TCP_GAMMA}, 4194304 bytes by default in SimGrid)
 * @param minRounds rounds replayed at least to measure an application's pace (after as many to settle)
 * @param maxRounds rounds replayed at most: a work second with more is replayed in part, each round
 *     standing for several
 */
public record TruthSettings(double bandwidthFactor, double ackWeight, double latencyFactor, double tcpWindowBytes, int minRounds,
    int maxRounds) {

  /** LV08's bandwidth factor and cross-traffic, CM02's window, warm connections. */
  public static final TruthSettings LV08_WARM = new TruthSettings(0.97, 0.05, 1.0, 4_194_304, 32, 512);

  public TruthSettings {
    if (!(bandwidthFactor > 0 && bandwidthFactor <= 1) || !(ackWeight >= 0 && ackWeight < 1) || !(latencyFactor >= 0)
        || !(tcpWindowBytes > 0) || minRounds < 1 || maxRounds < minRounds) {
      throw new IllegalArgumentException("truth settings out of range: " + this);
    }
  }
}
