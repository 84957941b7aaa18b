package org.vmflock.emulate.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.NetworkPath;
import org.vmflock.plan.BspExecutionModel;

/**
 * The execution-time estimator against the lab's measured runs, from the programs' captures on one
 * site ({@code samples/emulation}), as the README reports them: the figures must not get worse.
 * Uncalibrated per file (every chained wait, the capture's one-site time whatever the load), then
 * calibrated and held out (the figures issue 14's targets are about). The bounds are what the
 * estimator reaches today; a change that improves it should raise them.
 */
class EstimatorValidationTest {

  /** The lab's own network as the validation takes it: the VMs' veth interfaces. */
  static final NetworkPath LAB_LAN = new NetworkPath(Duration.ofNanos(50_000), 10e9 / 8);
  static final double SIGMA = 0.25;

  @Test
  void secondCampaignAtLighterLoad() {
    EstimatorValidation.Figures f = figures("data/emulation/measurements-2.csv");
    assertTrue(f.medianAbsError() <= 0.30, "median |error| " + f.medianAbsError() + "\n" + EstimatorValidation.table(f));
    assertTrue(f.pairs() == 91 && f.pairsOrdered() >= 71, f.pairsOrdered() + " of " + f.pairs() + " pairs ordered");
    assertTrue(f.coverage() >= 0.90, "coverage " + f.coverage());
  }

  @Test
  void firstCampaignAtHeavyLoad() {
    EstimatorValidation.Figures f = figures("data/emulation/measurements.csv");
    assertTrue(f.medianAbsError() <= 0.32, "median |error| " + f.medianAbsError() + "\n" + EstimatorValidation.table(f));
    // the file grows as the campaign is completed: the share ordered, over at least the 26 pairs of its first part
    assertTrue(f.pairs() >= 26 && f.pairsOrdered() >= 0.62 * f.pairs(), f.pairsOrdered() + " of " + f.pairs() + " pairs ordered");
    assertTrue(f.coverage() >= 0.78, "coverage " + f.coverage());
  }

  /**
   * The estimator calibrated as the README reports it, on the committed data and never on what it
   * predicts: each file and repetition predicted at its runs' loads with the load curves, latency
   * factor and spread fitted on the others. Issue 14's targets are a median of 15 % and 90 %
   * covered (reached: 13.1 %, 91 %) and every pair ordered (not: 714 of 863, the load's noise
   * between repetitions, see the floor).
   */
  @Test
  void heldOutByFileAndRepetition() {
    List<EstimatorValidation.Capture> captures = EstimatorValidation.captures(Path.of("samples/emulation/captures.csv"));
    List<Path> files = List.of(Path.of("data/emulation/measurements.csv"), Path.of("data/emulation/measurements-2.csv"));
    EstimatorValidation.HeldOut h = EstimatorValidation.heldOut(files, captures, LAB_LAN, new BspExecutionModel());
    EstimatorValidation.Figures f = h.all();
    String why = "held out: " + f.medianAbsError() + ", " + f.pairsOrdered() + " of " + f.pairs() + ", " + f.coverage() + "\n"
        + EstimatorValidation.table(f);
    assertEquals(5, h.calibrations().size(), h.calibrations().toString());
    assertEquals(151, f.rows().stream().filter(r -> !r.kind().equals("one-site")).count(), why);
    assertTrue(f.medianAbsError() <= 0.14, why);
    assertTrue(f.pairs() == 863 && f.pairsOrdered() >= 700, why);
    assertTrue(f.coverage() >= 0.90, why);
    // far below what repeating a run's setting gives: the load it ran at explains most of its time
    assertTrue(h.repetitionFloor() >= 0.2 && f.medianAbsError() < 0.6 * h.repetitionFloor(), "floor " + h.repetitionFloor() + "; " + why);
    h.calibrations().values().forEach(c -> assertTrue(c.latencyFactor() > 0.5 && c.latencyFactor() < 0.9, h.calibrations().toString()));
    // the runs' own repetitions, each predicted by the median of the others of its setting, order far fewer pairs: the load's noise
    assertTrue(h.repetitions().pairs() == 863 && h.repetitions().pairsOrdered() < f.pairsOrdered() - 100, "repetitions: "
        + h.repetitions().pairsOrdered() + "; " + why);
    // as placements (each one's median run per campaign, program and WAN setting)
    EstimatorValidation.PlacementPairs placements = h.perFile().values().stream().map(x -> EstimatorValidation.placementPairs(x.rows()))
        .reduce(new EstimatorValidation.PlacementPairs(0, 0, List.of()), EstimatorValidation.PlacementPairs::plus);
    assertTrue(placements.pairs() == 80 && placements.ordered() >= 67, placements.toString());
  }

  private static EstimatorValidation.Figures figures(String measurements) {
    List<EstimatorValidation.Capture> captures = EstimatorValidation.captures(Path.of("samples/emulation/captures.csv"));
    return EstimatorValidation.validate(Path.of(measurements), captures, LAB_LAN, new BspExecutionModel(), SIGMA);
  }
}
