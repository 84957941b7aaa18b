package org.vmflock.plan;

import java.time.Duration;

/**
 * QEMU's pre-copy live migration as it really runs (checked against real QEMU 7.2 migrations
 * measured by {@code bin/vmflock bench qemu-migration}; the dataset and the error in the README).
 * What differs from the textbook model ({@link PreCopyMigrationModel}):
 *
 * <ul>
 *   <li>the first pass sends only the non-zero pages: a zero page costs a few bytes of header;
 *   <li>the guest dirties at most its working set, whatever a round lasts: a round of {@code t}
 *       seconds leaves {@code min(workingSet, dirtyRate * t)} to send again;
 *   <li>pre-copy runs at the cap ({@code max-bandwidth}); the switch-over comes once what is left
 *       fits in {@code downtime-limit} at that rate; the last copy is not capped: it runs at the
 *       path's own speed;
 *   <li>a guest whose dirty set stops shrinking above that size never switches over (QEMU without
 *       auto-converge goes on for ever): the migration does not converge and a plan must not
 *       choose it.
 * </ul>
 */
public final class QemuPreCopyModel {

  /**
   * What is migrated, over what.
   *
   * @param memoryBytes the guest's RAM
   * @param nonzeroBytes what of it holds data (the rest are zero pages)
   * @param workingSetBytes the memory the guest keeps writing
   * @param dirtyBytesPerSecond how fast it writes it (distinct 4 KiB pages)
   * @param capBytesPerSecond the migration's bandwidth cap
   * @param pathBytesPerSecond the path's own speed (the switch-over's copy runs at it)
   * @param latency the path's one-way delay
   * @param downtimeLimit the pause QEMU aims at
   */
  public record Input(double memoryBytes, double nonzeroBytes, double workingSetBytes, double dirtyBytesPerSecond, double capBytesPerSecond,
      double pathBytesPerSecond, Duration latency, Duration downtimeLimit) {
    public Input {
      if (!(memoryBytes > 0) || nonzeroBytes < 0 || nonzeroBytes > memoryBytes || workingSetBytes < 0 || workingSetBytes > memoryBytes
          || dirtyBytesPerSecond < 0 || !(capBytesPerSecond > 0) || !(pathBytesPerSecond > 0) || latency.isNegative() || downtimeLimit.isNegative()
          || !Double.isFinite(dirtyBytesPerSecond + capBytesPerSecond + pathBytesPerSecond + memoryBytes)) {
        throw new IllegalArgumentException("migration: positive memory, cap and path speed; non-zero memory and working set within the memory; "
            + "no negative rate or time");
      }
    }
  }

  /**
   * The model's constants, calibrated on measured migrations.
   *
   * @param capEfficiency the share of the cap a migration achieves (QEMU's rate limiter, woken late on a busy machine)
   * @param senderBytesPerSecond the most one QEMU migration stream sends on this machine, whatever the cap (its thread's CPU)
   * @param pathEfficiency the share of the path's speed the final copy achieves
   * @param zeroPageBytes what a zero page costs on the stream
   * @param switchover the fixed cost of a switch-over (devices' state, the destination starting), on top of the last copy
   * @param setup the fixed cost of starting (the destination's handshake), on top of the rounds
   * @param maxRounds a pre-copy still above the switch-over size after this many rounds does not converge
   */
  public record Settings(double capEfficiency, double senderBytesPerSecond, double pathEfficiency, double zeroPageBytes, Duration switchover, Duration setup, int maxRounds) {
    public Settings {
      if (!(capEfficiency > 0) || !(senderBytesPerSecond > 0) || !(pathEfficiency > 0) || zeroPageBytes < 0 || switchover.isNegative() || setup.isNegative() || maxRounds < 1) {
        throw new IllegalArgumentException("QEMU migration model: positive efficiencies, at least one round, nothing negative");
      }
    }

    /**
     * Constants fitted on {@code samples/qemu-migration/calibration.csv} (QEMU 7.2 under TCG on this
     * project's 2-core machine, load average about 12): the idle guests' migrations give the cap's
     * efficiency (26.6 MB/s of a 32 MiB/s cap), the stream's ceiling (83.6 MB/s under a 128 MiB/s
     * cap); the switch-over's fixed cost from the idle guests at a 30 ms limit
     * ({@code measurements.csv}: 3–13 ms of downtime).
     */
    public static Settings calibrated() {
      return new Settings(0.80, 88e6, 0.9, 9, Duration.ofMillis(5), Duration.ofMillis(30), 1000);
    }
  }

  /**
   * What the model predicts.
   *
   * @param totalSeconds from the start until the guest runs at its destination (NaN when it does not converge)
   * @param downtimeSeconds the guest's pause (NaN when it does not converge)
   * @param bytes sent in all (when it does not converge: what was sent until {@code maxRounds})
   * @param rounds QEMU's dirty-sync-count: one per pass, one before the first, one at the switch-over
   */
  public record Prediction(double totalSeconds, double downtimeSeconds, double bytes, int rounds, boolean converged) {}

  private static final double PAGE = 4096;
  /** QEMU's dirty-sync-count counts a sync before the first pass and one at the switch-over besides one per pass. */
  private static final int SYNCS_OUTSIDE_PASSES = 2;
  private static final double PAGE_HEADER = 8;

  private final Settings settings;

  public QemuPreCopyModel(Settings settings) {
    this.settings = settings;
  }

  public Prediction predict(Input in) {
    double cap = Math.min(in.capBytesPerSecond() * settings.capEfficiency(), settings.senderBytesPerSecond());
    double path = in.pathBytesPerSecond() * settings.pathEfficiency();
    double rate = Math.min(cap, path);
    double latency = in.latency().toNanos() / 1e9;
    double threshold = rate * in.downtimeLimit().toNanos() / 1e9;
    double overhead = (PAGE + PAGE_HEADER) / PAGE;
    double zeroPages = (in.memoryBytes() - in.nonzeroBytes()) / PAGE;
    // the first pass: every non-zero page, a header for each zero page
    double toSend = in.nonzeroBytes() * overhead + zeroPages * settings.zeroPageBytes();
    double seconds = settings.setup().toNanos() / 1e9 + latency;
    double bytes = 0;
    int rounds = 0;
    while (true) {
      double t = toSend / rate;
      seconds += t;
      bytes += toSend;
      rounds++;
      double dirty = Math.min(in.workingSetBytes(), in.dirtyBytesPerSecond() * t) * overhead;
      if (dirty <= threshold) {
        double downtime = dirty / path + latency + settings.switchover().toNanos() / 1e9;
        return new Prediction(seconds + downtime, downtime, bytes + dirty, rounds + SYNCS_OUTSIDE_PASSES, true);
      }
      if (rounds >= settings.maxRounds() || (rounds > 1 && dirty >= toSend)) {
        return new Prediction(Double.NaN, Double.NaN, bytes, rounds + 1, false);
      }
      toSend = dirty;
    }
  }
}
