package org.vmflock.emulate.apps;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.NetworkPath;
import org.vmflock.plan.BspExecutionModel;

/**
 * The execution-time estimator against the lab's measured runs, from the programs' captures on one
 * site ({@code samples/emulation}), as the README reports them: the figures must not get worse. The
 * targets of issue 14 (median error at most 15 %, every pair ordered, 90 % covered) are not reached
 * yet: these bounds are what the estimator reaches today, and a change that improves it should
 * raise them.
 */
class EstimatorValidationTest {

  /** The lab's own network as the validation takes it: the VMs' veth interfaces. */
  static final NetworkPath LAB_LAN = new NetworkPath(Duration.ofNanos(50_000), 10e9 / 8);
  static final double SIGMA = 0.25;

  @Test
  void secondCampaignAtLighterLoad() {
    EstimatorValidation.Figures f = figures("data/emulation/measurements-2.csv");
    assertTrue(f.medianAbsError() <= 0.34, "median |error| " + f.medianAbsError() + "\n" + EstimatorValidation.table(f));
    assertTrue(f.pairs() == 91 && f.pairsOrdered() >= 71, f.pairsOrdered() + " of " + f.pairs() + " pairs ordered");
    assertTrue(f.coverage() >= 0.87, "coverage " + f.coverage());
  }

  @Test
  void firstCampaignAtHeavyLoad() {
    EstimatorValidation.Figures f = figures("data/emulation/measurements.csv");
    assertTrue(f.medianAbsError() <= 0.44, "median |error| " + f.medianAbsError() + "\n" + EstimatorValidation.table(f));
    assertTrue(f.pairs() == 26 && f.pairsOrdered() >= 15, f.pairsOrdered() + " of " + f.pairs() + " pairs ordered");
    assertTrue(f.coverage() >= 0.60, "coverage " + f.coverage());
  }

  private static EstimatorValidation.Figures figures(String measurements) {
    List<EstimatorValidation.Capture> captures = EstimatorValidation.captures(Path.of("samples/emulation/captures.csv"));
    return EstimatorValidation.validate(Path.of(measurements), captures, LAB_LAN, new BspExecutionModel(), SIGMA);
  }
}
