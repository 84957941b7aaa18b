package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The calibration of forecasts from an observed run, and the one-site time as a curve of the load. */
class RuntimeCalibrationTest {

  /** A run of 20 s on one site (compute only, 0.1 s of waits there), on a placement with {@code chain} seconds of waits. */
  private static RuntimeForecast.Parts parts(double chain, double bandwidth) {
    return new RuntimeForecast.Parts(20, 0.1, 1, 0.01, 1, bandwidth, chain, chain * 100);
  }

  @Test
  void theFactorAndSpreadAreFittedOnMeasuredRuns() {
    List<RuntimeCalibration.Observation> runs = new ArrayList<>();
    double[] noise = {1.1, 0.9, 1.2, 0.85, 1.0};
    for (int i = 0; i < 40; i++) {
      double chain = 1 + i;
      RuntimeForecast.Parts p = parts(chain, 0.01);
      double truth = p.forecast(new RuntimeCalibration(0.7, 0)).predictedSeconds();
      runs.add(new RuntimeCalibration.Observation(truth * noise[i % noise.length], p));
    }
    RuntimeCalibration c = RuntimeCalibration.fit(runs);
    assertEquals(0.7, c.latencyFactor(), 0.05, c.toString());
    // the 95th percentile of the errors, the largest noise here (x 1.2), over 1.96
    assertEquals(Math.log(1.2) / 1.96, c.sigma(), 0.02, c.toString());
  }

  @Test
  void onOneSiteTheForecastIsTheObservedTimeAndTransfersOverlapCompute() {
    RuntimeForecast.Parts one = new RuntimeForecast.Parts(20, 0.1, 1, 0.01, 1, 0.01, 0.1, 0);
    assertEquals(20, one.forecast(new RuntimeCalibration(0.7, 0.2)).predictedSeconds(), 1e-9);
    // bandwidth below compute costs nothing; above it, it sets the pace
    assertEquals(20 - 0.07 + 3.5, parts(5, 0.5).forecast(new RuntimeCalibration(0.7, 0)).predictedSeconds(), 1e-9);
    RuntimeForecast slow = parts(5, 2).forecast(new RuntimeCalibration(0.7, 0));
    assertEquals((20 - 0.07) * 2 + 3.5, slow.predictedSeconds(), 1e-9);
    // the same run lasting 40 s: twice the compute, the same bytes (half as many per work second) and waits
    assertEquals((40 - 0.07) * 2 + 3.5, parts(5, 4).lasting(40).forecast(new RuntimeCalibration(0.7, 0)).predictedSeconds(), 1e-9);
    assertEquals(40 - 0.07 + 3.5, parts(5, 0.5).lasting(40).forecast(new RuntimeCalibration(0.7, 0)).predictedSeconds(), 1e-9);
  }

  @Test
  void theLoadCurveIsAPowerOfTheLoad() {
    double[] loads = {2, 4, 8, 16};
    double[] seconds = new double[4];
    for (int i = 0; i < 4; i++) {
      seconds[i] = 3 * Math.pow(loads[i], 0.8);
    }
    LoadCurve c = LoadCurve.fit(loads, seconds);
    assertEquals(3, c.scale(), 1e-9);
    assertEquals(0.8, c.exponent(), 1e-9);
    assertEquals(3, c.seconds(0.2), 1e-9);
    assertEquals(5, LoadCurve.fit(new double[] {7, 7}, new double[] {4, 6.25}).seconds(20), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> LoadCurve.fit(new double[0], new double[0]));
    assertThrows(IllegalArgumentException.class, () -> LoadCurve.fit(new double[] {3}, new double[] {0}));
    assertThrows(IllegalArgumentException.class, () -> RuntimeCalibration.fit(List.of()));
    assertTrue(RuntimeCalibration.uncalibrated(0.25).latencyFactor() == 1);
  }
}
