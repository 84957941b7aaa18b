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

  @Option(names = "--evaluate", paramLabel = "CSV",
      description = "Measure nothing: predict the migrations of a CSV this command wrote again with the current model, print its error.")
  Path evaluate;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated());
    if (evaluate != null) {
      List<MigrationGrid.Row> rows;
      try {
        rows = MigrationGrid.reread(Files.readAllLines(evaluate), model);
      } catch (java.io.IOException | RuntimeException e) {
        throw new InvalidInputException(evaluate.toString(), e.getMessage());
      }
      PrintWriter console = spec.commandLine().getOut();
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
    PrintWriter console = spec.commandLine().getOut();
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
}
