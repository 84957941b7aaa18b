package org.vmflock.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmflock.emulate.apps.EstimatorValidation;
import org.vmflock.model.NetworkPath;
import org.vmflock.plan.BspExecutionModel;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.scenario.Units;
import org.vmflock.simulate.truth.MessageReplayModel;
import org.vmflock.simulate.truth.TruthSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmflock bench estimator}: the execution-time estimator against the lab's measured runs. */
@Command(
    name = "estimator",
    mixinStandardHelpOptions = true,
    description = {
      "The execution-time estimator (P1) against measured runs of real MPI programs split over two emulated sites:",
      "each run predicted from a capture of its program on one site, as predict runtime does. Per run the measured",
      "and predicted slowdown (over the median of the program's one-site runs); then the median |relative error|,",
      "the pairs of placements (same program and WAN) measured more than 5 % apart that the predictions order as",
      "measured, and the share of runs inside the predicted 95 % interval. Then the simulator's truth (its message replay",
      "model) on the same runs, side by side with the estimator.",
      "Then the estimator held out: the runs in folds (file and repetition), each predicted at its own load with the",
      "calibration of the other folds (each program's one-site time as a curve of the load, the share of the chained",
      "waits paid, the spread), and the floor: each split run predicted by the median of its setting's other repetitions.",
      "Last line: held-out estimator: median |error| E %, P of Q pairs ordered, C % in the 95 % interval."
    })
final class EstimatorBench implements Callable<Integer> {

  @Option(names = "--measurements", split = ",", defaultValue = "data/emulation/measurements.csv,data/emulation/measurements-2.csv",
      description = "Measured runs (bench apps --measure's CSV; default ${DEFAULT-VALUE}).")
  List<Path> measurements;

  @Option(names = "--captures", defaultValue = "samples/emulation/captures.csv",
      description = "The programs' captures on one site: program,seconds,pcap,vms (default ${DEFAULT-VALUE}).")
  Path captures;

  @Option(names = "--lan-bandwidth", defaultValue = "10Gbit/s", description = "Each VM's interface (default ${DEFAULT-VALUE}).")
  String lanBandwidth;

  @Option(names = "--lan-latency", defaultValue = "50us", converter = DurationConverter.class,
      description = "One way inside a site (default ${DEFAULT-VALUE}).")
  Duration lanLatency;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    NetworkPath lan = new NetworkPath(lanLatency, Units.bytesPerSecond(lanBandwidth));
    double sigma = PlannerConfig.from(node.load(Map.of())).priorSigma();
    List<EstimatorValidation.Capture> captured = EstimatorValidation.captures(captures);
    EstimatorValidation.Model truth = EstimatorValidation.truth(new MessageReplayModel(TruthSettings.LV08_WARM), false);
    List<EstimatorValidation.Row> all = new java.util.ArrayList<>();
    List<EstimatorValidation.Row> allTruth = new java.util.ArrayList<>();
    for (Path m : measurements) {
      EstimatorValidation.Figures f = EstimatorValidation.validate(m, captured, lan, new BspExecutionModel(), sigma);
      EstimatorValidation.Figures t = EstimatorValidation.validate(m, captured, lan, truth);
      out.println(m + ":");
      out.print(EstimatorValidation.table(f));
      out.println(line(f));
      out.println();
      out.println(m + ", the estimator and the simulator's truth side by side:");
      out.print(EstimatorValidation.sideBySide(f, t));
      out.println(truthLine(t));
      out.println();
      all.addAll(f.rows());
      allTruth.addAll(t.rows());
    }
    if (measurements.size() > 1) {
      out.println("all together:");
    }
    out.println(truthLine(EstimatorValidation.figures(allTruth)));
    out.println("uncalibrated " + line(EstimatorValidation.figures(all)));
    out.println();
    EstimatorValidation.HeldOut held = EstimatorValidation.heldOut(measurements, captured, lan, new BspExecutionModel());
    out.println("held out: each file and repetition predicted with the one-site load curves, latency factor and spread fitted on the others:");
    out.print(EstimatorValidation.table(held.all()));
    held.calibrations().forEach((fold, c) -> out.printf(Locale.ROOT, "fold %s: latency factor %.3f, sigma %.3f%n", fold, c.latencyFactor(),
        c.sigma()));
    held.perFile().forEach((m, f) -> out.println(m + ": " + line(f)));
    held.all().rows().stream().map(EstimatorValidation.Row::delayMs).distinct().sorted().forEach(d -> {
      EstimatorValidation.Figures f = EstimatorValidation.figures(held.all().rows().stream().filter(r -> r.delayMs() == d).toList());
      out.printf(Locale.ROOT, "%.0f ms: %s%n", d, line(f));
    });
    double[] oneSite = held.all().rows().stream().filter(r -> r.kind().equals("one-site")).mapToDouble(r -> Math.abs(r.relativeError()))
        .sorted().toArray();
    if (oneSite.length > 0) {
      out.printf(Locale.ROOT, "one-site runs, their load curve alone: median |error| %.1f %% over %d runs%n",
          100 * (oneSite[(oneSite.length - 1) / 2] + oneSite[oneSite.length / 2]) / 2, oneSite.length);
    }
    out.printf(Locale.ROOT, "floor: a run predicted by the median of the other repetitions of its setting: median |error| %.1f %%, "
        + "%d of %d pairs ordered%n", 100 * held.repetitionFloor(), held.repetitions().pairsOrdered(), held.repetitions().pairs());
    EstimatorValidation.PlacementPairs placements = held.perFile().values().stream()
        .map(f -> EstimatorValidation.placementPairs(f.rows())).reduce(new EstimatorValidation.PlacementPairs(0, 0, List.of()),
            EstimatorValidation.PlacementPairs::plus);
    out.printf(Locale.ROOT, "placements (each campaign, program and WAN setting; medians of its runs): %d of %d pairs > 5 %% apart ordered%n",
        placements.ordered(), placements.pairs());
    placements.misordered().forEach(m -> out.println("  not ordered: " + m));
    out.println("held-out " + line(held.all()));
    out.flush();
    return ExitCode.OK;
  }

  private static String truthLine(EstimatorValidation.Figures f) {
    return String.format(Locale.ROOT, "truth: median |error| %.1f %%, %d of %d pairs ordered", 100 * f.medianAbsError(), f.pairsOrdered(),
        f.pairs());
  }

  private static String line(EstimatorValidation.Figures f) {
    return String.format(Locale.ROOT, "estimator: median |error| %.1f %%, %d of %d pairs ordered, %.0f %% in the 95 %% interval",
        100 * f.medianAbsError(), f.pairsOrdered(), f.pairs(), 100 * f.coverage());
  }
}
