package org.vmflock.plan;

import java.time.Duration;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;

/**
 * The iterative pre-copy live migration of Clark et al. ("Live Migration of Virtual Machines",
 * NSDI 2005), with the analytic model of its rounds used by Akoush et al. ("Predicting the
 * Performance of Virtual Machine Migration", MASCOTS 2010) and Liu et al. ("Performance and Energy
 * Modeling for Live Migration of Virtual Machines", HPDC 2011):
 *
 * <pre>
 *   round 0 sends the whole memory M:            V0 = M,          t0 = M / B
 *   round i sends what was dirtied during i-1:   Vi = D * t(i-1) = M * (D/B)^i,   ti = Vi / B
 * </pre>
 *
 * with B the bandwidth given to the migration and D the VM's dirty rate. Pre-copy stops when the
 * dirty set would be sent within the target downtime (Vi &lt;= B * target), when it no longer
 * shrinks (D &gt;= B), or after the maximum number of rounds; then the VM is paused, the last Vn is
 * sent (stop-and-copy), and the VM resumes at the destination, its network updated.
 * Downtime = Vn / B + latency + resume; total = sum of t0..t(n-1) + downtime; bytes = V0 + ... + Vn.
 */
public final class PreCopyMigrationModel implements MigrationTimeEstimator {

  /**
   * @param bandwidthShare the share of the path's bandwidth a migration may use
   * @param targetDowntime the pause pre-copy aims at
   * @param maxRounds pre-copy rounds at most (the first full copy included)
   * @param resume pausing, resuming and updating the network (fixed cost of the switch-over)
   */
  public record Settings(double bandwidthShare, Duration targetDowntime, int maxRounds, Duration resume) {
    public Settings {
      if (!(bandwidthShare > 0 && bandwidthShare <= 1) || maxRounds < 1 || targetDowntime.isNegative() || resume.isNegative()) {
        throw new IllegalArgumentException("migration model: share in (0, 1], at least one round, no negative time");
      }
    }

    public static Settings defaults() {
      return new Settings(1.0, Duration.ofMillis(300), 30, Duration.ofMillis(100));
    }

    /**
     * The settings that account for migrations taking {@code observedOverPredicted} times as long
     * as predicted: the migration sees that much less (or more, up to the whole path) bandwidth.
     */
    public Settings calibrated(double observedOverPredicted) {
      if (!(observedOverPredicted > 0) || Double.isInfinite(observedOverPredicted)) {
        return this;
      }
      return new Settings(Math.max(MIN_SHARE, Math.min(1, bandwidthShare / observedOverPredicted)), targetDowntime, maxRounds, resume);
    }

    private static final double MIN_SHARE = 1e-3;
  }

  private final Settings settings;

  public PreCopyMigrationModel(Settings settings) {
    this.settings = settings;
  }

  @Override
  public MigrationEstimate estimate(Vm vm, NetworkPath path) {
    double bandwidth = path.bytesPerSecond() * settings.bandwidthShare();
    double memory = vm.memoryBytes();
    double dirty = vm.dirtyBytesPerSecond();
    double stopCopyBytes = bandwidth * settings.targetDowntime().toNanos() / 1e9;
    double sent = 0;
    double precopySeconds = 0;
    double toSend = memory;
    int rounds = 0;
    boolean converged = false;
    while (true) {
      // send this round's pages; the VM dirties memory meanwhile
      double seconds = toSend / bandwidth;
      sent += toSend;
      precopySeconds += seconds;
      rounds++;
      double next = Math.min(memory, dirty * seconds);
      if (next <= stopCopyBytes) {
        converged = true;
        toSend = next;
        break;
      }
      if (next >= toSend || rounds >= settings.maxRounds()) {
        toSend = next;
        break;
      }
      toSend = next;
    }
    double downtime = toSend / bandwidth + path.latencySeconds() + settings.resume().toNanos() / 1e9;
    return new MigrationEstimate(rounds, precopySeconds + downtime, downtime, sent + toSend, converged);
  }
}
