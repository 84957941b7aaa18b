package org.vmflock.plan;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;

/**
 * QEMU's pre-copy live migration as it really runs, vmflock's migration model: the planner prices
 * moves with it, the simulated actuator takes its time from it, and {@code bin/vmflock bench
 * qemu-migration} checks it against real QEMU 7.2 migrations (the dataset and the error in the
 * README). Pre-copy (Clark et al., NSDI 2005) sends the memory, then what the guest dirtied
 * meanwhile, round after round, until what is left fits in the pause QEMU aims at. Here:
 *
 * <ul>
 *   <li>the first pass sends only the non-zero pages: a zero page costs a few bytes of header;
 *   <li>the guest dirties at most its working set, whatever a round lasts; and of the pages it
 *       writes during a round, only a share must be sent again, the smaller the nearer its rate is
 *       to the migration's ({@link Settings#redirtyShare} when they are equal): a guest writing its
 *       pages in the order QEMU sends them writes many before QEMU reaches them, and those go once,
 *       fresh;
 *   <li>pre-copy runs at the cap ({@code max-bandwidth}) times its efficiency, at most what one
 *       QEMU stream sends with the CPU it gets (its sender thread is CPU-bound: under TCG on a busy
 *       machine, the share of a core it gets sets its speed); the switch-over comes once what is left fits in {@code downtime-limit} at
 *       that rate; the last copy is not capped: it runs at the path's own speed;
 *   <li>a guest that dirties at least as fast as the cap, or whose dirty set stops shrinking above
 *       that size, never switches over (QEMU without
 *       auto-converge goes on for ever): the migration does not converge, and a plan must not
 *       choose it ({@link MigrationEstimate#converged()});
 *   <li>the total time, the downtime and the bytes are each scaled by their own factor, fitted on
 *       measured migrations ({@link QemuPreCopyCalibration}), below or above 1.
 * </ul>
 */
public final class QemuPreCopyModel implements MigrationTimeEstimator {

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
   * @param cpuShare the share of a core the migration's sender thread gets (1: a core of its own; on
   *     a machine of {@code c} cores at load average {@code l > c}, about {@code c / l})
   */
  public record Input(double memoryBytes, double nonzeroBytes, double workingSetBytes, double dirtyBytesPerSecond, double capBytesPerSecond,
      double pathBytesPerSecond, Duration latency, Duration downtimeLimit, double cpuShare) {

    /** A migration whose sender has a core of its own. */
    public Input(double memoryBytes, double nonzeroBytes, double workingSetBytes, double dirtyBytesPerSecond, double capBytesPerSecond,
        double pathBytesPerSecond, Duration latency, Duration downtimeLimit) {
      this(memoryBytes, nonzeroBytes, workingSetBytes, dirtyBytesPerSecond, capBytesPerSecond, pathBytesPerSecond, latency, downtimeLimit, 1);
    }

    public Input {
      if (!(cpuShare > 0 && cpuShare <= 1)) {
        throw new IllegalArgumentException("migration: a CPU share in (0, 1], not " + cpuShare);
      }
      if (!(memoryBytes > 0) || nonzeroBytes < 0 || nonzeroBytes > memoryBytes || workingSetBytes < 0 || workingSetBytes > memoryBytes
          || dirtyBytesPerSecond < 0 || !(capBytesPerSecond > 0) || !(pathBytesPerSecond > 0) || latency.isNegative() || downtimeLimit.isNegative()
          || !Double.isFinite(dirtyBytesPerSecond + capBytesPerSecond + pathBytesPerSecond + memoryBytes)) {
        throw new IllegalArgumentException("migration: positive memory, cap and path speed; non-zero memory and working set within the memory; "
            + "no negative rate or time");
      }
    }
  }

  /** Where {@link Settings#calibrated()} comes from: written by {@code bench qemu-migration --calibrate}. */
  public static final String CALIBRATION_RESOURCE = "qemu-precopy.conf";

  /**
   * The model's constants, calibrated on measured migrations.
   *
   * @param capEfficiency the share of the cap a migration achieves (QEMU's rate limiter, woken late on a busy machine)
   * @param senderBytesPerSecond the most one QEMU migration stream sends with a core of its own, whatever the cap (its thread is CPU-bound)
   * @param pathEfficiency the share of the path's speed the final copy achieves
   * @param pageHeaderBytes what a page sent costs on the stream besides its 4 KiB
   * @param zeroPageBytes what a zero page costs on the stream
   * @param zeroScanBytesPerSecond how fast the sender, with a core of its own, finds zero pages zero (it reads each)
   * @param switchover the fixed cost of a switch-over (devices' state, the destination starting), on top of the last copy
   * @param setup the fixed cost of starting (the destination's handshake), on top of the rounds
   * @param passSync what each pass's end costs without sending: QEMU syncs the dirty bitmap under its big lock, the guest
   *     writing on meanwhile (so a guest near the migration's rate leaves a floor of dirty pages behind every pass)
   * @param maxRounds a pre-copy still above the switch-over size after this many rounds does not converge
   * @param redirtyShare of the pages a guest writing as fast as the migration sends writes during a round, the share QEMU must send
   *     again (the share falls from 1 to this as the dirty rate nears the migration's rate)
   * @param timeFactor measured over modelled total time
   * @param downtimeFactor measured over modelled downtime
   * @param bytesFactor measured over modelled bytes
   */
  public record Settings(double capEfficiency, double senderBytesPerSecond, double pathEfficiency, double pageHeaderBytes, double zeroPageBytes,
      double zeroScanBytesPerSecond, Duration switchover, Duration setup, Duration passSync, int maxRounds, double redirtyShare, double timeFactor,
      double downtimeFactor, double bytesFactor) {
    public Settings {
      if (!(capEfficiency > 0) || !(senderBytesPerSecond > 0) || !(pathEfficiency > 0) || pageHeaderBytes < 0 || zeroPageBytes < 0 || !(zeroScanBytesPerSecond > 0)
          || switchover.isNegative()
          || setup.isNegative() || passSync.isNegative() || maxRounds < 1 || !(redirtyShare > 0 && redirtyShare <= 1) || !(timeFactor > 0) || !(downtimeFactor > 0)
          || !(bytesFactor > 0) || !Double.isFinite(capEfficiency + senderBytesPerSecond + pathEfficiency + timeFactor + downtimeFactor + bytesFactor)) {
        throw new IllegalArgumentException("QEMU migration model: positive efficiencies and factors, a re-dirty share in (0, 1], at least one round, "
            + "nothing negative");
      }
    }

    /** The bare model: every page written sent again, zero pages found at once, nothing scaled. */
    public Settings(double capEfficiency, double senderBytesPerSecond, double pathEfficiency, double zeroPageBytes, Duration switchover,
        Duration setup, int maxRounds) {
      this(capEfficiency, senderBytesPerSecond, pathEfficiency, PAGE_HEADER, zeroPageBytes, UNLIMITED, switchover, setup, Duration.ZERO, maxRounds, 1, 1, 1, 1);
    }

    /** A speed no migration reaches. */
    static final double UNLIMITED = Double.MAX_VALUE / 4;
    /** What QEMU 7.2 sends with each page: its address and flags. */
    static final double PAGE_HEADER = 8;

    /**
     * The textbook pre-copy (Clark et al.; Akoush et al., MASCOTS 2010): every round at the cap
     * exactly, no ceiling, nothing but the pages on the stream, a fixed {@code switchover}, nothing
     * scaled. What an actuator that copies exactly as told (the emulated one) should take.
     */
    public static Settings ideal(Duration switchover, int maxRounds) {
      return new Settings(1, UNLIMITED, 1, 0, 0, UNLIMITED, switchover, Duration.ZERO, Duration.ZERO, maxRounds, 1, 1, 1, 1);
    }

    /** The constants {@code bench qemu-migration --calibrate} fitted, from {@value #CALIBRATION_RESOURCE} on the class path. */
    public static Settings calibrated() {
      return CALIBRATED;
    }

    private static final Settings CALIBRATED = from(ConfigFactory.parseResources(QemuPreCopyModel.class.getClassLoader(), CALIBRATION_RESOURCE));

    /** The settings of a configuration block holding the keys of {@value #CALIBRATION_RESOURCE}. */
    public static Settings from(Config c) {
      try {
        return new Settings(c.getDouble("cap-efficiency"), c.getDouble("sender-bytes-per-second"), c.getDouble("path-efficiency"),
            c.getDouble("page-header-bytes"), c.getDouble("zero-page-bytes"), c.getDouble("zero-scan-bytes-per-second"), c.getDuration("switchover"), c.getDuration("setup"), c.getDuration("pass-sync"), c.getInt("max-rounds"), c.getDouble("redirty-share"),
            c.getDouble("time-factor"), c.getDouble("downtime-factor"), c.getDouble("bytes-factor"));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("the QEMU migration model's settings: " + e.getMessage(), e);
      }
    }

    /** These settings as the lines of {@value #CALIBRATION_RESOURCE} (HOCON). */
    public String hocon() {
      return String.format(java.util.Locale.ROOT, """
          cap-efficiency = %.4f
          sender-bytes-per-second = %.4g
          path-efficiency = %.4f
          page-header-bytes = %.1f
          zero-page-bytes = %.1f
          zero-scan-bytes-per-second = %.4g
          switchover = %dms
          setup = %dms
          pass-sync = %dms
          max-rounds = %d
          redirty-share = %.4f
          time-factor = %.4f
          downtime-factor = %.4f
          bytes-factor = %.4f
          """, capEfficiency, senderBytesPerSecond, pathEfficiency, pageHeaderBytes, zeroPageBytes, zeroScanBytesPerSecond, switchover.toMillis(), setup.toMillis(), passSync.toMillis(), maxRounds, redirtyShare,
          timeFactor, downtimeFactor, bytesFactor);
    }

    /** The same settings with the total time scaled by {@code f} more (an online calibration: observed over predicted). */
    public Settings timesSlower(double f) {
      if (!(f > 0) || Double.isInfinite(f)) {
        return this;
      }
      return scaled(Math.max(MIN_FACTOR, Math.min(MAX_FACTOR, timeFactor * f)), downtimeFactor, bytesFactor);
    }

    /** The same constants with these factors (measured over modelled total time, downtime and bytes). */
    public Settings scaled(double time, double downtime, double bytes) {
      return new Settings(capEfficiency, senderBytesPerSecond, pathEfficiency, pageHeaderBytes, zeroPageBytes, zeroScanBytesPerSecond, switchover, setup, passSync, maxRounds,
          redirtyShare, time, downtime, bytes);
    }

    private static final double MIN_FACTOR = 1e-3;
    private static final double MAX_FACTOR = 1e3;
  }

  /**
   * How vmflock asks for its migrations, for VMs the planner knows only by their memory and dirty
   * rate (all of the memory counts as written data and working set).
   *
   * @param bandwidthShare the share of the path's bandwidth set as the migration's cap
   * @param downtimeLimit QEMU's downtime limit
   */
  public record Policy(double bandwidthShare, Duration downtimeLimit) {
    public Policy {
      if (!(bandwidthShare > 0 && bandwidthShare <= 1) || downtimeLimit.isNegative()) {
        throw new IllegalArgumentException("migration policy: a bandwidth share in (0, 1], no negative downtime limit");
      }
    }

    public static Policy defaults() {
      return new Policy(1.0, Duration.ofMillis(300));
    }
  }

  /**
   * What the model predicts.
   *
   * @param totalSeconds from the start until the guest runs at its destination (NaN when it does not converge)
   * @param downtimeSeconds the guest's pause (NaN when it does not converge)
   * @param bytes sent in all (when it does not converge: what was sent until it was seen not to)
   * @param rounds QEMU's dirty-sync-count: one per pass, one before the first, one at the switch-over
   * @param lastCopyBytes what the switch-over copies, the guest paused (0 when it does not converge)
   */
  public record Prediction(double totalSeconds, double downtimeSeconds, double bytes, int rounds, boolean converged, double lastCopyBytes) {

    /** The pre-copy passes (the first full one included), as {@link MigrationEstimate#rounds()} counts them. */
    public int passes() {
      return Math.max(1, rounds - (converged ? SYNCS_OUTSIDE_PASSES : 1));
    }
  }

  private static final double PAGE = 4096;
  /** QEMU's dirty-sync-count counts a sync before the first pass and one at the switch-over besides one per pass. */
  private static final int SYNCS_OUTSIDE_PASSES = 2;

  private final Settings settings;
  private final Policy policy;

  public QemuPreCopyModel(Settings settings) {
    this(settings, Policy.defaults());
  }

  public QemuPreCopyModel(Settings settings, Policy policy) {
    this.settings = settings;
    this.policy = policy;
  }

  public Settings settings() {
    return settings;
  }

  public Policy policy() {
    return policy;
  }

  /** This model with its time scaled by {@code observedOverPredicted} more (both ways). */
  public QemuPreCopyModel calibrated(double observedOverPredicted) {
    return new QemuPreCopyModel(settings.timesSlower(observedOverPredicted), policy);
  }

  public Prediction predict(Input in) {
    // the pre-copy: the cap as achieved, at most what the sender's CPU allows and the path carries; the last copy (uncapped) at the share of the path it achieves
    double rate = Math.min(Math.min(in.capBytesPerSecond() * settings.capEfficiency(), settings.senderBytesPerSecond() * in.cpuShare()),
        in.pathBytesPerSecond());
    double path = in.pathBytesPerSecond() * settings.pathEfficiency();
    double latency = in.latency().toNanos() / 1e9;
    double threshold = rate * in.downtimeLimit().toNanos() / 1e9;
    double overhead = (PAGE + settings.pageHeaderBytes()) / PAGE;
    double zeroPages = (in.memoryBytes() - in.nonzeroBytes()) / PAGE;
    // near the cap the guest's writes and QEMU's sends go through the pages in step: the share falls from 1 (a slow guest) to redirtyShare
    double nearness = Math.min(1, in.dirtyBytesPerSecond() / rate);
    double redirtyRate = in.dirtyBytesPerSecond() * (1 - (1 - settings.redirtyShare()) * nearness);
    // the first pass: every non-zero page, a header for each zero page
    double toSend = in.nonzeroBytes() * overhead + zeroPages * settings.zeroPageBytes();
    // a guest writing at least as fast as the migration really sends is never caught up with (unless its working set fits the last copy)
    boolean outrun = in.dirtyBytesPerSecond() >= rate && in.workingSetBytes() * overhead > threshold;
    double seconds = settings.setup().toNanos() / 1e9
        + (in.memoryBytes() - in.nonzeroBytes()) / (settings.zeroScanBytesPerSecond() * in.cpuShare());
    double bytes = 0;
    int rounds = 0;
    while (true) {
      double t = toSend / rate + settings.passSync().toNanos() / 1e9;
      seconds += t;
      bytes += toSend;
      rounds++;
      double dirty = Math.min(in.workingSetBytes(), redirtyRate * t) * overhead;
      if (dirty <= threshold) {
        double downtime = dirty / path + latency + settings.switchover().toNanos() / 1e9;
        return new Prediction((seconds + downtime) * settings.timeFactor(), downtime * settings.downtimeFactor(),
            (bytes + dirty) * settings.bytesFactor(), rounds + SYNCS_OUTSIDE_PASSES, true, dirty * settings.bytesFactor());
      }
      if (rounds >= settings.maxRounds() || (rounds > 1 && (dirty >= toSend || outrun))) {
        return new Prediction(Double.NaN, Double.NaN, bytes * settings.bytesFactor(), rounds + 1, false, 0);
      }
      toSend = dirty;
    }
  }

  /**
   * The migration of {@code vm} over {@code path} as vmflock would ask it ({@link Policy}): all of
   * its memory counted as data and as working set.
   */
  public Prediction predict(Vm vm, NetworkPath path) {
    double memory = vm.memoryBytes();
    return predict(new Input(memory, memory, memory, vm.dirtyBytesPerSecond(), path.bytesPerSecond() * policy.bandwidthShare(),
        path.bytesPerSecond(), path.latency(), policy.downtimeLimit()));
  }

  /** {@inheritDoc} A migration that does not converge takes for ever: its times are infinite. */
  @Override
  public MigrationEstimate estimate(Vm vm, NetworkPath path) {
    Prediction p = predict(vm, path);
    return p.converged()
        ? new MigrationEstimate(p.passes(), p.totalSeconds(), p.downtimeSeconds(), p.bytes(), true)
        : new MigrationEstimate(p.passes(), Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, p.bytes(), false);
  }
}
