package org.vmflock.emulate.apps;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.vmflock.analyze.CapturedRounds;
import org.vmflock.model.CsvRows;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.TextFiles;
import org.vmflock.model.VmInventory;
import org.vmflock.plan.ExecutionTimeEstimator;
import org.vmflock.plan.LoadCurve;
import org.vmflock.plan.RuntimeCalibration;
import org.vmflock.plan.RuntimeForecast;
import org.vmflock.simulate.truth.MessageReplayModel;
import org.vmflock.simulate.truth.ObservedRunTruth;

/**
 * The execution-time estimator (P1) against the lab's measured dataset ({@code data/emulation/measurements.csv}):
 * each measured run split over two sites is predicted from a capture of the program on one site
 * ({@code samples/emulation}), as {@code predict runtime} does, and its measured slowdown (its time
 * over the median of the program's one-site runs) compared with the predicted one.
 *
 * <p>Figures: the median |relative error| of the slowdown over the split runs; the pairs of runs of
 * one program at one WAN setting in different placements whose measured times differ by more than
 * 5 %, and how many the predictions order as measured; the share of split runs whose measured
 * slowdown lies in the predicted 95 % interval.
 */
public final class EstimatorValidation {

  /** Pairs measured closer than this are not expected to be ordered. */
  public static final double PAIR_MARGIN = 0.05;

  /** A program captured on one site: its capture, its address plan and the run's wall time. */
  public record Capture(String program, List<Path> pcaps, Path vms, double seconds) {}

  /** One measured run with its prediction. */
  public record Row(String program, String kind, String placement, double delayMs, double rateBps, double seconds, double load,
      double measuredSlowdown, double predictedSlowdown, double low, double high, double wanRounds) {

    public double relativeError() {
      return (predictedSlowdown - measuredSlowdown) / measuredSlowdown;
    }

    /** The predicted time: the predicted slowdown over the reference the measured one was taken against. */
    public double predictedSeconds() {
      return predictedSlowdown * seconds / measuredSlowdown;
    }

    public boolean covered() {
      return measuredSlowdown >= low && measuredSlowdown <= high;
    }
  }

  /** The figures. */
  public record Figures(List<Row> rows, double medianAbsError, int pairs, int pairsOrdered, double coverage) {}

  private EstimatorValidation() {}

  /** Reads {@code captures.csv} (program, seconds, pcap, vms; paths relative to it). */
  public static List<Capture> captures(Path index) {
    List<Capture> out = new ArrayList<>();
    for (CsvRows.Row r : CsvRows.read(index.toString(), TextFiles.text(index))) {
      if (r.line() == 1 && r.cell(0).equals("program")) {
        continue;
      }
      if (r.size() < 4) {
        throw new InvalidInputException(index + ":" + r.line(), "expected program,seconds,pcap,vms");
      }
      Path dir = index.toAbsolutePath().getParent();
      out.add(new Capture(r.cell(0), List.of(dir.resolve(r.cell(2))), dir.resolve(r.cell(3)), Double.parseDouble(r.cell(1))));
    }
    return out;
  }

  /** What a model predicts for one run: its slowdown over one site, the 95 % interval's ends (the slowdown if it gives none), its rounds between sites. */
  public record Prediction(double slowdown, double low, double high, double wanRounds) {}

  /** A model of a program's run on a placement of two sites, from its capture on one site. */
  @FunctionalInterface
  public interface Model {
    Prediction predict(Capture capture, CapturedRounds.Structure structure, Infrastructure infra, Placement placement);
  }

  /**
   * Predicts every verified run of {@code measurements} whose program has a capture.
   *
   * @param lan each site's own network (the lab's veth interfaces)
   * @param sigma the interval's spread of log(observed / predicted)
   */
  public static Figures validate(Path measurements, List<Capture> captures, NetworkPath lan, ExecutionTimeEstimator estimator, double sigma) {
    return validate(measurements, captures, lan, (c, s, infra, placement) -> {
      RuntimeForecast f = RuntimeForecast.predict(c.seconds(), s.perSecond(c.seconds()), s.roundsPer(c.seconds()),
          (l, x) -> CapturedRounds.chainLatency(s, l, x), lan, infra, placement, estimator, sigma);
      return new Prediction(f.slowdown(), f.low() / f.oneSiteSeconds(), f.high() / f.oneSiteSeconds(), f.breakdown().wanRounds());
    });
  }

  /** The simulator's truth ({@link MessageReplayModel}) as a model of the runs: no interval (its ends are its prediction). */
  public static Model truth(MessageReplayModel model, boolean inOrder) {
    return (c, s, infra, placement) -> {
      ObservedRunTruth t = ObservedRunTruth.predict(s.perSecond(c.seconds()), s.roundsPer(c.seconds()), inOrder ? s.sequence() : new int[0],
          infra, "a", placement, model);
      return new Prediction(t.slowdown(), t.slowdown(), t.slowdown(), t.wanRounds() * c.seconds());
    };
  }

  /** Predicts every verified run of {@code measurements} whose program has a capture with {@code model}. */
  public static Figures validate(Path measurements, List<Capture> captures, NetworkPath lan, Model model) {
    Map<String, Capture> byProgram = new HashMap<>();
    captures.forEach(c -> byProgram.put(c.program(), c));
    Map<String, CapturedRounds.Structure> structures = structures(captures);
    List<CsvRows.Row> rows = CsvRows.read(measurements.toString(), TextFiles.text(measurements));
    Map<String, List<Double>> oneSite = new TreeMap<>();
    List<CsvRows.Row> runs = new ArrayList<>();
    for (CsvRows.Row r : rows) {
      if (r.cell(0).equals("application") || !byProgram.containsKey(r.cell(0)) || !r.cell(9).equals("true")) {
        continue;
      }
      runs.add(r);
      if (r.cell(2).equals("one-site")) {
        oneSite.computeIfAbsent(r.cell(0), k -> new ArrayList<>()).add(Double.parseDouble(r.cell(7)));
      }
    }
    List<Row> out = new ArrayList<>();
    for (CsvRows.Row r : runs) {
      String program = r.cell(0);
      List<Double> reference = oneSite.get(program);
      if (reference == null) {
        throw new InvalidInputException(measurements.toString(), "no one-site run of " + program + " to compare its splits with");
      }
      double seconds = Double.parseDouble(r.cell(7));
      double delayMs = Double.parseDouble(r.cell(4));
      double rate = Double.parseDouble(r.cell(5));
      Capture c = byProgram.get(program);
      CapturedRounds.Structure s = structures.get(program);
      Placement placement = placement(r.cell(3), s.total().vms(), measurements + ":" + r.line());
      Infrastructure infra = twoSites(lan, delayMs, rate);
      Prediction p = model.predict(c, s, infra, placement);
      double measured = seconds / median(reference);
      out.add(new Row(program, r.cell(2), r.cell(3), delayMs, rate, seconds, Double.parseDouble(r.cell(11)), measured, p.slowdown(),
          p.low(), p.high(), p.wanRounds()));
    }
    return figures(out);
  }

  /**
   * The held-out validation: the runs of all {@code measurements} in folds, one per file and
   * repetition; each fold's runs predicted with what the other folds' runs calibrate, never with
   * their own: each program's time on one site as a curve of the machine's load
   * ({@link LoadCurve}, from its one-site runs), then the share of the capture's chained waits the
   * split runs pay and the spread of the errors ({@link RuntimeCalibration#fit}). A run is predicted
   * at its own load (column {@code load_start}), as {@code predict runtime} would from the capture
   * with that one-site time.
   *
   * @param perFile the figures of each file's runs
   * @param all the figures of all runs (pairs also across files at the same WAN setting)
   * @param calibrations each fold's calibration (file#repetition)
   * @param repetitions every run predicted by the median of the other repetitions of its setting (one-site runs too):
   *     how many pairs knowing each setting's typical time orders
   */
  public record HeldOut(Map<Path, Figures> perFile, Figures all, Map<String, RuntimeCalibration> calibrations, Figures repetitions) {

    /**
     * The median over split runs of |run / median of the other repetitions of its setting - 1|: the error
     * of predicting a run by repeating it, what the load's noise between repetitions leaves.
     */
    public double repetitionFloor() {
      return repetitions.medianAbsError();
    }
  }

  /** A verified run of a program that has a capture, from one measurements file. */
  private record Run(Path file, CsvRows.Row row, String program, String kind, String placement, double delayMs, double rateBps,
      String repetition, double seconds, double load) {

    String fold() {
      return file + "#" + repetition;
    }

    String setting() {
      return program + "|" + kind + "|" + delayMs + "|" + rateBps;
    }
  }

  /** Each program's capture read. */
  private static Map<String, CapturedRounds.Structure> structures(List<Capture> captures) {
    Map<String, CapturedRounds.Structure> structures = new HashMap<>();
    for (Capture c : captures) {
      structures.put(c.program(), CapturedRounds.read(c.pcaps(), VmInventory.read(c.vms()).vms()));
    }
    return structures;
  }

  /** See {@link HeldOut}. */
  public static HeldOut heldOut(List<Path> measurements, List<Capture> captures, NetworkPath lan, ExecutionTimeEstimator estimator) {
    Map<String, Capture> byProgram = new HashMap<>();
    captures.forEach(c -> byProgram.put(c.program(), c));
    Map<String, CapturedRounds.Structure> structures = structures(captures);
    List<Run> runs = new ArrayList<>();
    for (Path m : measurements) {
      for (CsvRows.Row r : CsvRows.read(m.toString(), TextFiles.text(m))) {
        if (r.cell(0).equals("application") || !byProgram.containsKey(r.cell(0)) || !r.cell(9).equals("true")) {
          continue;
        }
        if (r.size() < 12) {
          throw new InvalidInputException(m + ":" + r.line(), "expected the 12 columns of bench apps --measure");
        }
        runs.add(new Run(m, r, r.cell(0), r.cell(2), r.cell(3), Double.parseDouble(r.cell(4)), Double.parseDouble(r.cell(5)), r.cell(6),
            Double.parseDouble(r.cell(7)), Double.parseDouble(r.cell(11))));
      }
    }
    // the forecast's parts per program, placement and WAN setting, at the capture's own time (rescaled per run)
    Map<String, RuntimeForecast.Parts> parts = new HashMap<>();
    for (Run r : runs) {
      parts.computeIfAbsent(r.program() + "|" + r.placement() + "|" + r.delayMs() + "|" + r.rateBps(), k -> {
        Capture c = byProgram.get(r.program());
        CapturedRounds.Structure s = structures.get(r.program());
        Placement placement = placement(r.placement(), s.total().vms(), r.file() + ":" + r.row().line());
        return RuntimeForecast.parts(c.seconds(), s.perSecond(c.seconds()), s.roundsPer(c.seconds()),
            (l, x) -> CapturedRounds.chainLatency(s, l, x), lan, twoSites(lan, r.delayMs(), r.rateBps()), placement, estimator);
      });
    }
    Map<Path, Double> reference = new HashMap<>();
    for (Path m : measurements) {
      List<Double> one = runs.stream().filter(r -> r.file().equals(m) && r.kind().equals("one-site")).map(Run::seconds).toList();
      if (!one.isEmpty()) {
        reference.put(m, median(one));
      }
    }
    Map<String, RuntimeCalibration> calibrations = new TreeMap<>();
    Map<Run, Row> predicted = new HashMap<>();
    for (String fold : new java.util.TreeSet<>(runs.stream().map(Run::fold).toList())) {
      List<Run> train = runs.stream().filter(r -> !r.fold().equals(fold)).toList();
      Map<String, LoadCurve> curves = new HashMap<>();
      for (String program : byProgram.keySet()) {
        List<Run> one = train.stream().filter(r -> r.program().equals(program) && r.kind().equals("one-site")).toList();
        if (!one.isEmpty()) {
          curves.put(program, LoadCurve.fit(one.stream().mapToDouble(Run::load).toArray(), one.stream().mapToDouble(Run::seconds).toArray()));
        }
      }
      List<RuntimeCalibration.Observation> observations = new ArrayList<>();
      for (Run r : train) {
        if (!r.kind().equals("one-site") && curves.containsKey(r.program())) {
          observations.add(new RuntimeCalibration.Observation(r.seconds(), partsAt(parts, r, curves)));
        }
      }
      RuntimeCalibration calibration = RuntimeCalibration.fit(observations);
      calibrations.put(fold, calibration);
      for (Run r : runs) {
        if (!r.fold().equals(fold)) {
          continue;
        }
        Double ref = reference.get(r.file());
        if (ref == null || !curves.containsKey(r.program())) {
          throw new InvalidInputException(r.file().toString(), "no one-site run of " + r.program() + " to compare its splits with");
        }
        RuntimeForecast f = partsAt(parts, r, curves).forecast(calibration);
        predicted.put(r, new Row(r.program(), r.kind(), r.placement(), r.delayMs(), r.rateBps(), r.seconds(), r.load(), r.seconds() / ref,
            f.predictedSeconds() / ref, f.low() / ref, f.high() / ref, f.breakdown().wanRounds()));
      }
    }
    Map<Path, Figures> perFile = new java.util.LinkedHashMap<>();
    List<Row> all = new ArrayList<>();
    for (Path m : measurements) {
      List<Row> rows = runs.stream().filter(r -> r.file().equals(m)).map(predicted::get).toList();
      perFile.put(m, figures(rows));
      all.addAll(rows);
    }
    return new HeldOut(perFile, figures(all), calibrations, figures(byRepetitions(runs)));
  }

  private static RuntimeForecast.Parts partsAt(Map<String, RuntimeForecast.Parts> parts, Run r, Map<String, LoadCurve> curves) {
    return parts.get(r.program() + "|" + r.placement() + "|" + r.delayMs() + "|" + r.rateBps()).lasting(curves.get(r.program()).seconds(r.load()));
  }

  /** Each run predicted by the median time of its setting's other repetitions (runs whose setting has no other left out). */
  private static List<Row> byRepetitions(List<Run> runs) {
    List<Row> rows = new ArrayList<>();
    for (Run r : runs) {
      List<Double> others = runs.stream().filter(o -> o != r && o.setting().equals(r.setting())).map(Run::seconds).toList();
      if (!others.isEmpty()) {
        rows.add(new Row(r.program(), r.kind(), r.placement(), r.delayMs(), r.rateBps(), r.seconds(), r.load(), r.seconds(), median(others), 0,
            Double.POSITIVE_INFINITY, 0));
      }
    }
    return rows;
  }

  private static Infrastructure twoSites(NetworkPath lan, double delayMs, double rateBps) {
    return new Infrastructure(List.of(RuntimeForecast.site("a", 1, lan), RuntimeForecast.site("b", 1, lan)),
        List.of(new Link("a", "b", new NetworkPath(Duration.ofNanos(Math.round(delayMs * 1e6)), rateBps / 8))), java.util.Optional.empty());
  }

  public static Figures figures(List<Row> rows) {
    List<Double> errors = new ArrayList<>();
    int covered = 0;
    int splits = 0;
    for (Row r : rows) {
      if (!r.kind().equals("one-site")) {
        errors.add(Math.abs(r.relativeError()));
        covered += r.covered() ? 1 : 0;
        splits++;
      }
    }
    int pairs = 0;
    int ordered = 0;
    for (int i = 0; i < rows.size(); i++) {
      for (int j = i + 1; j < rows.size(); j++) {
        Row a = rows.get(i);
        Row b = rows.get(j);
        if (!a.program().equals(b.program()) || a.kind().equals(b.kind()) || a.delayMs() != b.delayMs() || a.rateBps() != b.rateBps()) {
          continue;
        }
        if (Math.abs(a.seconds() - b.seconds()) <= PAIR_MARGIN * Math.min(a.seconds(), b.seconds())) {
          continue;
        }
        pairs++;
        if ((a.seconds() < b.seconds()) == (a.predictedSeconds() < b.predictedSeconds())) {
          ordered++;
        }
      }
    }
    return new Figures(List.copyOf(rows), errors.isEmpty() ? Double.NaN : median(errors), pairs, ordered,
        splits == 0 ? Double.NaN : (double) covered / splits);
  }

  /** Pairs of placements: how many of those whose measured medians differ by more than {@link #PAIR_MARGIN} the predictions' medians order alike. */
  public record PlacementPairs(int pairs, int ordered, List<String> misordered) {

    public PlacementPairs plus(PlacementPairs o) {
      List<String> m = new ArrayList<>(misordered);
      m.addAll(o.misordered);
      return new PlacementPairs(pairs + o.pairs, ordered + o.ordered, m);
    }
  }

  /**
   * The placements of one campaign's rows compared as placements, not run by run: for each program and
   * WAN setting, each placement's median measured time against each other's, and the medians of their
   * predicted times (each run predicted at its own load) in the same order or not.
   */
  public static PlacementPairs placementPairs(List<Row> rows) {
    Map<String, Map<String, List<Row>>> settings = new TreeMap<>();
    for (Row r : rows) {
      settings.computeIfAbsent(r.program() + "|" + r.delayMs() + "|" + r.rateBps(), k -> new TreeMap<>())
          .computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r);
    }
    int pairs = 0;
    int ordered = 0;
    List<String> misordered = new ArrayList<>();
    for (Map.Entry<String, Map<String, List<Row>>> setting : settings.entrySet()) {
      Map<String, List<Row>> kinds = setting.getValue();
      List<String> names = List.copyOf(kinds.keySet());
      List<double[]> medians = kinds.values().stream().map(list -> new double[] {
          median(list.stream().map(Row::seconds).toList()), median(list.stream().map(Row::predictedSeconds).toList())}).toList();
      for (int i = 0; i < medians.size(); i++) {
        for (int j = i + 1; j < medians.size(); j++) {
          double[] a = medians.get(i);
          double[] b = medians.get(j);
          if (Math.abs(a[0] - b[0]) <= PAIR_MARGIN * Math.min(a[0], b[0])) {
            continue;
          }
          pairs++;
          if ((a[0] < b[0]) == (a[1] < b[1])) {
            ordered++;
          } else {
            misordered.add(String.format(java.util.Locale.ROOT, "%s: %s %.1f s (predicted %.1f) vs %s %.1f s (predicted %.1f)", setting.getKey(),
                names.get(i), a[0], a[1], names.get(j), b[0], b[1]));
          }
        }
      }
    }
    return new PlacementPairs(pairs, ordered, misordered);
  }

  /** {@code vm1=a;vm2=b;...} over the matrix's VMs (vm1 = its first). */
  static Placement placement(String text, List<String> vms, String where) {
    Map<String, String> m = new TreeMap<>();
    for (String part : text.split(";")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2) {
        throw new InvalidInputException(where, "placement '" + text + "': expected vm=site;...");
      }
      if (!vms.contains(kv[0].strip())) {
        throw new InvalidInputException(where, "placement names " + kv[0] + ", not a VM of the capture " + vms);
      }
      m.put(kv[0].strip(), kv[1].strip());
    }
    return Placement.of(m);
  }

  static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(Double::compare);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  /** Two models' predictions of the same runs (in the same order) as a Markdown table. */
  public static String sideBySide(Figures estimator, Figures truth) {
    StringBuilder b = new StringBuilder("| program | placement | delay | rate | measured slowdown | estimator | error | truth | error |\n"
        + "|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < estimator.rows().size(); i++) {
      Row e = estimator.rows().get(i);
      Row t = truth.rows().get(i);
      b.append(String.format(Locale.ROOT, "| %s | %s | %.0f ms | %s | %.2f | %.2f | %+.0f %% | %.2f | %+.0f %% |%n", e.program(), e.kind(),
          e.delayMs(), rate(e.rateBps()), e.measuredSlowdown(), e.predictedSlowdown(), 100 * e.relativeError(), t.predictedSlowdown(),
          100 * t.relativeError()));
    }
    return b.toString();
  }

  private static String rate(double bps) {
    return bps >= 1e9 ? String.format(Locale.ROOT, "%.0f Gbit/s", bps / 1e9) : String.format(Locale.ROOT, "%.0f Mbit/s", bps / 1e6);
  }

  /** The rows as a Markdown table. */
  public static String table(Figures f) {
    StringBuilder b = new StringBuilder("| program | placement | delay | rate | measured s | load | measured slowdown | predicted | 95 % interval | error | WAN rounds |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : f.rows()) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %.0f ms | %s | %.1f | %.1f | %.2f | %.2f | %.2f-%.2f | %+.0f %% | %.0f |%n", r.program(),
          r.kind(), r.delayMs(), rate(r.rateBps()),
          r.seconds(), r.load(), r.measuredSlowdown(), r.predictedSlowdown(), r.low(), r.high(), 100 * r.relativeError(), r.wanRounds()));
    }
    return b.toString();
  }
}
