package org.vmflock.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.emulate.qemu.GuestImage;
import org.vmflock.emulate.qemu.MigrationGrid;
import org.vmflock.model.InvalidInputException;
import org.vmflock.plan.QemuPreCopyCalibration;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.scenario.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "qemu-migration",
    mixinStandardHelpOptions = true,
    description = {
      "Measures real QEMU live migrations over a grid and compares them with the migration model (needs root).",
      "Boots one guest per RAM size on site a of a two-site lab, then migrates it back and forth across the WAN",
      "link for every dirty rate, bandwidth cap and downtime limit; one QEMU pair at a time. Writes one CSV row",
      "per migration (what was set, what QEMU measured, what the model predicts). Last line: the model's error."
    })
public final class QemuMigrationBench implements Callable<Integer> {

  @Option(names = "--memory", split = ",", defaultValue = "256", description = "Guest RAM sizes in MiB (+8 KiB each) (default ${DEFAULT-VALUE}).")
  List<Integer> memory;

  @Option(names = "--working-set", defaultValue = "64", description = "Working set the guest dirties, MiB (default ${DEFAULT-VALUE}).")
  double workingSet;

  @Option(names = "--fill", defaultValue = "32", description = "Non-zero memory filled once besides the working set, MiB (default ${DEFAULT-VALUE}).")
  double fill;

  @Option(names = "--dirty", split = ",", defaultValue = "0,20,80", description = "Dirty rates, MiB/s (default ${DEFAULT-VALUE}).")
  List<Double> dirty;

  @Option(names = "--cap", split = ",", defaultValue = "32,128", description = "Bandwidth caps, MiB/s (default ${DEFAULT-VALUE}).")
  List<Double> cap;

  @Option(names = "--downtime-limit", split = ",", defaultValue = "30ms,300ms", converter = DurationConverter.class,
      description = "QEMU's downtime limits (default ${DEFAULT-VALUE}).")
  List<Duration> downtimeLimits;

  @Option(names = "--delay", defaultValue = "5ms", converter = DurationConverter.class, description = "The link's one-way delay (default ${DEFAULT-VALUE}).")
  Duration delay;

  @Option(names = "--link-rate", defaultValue = "1Gbps", description = "The link's rate (default ${DEFAULT-VALUE}).")
  String linkRate;

  @Option(names = "--give-up", defaultValue = "60s", converter = DurationConverter.class,
      description = "A migration still running after this is cancelled as non-converging (default ${DEFAULT-VALUE}).")
  Duration giveUp;

  @Option(names = "--stall-rounds", defaultValue = "15",
      description = "Rounds without a 10 %% smaller dirty set before a migration is cancelled as non-converging (default ${DEFAULT-VALUE}).")
  int stallRounds;

  @Option(names = "--out", defaultValue = "qemu-migrations.csv", description = "The CSV written (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--evaluate", paramLabel = "CSV", split = ",",
      description = "Measure nothing: predict the migrations of CSVs this command wrote again with the current model, print its error.")
  List<Path> evaluate;

  @Option(names = "--calibrate", paramLabel = "CSV", split = ",",
      description = "Measure nothing: fit the model's constants on the migrations of these CSVs (the calibration part), write them to --model, "
          + "print the error on them and on --hold-out.")
  List<Path> calibrate;

  @Option(names = "--hold-out", paramLabel = "CSV", split = ",", description = "With --calibrate: the migrations the fit is judged on, not fitted on.")
  List<Path> holdOut = List.of();

  @Option(names = "--model", paramLabel = "FILE",
      description = "With --calibrate: where the fitted constants go (default: src/main/resources/" + QemuPreCopyModel.CALIBRATION_RESOURCE
          + " of this installation, which the model loads); otherwise the constants used instead of the installation's.")
  Path modelFile;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter console = spec.commandLine().getOut();
    if (calibrate != null) {
      return calibrate(console);
    }
    QemuPreCopyModel model = new QemuPreCopyModel(modelFile == null ? QemuPreCopyModel.Settings.calibrated() : settingsOf(modelFile));
    if (evaluate != null) {
      List<MigrationGrid.Row> rows = read(evaluate, model);
      console.println(MigrationGrid.Row.HEADER);
      rows.forEach(r -> console.println(r.csv()));
      console.println("qemu-migration: " + MigrationGrid.errors(rows));
      console.flush();
      return ExitCode.OK;
    }
    String labProblem = EmulatedFederation.unavailableReason();
    if (!labProblem.isEmpty()) {
      throw new EnvironmentException(labProblem);
    }
    GuestImage.unavailableReason().ifPresent(p -> {
      throw new EnvironmentException(p);
    });
    WanLinkSpec link;
    try {
      link = WanLinkSpec.of(delay, Math.round(Units.bytesPerSecond(linkRate) * 8));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--link-rate", e.getMessage());
    }
    if (stallRounds < 1) {
      throw new InvalidInputException("--stall-rounds", "at least 1, not " + stallRounds);
    }
    if (memory.stream().anyMatch(m -> m < 128) || dirty.stream().anyMatch(d -> d < 0) || cap.stream().anyMatch(c -> c <= 0)) {
      throw new InvalidInputException("qemu-migration", "RAM of at least 128 MiB, no negative dirty rate, positive caps");
    }
    MigrationGrid.Grid grid = new MigrationGrid.Grid(memory, workingSet, fill, dirty, cap, downtimeLimits, link, stallRounds, giveUp);
    Path run = Files.createTempDirectory("vmflock-qemu-");
    List<String> lines = new ArrayList<>(List.of(MigrationGrid.Row.HEADER));
    console.println(MigrationGrid.Row.HEADER);
    List<MigrationGrid.Row> rows = new MigrationGrid(grid, model, run).run(row -> {
      console.println(row.csv());
      console.flush();
      lines.add(row.csv());
      try {
        Files.write(out, lines);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    console.println("qemu-migration: " + MigrationGrid.errors(rows));
    console.flush();
    return ExitCode.OK;
  }

  private int calibrate(PrintWriter console) throws java.io.IOException {
    QemuPreCopyModel start = new QemuPreCopyModel(QemuPreCopyCalibration.START);
    List<QemuPreCopyCalibration.Observation> part = observations(read(calibrate, start));
    List<QemuPreCopyCalibration.Observation> heldOut = observations(read(holdOut, start));
    QemuPreCopyModel.Settings fitted = QemuPreCopyCalibration.fit(part);
    Path target = modelFile != null ? modelFile
        : Path.of(System.getProperty("vmflock.home", ".")).resolve("src/main/resources").resolve(QemuPreCopyModel.CALIBRATION_RESOURCE);
    QemuPreCopyModel model = new QemuPreCopyModel(fitted);
    String fit = QemuPreCopyCalibration.errors(model, part).text();
    String judged = heldOut.isEmpty() ? "none held out" : QemuPreCopyCalibration.errors(model, heldOut).text();
    Files.writeString(target, "# QemuPreCopyModel's constants (org.vmflock.plan.QemuPreCopyModel.Settings.calibrated()), written by\n"
        + "#   bin/vmflock bench qemu-migration --calibrate " + names(calibrate) + (holdOut.isEmpty() ? "" : " --hold-out " + names(holdOut)) + "\n"
        + "# calibration part: " + fit + "\n"
        + "# held out:         " + judged + "\n"
        + fitted.hocon());
    console.println("fitted on " + names(calibrate) + ", written to " + target + ":");
    console.print(fitted.hocon());
    console.println("calibration part: " + fit);
    console.println("held out:         " + judged);
    console.flush();
    return ExitCode.OK;
  }

  private static QemuPreCopyModel.Settings settingsOf(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException("--model", "no such file: " + file);
    }
    try {
      return QemuPreCopyModel.Settings.from(com.typesafe.config.ConfigFactory.parseFile(file.toFile()));
    } catch (RuntimeException e) {
      throw new InvalidInputException(file.toString(), e.getMessage());
    }
  }

  private static String names(List<Path> files) {
    return String.join(",", files.stream().map(Path::toString).toList());
  }

  private static List<QemuPreCopyCalibration.Observation> observations(List<MigrationGrid.Row> rows) {
    return rows.stream().map(MigrationGrid::observation).toList();
  }

  private static List<MigrationGrid.Row> read(List<Path> files, QemuPreCopyModel model) {
    List<MigrationGrid.Row> rows = new ArrayList<>();
    for (Path f : files) {
      try {
        rows.addAll(MigrationGrid.reread(Files.readAllLines(f), model));
      } catch (java.io.IOException | RuntimeException e) {
        throw new InvalidInputException(f.toString(), e.getMessage());
      }
    }
    return rows;
  }
}
