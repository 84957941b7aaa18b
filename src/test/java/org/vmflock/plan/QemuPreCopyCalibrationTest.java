package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The calibration finds constants that explain migrations a known model made (a grid like the
 * measured one), each factor on its own and either way, and counts its errors as the README's
 * table does.
 */
class QemuPreCopyCalibrationTest {

  private static final double MIB = 1 << 20;

  /** A QEMU that achieves 90 % of its cap, sends 300 MB/s with a core, re-sends half near the cap, loses 12 ms at each pass's end, takes 1.3 times as long and 0.7 times the pause. */
  private static final QemuPreCopyModel.Settings TRUTH = new QemuPreCopyModel.Settings(0.9, 300e6, 0.6, 8, 9, 2e9, Duration.ofMillis(5),
      Duration.ofMillis(30), Duration.ofMillis(12), 1000, 0.5, 1.3, 0.7, 1.0);

  private static List<QemuPreCopyCalibration.Observation> measured(QemuPreCopyModel.Settings truth) {
    QemuPreCopyModel model = new QemuPreCopyModel(truth);
    List<QemuPreCopyCalibration.Observation> out = new ArrayList<>();
    for (double memory : new double[] {256, 1024}) {
      for (double dirty : new double[] {2, 22, 42, 82}) {
        for (double cap : new double[] {32, 128, 512}) {
          for (long limit : new long[] {30, 300}) {
            for (double cpu : new double[] {0.6, 0.3}) {
              QemuPreCopyModel.Input in = new QemuPreCopyModel.Input((memory + 1) * MIB, 150e6, 38 * MIB, dirty * MIB, cap * MIB, 125e6,
                  Duration.ofMillis(5), Duration.ofMillis(limit), cpu);
              QemuPreCopyModel.Prediction p = model.predict(in);
              out.add(new QemuPreCopyCalibration.Observation(in, p.converged(), p.totalSeconds(), p.downtimeSeconds(), p.bytes()));
            }
          }
        }
      }
    }
    return out;
  }

  @Test
  void aFitOnWhatAKnownModelMadeExplainsIt() {
    List<QemuPreCopyCalibration.Observation> observed = measured(TRUTH);
    QemuPreCopyCalibration.Errors before = QemuPreCopyCalibration.errors(new QemuPreCopyModel(QemuPreCopyCalibration.START), observed);
    QemuPreCopyModel.Settings fitted = QemuPreCopyCalibration.fit(observed);
    QemuPreCopyCalibration.Errors after = QemuPreCopyCalibration.errors(new QemuPreCopyModel(fitted), observed);
    assertTrue(before.total() > 0.1 && before.falseAlarms() + before.missed() > 0, "the starting point is off: " + before.text());
    assertEquals(0, after.missed() + after.falseAlarms(), after.text());
    assertTrue(after.total() < 0.03 && after.downtime() < 0.03 && after.bytes() < 0.03, after.text() + " with " + fitted);
    assertTrue(after.notConverging() > 0 && after.notConverging() < observed.size() / 2, "the grid holds both kinds: " + after.text());
  }

  @Test
  void theFactorsAreFittedEachOnItsOwnBelowAndAbove1() {
    List<QemuPreCopyCalibration.Observation> observed = measured(TRUTH);
    QemuPreCopyModel.Settings bare = new QemuPreCopyModel.Settings(0.9, 300e6, 0.6, 8, 9, 2e9, Duration.ofMillis(5), Duration.ofMillis(30),
        Duration.ofMillis(12), 1000, 0.5, 1, 1, 1);
    QemuPreCopyModel.Settings scaled = QemuPreCopyCalibration.withFactors(bare, observed);
    assertEquals(1.3, scaled.timeFactor(), 1e-9);
    assertEquals(0.7, scaled.downtimeFactor(), 1e-9);
    assertEquals(1.0, scaled.bytesFactor(), 1e-9);
  }

  @Test
  void aScatteredQuantitysFactorMinimizesItsMedianRelativeError() {
    // predicted over measured: three near 1.2, two far above; the median ratio's inverse (1/1.4) leaves 28.6 %, 1/1.2 leaves 16.7 %
    List<Double> ratios = List.of(1.0, 1.2, 1.4, 5.0, 6.0);
    double f = QemuPreCopyCalibration.factor(ratios);
    assertEquals(1 / 1.2, f, 1e-9);
    // 0.9, 1, 1.1: the factor 1 leaves 10 %; 2 / 2.1, where 1 and 1.1 err alike on either side, 4.8 %
    assertEquals(2 / 2.1, QemuPreCopyCalibration.factor(List.of(0.9, 1.0, 1.1)), 1e-9, "an optimum where two errors cross");
    assertEquals(1.0, QemuPreCopyCalibration.factor(List.of()), 0, "nothing to go on");
  }

  @Test
  void theErrorsCountMissesAndFalseAlarmsApart() {
    QemuPreCopyModel.Input converges = new QemuPreCopyModel.Input(256 * MIB, 128 * MIB, 8 * MIB, 0, 64 * MIB, 125e6, Duration.ZERO,
        Duration.ofMillis(300));
    QemuPreCopyModel.Input never = new QemuPreCopyModel.Input(256 * MIB, 128 * MIB, 128 * MIB, 100 * MIB, 64 * MIB, 125e6, Duration.ZERO,
        Duration.ofMillis(300));
    QemuPreCopyModel model = new QemuPreCopyModel(TRUTH);
    QemuPreCopyModel.Prediction p = model.predict(converges);
    List<QemuPreCopyCalibration.Observation> observed = List.of(
        new QemuPreCopyCalibration.Observation(converges, true, p.totalSeconds() * 2, Double.NaN, p.bytes()), // measured twice as long
        new QemuPreCopyCalibration.Observation(converges, false, Double.NaN, Double.NaN, 1e9), // stuck where the model converges: missed
        new QemuPreCopyCalibration.Observation(never, true, 10, 0.1, 1e9)); // finished where the model says never: false alarm
    QemuPreCopyCalibration.Errors e = QemuPreCopyCalibration.errors(model, observed);
    assertEquals(3, e.migrations());
    assertEquals(1, e.notConverging());
    assertEquals(1, e.missed());
    assertEquals(1, e.falseAlarms());
    assertEquals(0.5, e.total(), 1e-9);
    assertEquals(1, e.totalCount());
    assertEquals(0, e.downtimeCount(), "QEMU's missing downtime is left out");
    assertEquals(0, e.bytes(), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> QemuPreCopyCalibration.fit(List.of()));
  }
}
