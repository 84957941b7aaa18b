package org.vmflock.emulate.qemu;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.plan.QemuPreCopyCalibration;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * Measures real QEMU migrations over a grid, for the migration model's dataset: for each RAM size
 * one guest is booted on site a of a two-site lab; it then migrates back and forth between a and
 * b across their WAN link for every dirty rate (set in the running guest), bandwidth cap and
 * downtime limit. A migration that does not converge ({@link QemuActuator.Convergence}) is
 * cancelled and recorded as such. Each row holds what was set, what QEMU measured, and what
 * {@link QemuPreCopyModel} predicts for it. One QEMU pair runs at a time.
 */
public final class MigrationGrid {

  /**
   * @param memoryMiB RAM sizes (each gets 8 KiB more)
   * @param workingSetMiB the working set of every guest
   * @param fillMiB non-zero memory filled once, besides the working set
   * @param dirtyMiBPerSecond dirty rates
   * @param capMiBPerSecond bandwidth caps
   * @param downtimeLimits QEMU's downtime limits
   * @param link the WAN link between the two sites
   * @param giveUp a migration still running after this is cancelled as non-converging
   */
  public record Grid(List<Integer> memoryMiB, double workingSetMiB, double fillMiB, List<Double> dirtyMiBPerSecond, List<Double> capMiBPerSecond,
      List<Duration> downtimeLimits, WanLinkSpec link, int stallRounds, Duration giveUp) {}

  /** One measured migration and its prediction. */
  public record Row(int memoryMiB, double fillMiB, double workingSetMiB, double dirtySetMiBPerSecond, double dirtyMeasuredMiBPerSecond,
      double capMiBPerSecond, long downtimeLimitMillis, double linkDelayMillis, double linkMbitPerSecond, long nonzeroBytes, String outcome,
      long totalMillis, long downtimeMillis, long bytes, int rounds, boolean converged, QemuPreCopyModel.Prediction predicted, double loadAverage) {

    public static final String HEADER = "memory_mib,fill_mib,working_set_mib,dirty_set_mibps,dirty_measured_mibps,cap_mibps,downtime_limit_ms,"
        + "link_delay_ms,link_mbitps,nonzero_bytes,outcome,total_ms,downtime_ms,bytes,rounds,converged,"
        + "predicted_total_ms,predicted_downtime_ms,predicted_bytes,predicted_rounds,predicted_converged,load1";

    public String csv() {
      return String.format(Locale.ROOT, "%d,%.0f,%.0f,%.1f,%.2f,%.0f,%d,%.1f,%.0f,%d,%s,%d,%d,%d,%d,%b,%.0f,%.1f,%.0f,%d,%b,%.2f", memoryMiB, fillMiB,
          workingSetMiB, dirtySetMiBPerSecond, dirtyMeasuredMiBPerSecond, capMiBPerSecond, downtimeLimitMillis, linkDelayMillis, linkMbitPerSecond,
          nonzeroBytes, outcome, totalMillis, downtimeMillis, bytes, rounds, converged, predicted.totalSeconds() * 1e3,
          predicted.downtimeSeconds() * 1e3, predicted.bytes(), predicted.rounds(), predicted.converged(), loadAverage);
    }

    /** This row with what {@code model} predicts for it. */
    public Row predictedBy(QemuPreCopyModel model) {
      return new Row(memoryMiB, fillMiB, workingSetMiB, dirtySetMiBPerSecond, dirtyMeasuredMiBPerSecond, capMiBPerSecond, downtimeLimitMillis,
          linkDelayMillis, linkMbitPerSecond, nonzeroBytes, outcome, totalMillis, downtimeMillis, bytes, rounds, converged,
          model.predict(observation(this).input()), loadAverage);
    }
  }

  private static final double MIB = 1024.0 * 1024;
  private static final String[] SITES = {"a", "b"};
  private static final int PORT = 4700;

  private final Grid grid;
  private final QemuPreCopyModel model;
  private final Path runDirectory;

  public MigrationGrid(Grid grid, QemuPreCopyModel model, Path runDirectory) {
    this.grid = grid;
    this.model = model;
    this.runDirectory = runDirectory;
  }

  /** Measures every point, telling {@code sink} each row as it comes. */
  public List<Row> run(Consumer<Row> sink) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site(SITES[0]).site(SITES[1])
        .link(SITES[0], SITES[1], grid.link()).build())) {
      int tap = 0;
      for (int memory : grid.memoryMiB()) {
        GuestConfig guest = new GuestConfig(memory, "10.77.200.1/16", "02:00:0a:4d:c8:01", grid.fillMiB(), grid.workingSetMiB(), 0, 7000, memory);
        QemuVm vm = QemuVm.boot(lab, "g", SITES[0], "vmfl-g" + tap++, guest, runDirectory);
        try {
          vm.awaitGuest(Duration.ofMinutes(5));
          for (double dirty : grid.dirtyMiBPerSecond()) {
            for (double cap : grid.capMiBPerSecond()) {
              for (Duration limit : grid.downtimeLimits()) {
                vm.ask("rate " + dirty);
                pause(Duration.ofSeconds(2)); // the workload reaches its rate, QEMU's dirty log starts clean
                double measuredRate = Double.parseDouble(vm.ask("stat").replaceAll(".*rate=", ""));
                String to = vm.site().equals(SITES[0]) ? SITES[1] : SITES[0];
                QemuVm destination = QemuVm.incoming(lab, "g", to, "vmfl-g" + tap++, guest, runDirectory, PORT);
                Measured m = migrate(vm, destination, cap, limit);
                if (m.completed()) {
                  destination.resume();
                  destination.announce();
                  vm.close();
                  vm = destination;
                  vm.awaitGuest(Duration.ofSeconds(30));
                } else {
                  destination.close();
                }
                Row row = row(guest, dirty, measuredRate, cap, limit, m);
                rows.add(row);
                sink.accept(row);
              }
            }
          }
        } finally {
          vm.close();
        }
      }
    }
    return rows;
  }

  /** @param wallMillis from the migrate command until QEMU said completed (or cancelled), by this process's clock */
  private record Measured(MigrationStatus last, boolean completed, long wallMillis) {}

  private Measured migrate(QemuVm source, QemuVm destination, double capMiB, Duration limit) throws IOException {
    long cap = Math.round(capMiB * MIB);
    source.configureMigration(cap, limit, false, false);
    long started = System.nanoTime();
    source.migrateTo(destination, PORT);
    QemuActuator.Convergence convergence = new QemuActuator.Convergence(cap, grid.stallRounds());
    long deadline = System.nanoTime() + grid.giveUp().toNanos();
    while (true) {
      MigrationStatus s = source.migrationStatus();
      if (s.completed()) {
        return new Measured(s, true, (System.nanoTime() - started) / 1_000_000);
      }
      if (!s.active()) {
        throw new IOException("the migration " + s.status() + ": " + s.error());
      }
      Optional<String> stuck = convergence.observe(s);
      if (stuck.isPresent() || System.nanoTime() - deadline >= 0) {
        source.cancelMigration();
        while (source.migrationStatus().active()) {
          pause(Duration.ofMillis(20));
        }
        return new Measured(s, false, (System.nanoTime() - started) / 1_000_000);
      }
      pause(Duration.ofMillis(20));
    }
  }

  private Row row(GuestConfig guest, double dirty, double measuredRate, double cap, Duration limit, Measured m) {
    MigrationStatus s = m.last();
    long nonzero = guest.memoryBytes() - s.duplicatePages() * s.pageSize();
    WanLinkSpec link = grid.link();
    return new Row(guest.memoryMiB(), guest.fillMiB(), guest.workingSetMiB(), dirty, measuredRate, cap, limit.toMillis(),
        link.oneWayDelay().toNanos() / 1e6, link.bitsPerSecond() / 1e6, nonzero, m.completed() ? "completed" : "cancelled",
        m.completed() ? m.wallMillis() : -1, m.completed() && s.totalMillis() > 0 ? s.downtimeMillis() : -1, s.transferredBytes(), s.rounds(), m.completed(), null,
        loadAverage()).predictedBy(model);
  }

  /**
   * What the model is asked for a migration of the grid's guest: the workload's working set and
   * rate plus what the guest's own kernel keeps writing ({@link #KERNEL_WORKING_SET_MIB} at
   * {@link #KERNEL_DIRTY_MIBPS}, fitted on the idle guests of {@code calibration.csv}: their
   * downtimes at a 300 ms limit, 72–87 ms, are the kernel's pages left at the switch-over).
   */
  public static QemuPreCopyModel.Input input(double memoryBytes, double nonzeroBytes, double workingSetMiB, double dirtyMiBPerSecond,
      double capMiBPerSecond, double pathBytesPerSecond, Duration delay, Duration downtimeLimit) {
    return input(memoryBytes, nonzeroBytes, workingSetMiB, dirtyMiBPerSecond, capMiBPerSecond, pathBytesPerSecond, delay, downtimeLimit, Double.NaN);
  }

  /**
   * The same, on a machine whose load average was {@code loadAverage} (NaN: unknown, a core of its
   * own): QEMU's sender thread gets {@code cores / load} of a core, {@link #DATASET_CORES} cores.
   */
  public static QemuPreCopyModel.Input input(double memoryBytes, double nonzeroBytes, double workingSetMiB, double dirtyMiBPerSecond,
      double capMiBPerSecond, double pathBytesPerSecond, Duration delay, Duration downtimeLimit, double loadAverage) {
    double nonzero = Math.max(0, Math.min(nonzeroBytes, memoryBytes));
    return new QemuPreCopyModel.Input(memoryBytes, nonzero, Math.min(nonzero, (workingSetMiB + KERNEL_WORKING_SET_MIB) * MIB),
        (dirtyMiBPerSecond + KERNEL_DIRTY_MIBPS) * MIB, capMiBPerSecond * MIB, pathBytesPerSecond, delay, downtimeLimit, cpuShare(loadAverage));
  }

  /** The share of a core a busy thread gets at {@code loadAverage} on {@link #DATASET_CORES} cores (1 when unknown or idle). */
  public static double cpuShare(double loadAverage) {
    return Double.isFinite(loadAverage) && loadAverage > DATASET_CORES ? DATASET_CORES / loadAverage : 1;
  }

  /** The cores of the machine the datasets of {@code samples/qemu-migration} were measured on. */
  public static final int DATASET_CORES = 2;

  static final double KERNEL_WORKING_SET_MIB = 6;
  static final double KERNEL_DIRTY_MIBPS = 2;

  /** The rows of a CSV this grid wrote, predicted again by {@code model} (to calibrate it on measured data). */
  public static List<Row> reread(List<String> csvLines, QemuPreCopyModel model) {
    List<Row> rows = new ArrayList<>();
    for (String line : csvLines) {
      if (line.isBlank() || line.startsWith("memory_mib")) {
        continue;
      }
      String[] f = line.split(",");
      if (f.length < 22) {
        throw new IllegalArgumentException("not a row of bench qemu-migration (" + f.length + " fields): " + line);
      }
      Row measured = new Row(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
          Double.parseDouble(f[4]), Double.parseDouble(f[5]), Long.parseLong(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]),
          Long.parseLong(f[9]), f[10], Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Integer.parseInt(f[14]),
          Boolean.parseBoolean(f[15]), null, Double.parseDouble(f[21]));
      rows.add(measured.predictedBy(model));
    }
    return rows;
  }

  /** A row as what the model is calibrated on: what was asked (as {@link #input}) and what QEMU measured. */
  public static QemuPreCopyCalibration.Observation observation(Row r) {
    QemuPreCopyModel.Input in = input(r.memoryMiB() * MIB + GuestConfig.EXTRA_KIB * 1024, r.nonzeroBytes(), r.workingSetMiB(),
        r.dirtyMeasuredMiBPerSecond(), r.capMiBPerSecond(), r.linkMbitPerSecond() * 1e6 / 8, Duration.ofNanos(Math.round(r.linkDelayMillis() * 1e6)),
        Duration.ofMillis(r.downtimeLimitMillis()), r.loadAverage());
    // calibration.csv took QEMU's total-time, which QEMU 7.2 sometimes reports as 0; QEMU sometimes reports no downtime (-1)
    return new QemuPreCopyCalibration.Observation(in, r.converged(), r.totalMillis() > 0 ? r.totalMillis() / 1e3 : Double.NaN,
        r.downtimeMillis() > 0 ? r.downtimeMillis() / 1e3 : Double.NaN, r.bytes());
  }

  /** The model's error on {@code rows}, each with the prediction it holds ({@link QemuPreCopyCalibration#errors}). */
  public static String errors(List<Row> rows) {
    return QemuPreCopyCalibration.errors(rows.stream().map(MigrationGrid::observation).toList(), rows.stream().map(Row::predicted).toList()).text();
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static void pause(Duration d) throws IOException {
    try {
      Thread.sleep(d.toMillis()); // waiting on QEMU, a real process
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
