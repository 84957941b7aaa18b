package org.vmflock.plan;

/**
 * What one work second of an application costs on a placement, by cause (wall seconds), and how
 * many of its rounds wait for a path between sites. Transfers overlap compute (the lab's runs: LAMMPS
 * split against its groups at 100 Mbit/s carried 12.7 s of transfers each way in a 16.4 s run), so a
 * work second lasts the larger of the two, plus the rounds' waits.
 *
 * @param computeSeconds the work at the slowest CPU among the sites used
 * @param bandwidthSeconds the bytes through the busiest VM interface or inter-site link
 * @param latencySeconds the rounds' waits: each exchange round its slowest hop, each pipeline sweep the hops of its longest chain
 * @param wanRounds rounds per work second that wait for a path between sites (a sweep once per such hop on its chain)
 */
public record ExecutionBreakdown(double computeSeconds, double bandwidthSeconds, double latencySeconds, double wanRounds) {

  public double secondsPerWork() {
    return Math.max(computeSeconds, bandwidthSeconds) + latencySeconds;
  }

  /** The same parts times {@code f} (a calibration factor), the round count unchanged. */
  public ExecutionBreakdown scaled(double f) {
    return new ExecutionBreakdown(computeSeconds * f, bandwidthSeconds * f, latencySeconds * f, wanRounds);
  }
}
