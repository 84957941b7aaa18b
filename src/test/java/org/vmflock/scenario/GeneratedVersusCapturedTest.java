package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.model.TrafficMatrix;

/**
 * The generated class-A 4-VM profiles of the captured benchmarks against their captures. Nothing
 * in the patterns is fitted to these numbers: the message sizes and counts come from the NPB
 * sources, the frame sizes and the ACK rate from the captures as a whole, the work time is the
 * captured wall time. Measured (generated / captured): bytes CG 1.003, MG 0.999, IS 0.995, EP 0.70;
 * packets CG 1.06, MG 0.99, IS 0.94, EP 0.65; barriers per work second CG 0.98, MG 0.60, IS 0.39,
 * EP 0.55 (the pcap's stalls count as rounds, see CaptureRounds).
 */
class GeneratedVersusCapturedTest {

  private static Profile captured(String benchmark) {
    return NpbProfiles.lookupOrThrow(benchmark + ".A.4");
  }

  private static Profile generated(String benchmark) {
    return NpbProfiles.generate(NpbBenchmark.parse(benchmark).orElseThrow(), NpbClass.A, 4);
  }

  private static void within(double factor, double generated, double captured, String what) {
    double ratio = generated / captured;
    assertTrue(ratio <= factor && ratio >= 1 / factor, what + ": generated " + generated + ", captured " + captured + " (x" + ratio + ")");
  }

  @ParameterizedTest
  @CsvSource({"cg, 1.02, 1.10", "mg, 1.02, 1.10", "is, 1.02, 1.10", "ep, 2, 2"})
  void totalsAgreeWithinTheStatedFactor(String benchmark, double bytesFactor, double packetsFactor) {
    TrafficMatrix g = generated(benchmark).trafficPerWork();
    TrafficMatrix c = captured(benchmark).trafficPerWork();
    within(bytesFactor, g.totalBytes(), c.totalBytes(), benchmark + " bytes per work second");
    within(packetsFactor, g.totalPackets(), c.totalPackets(), benchmark + " packets per work second");
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg", "mg", "is"})
  void everyBusyPairAgreesWithin5Percent(String benchmark) {
    TrafficMatrix g = generated(benchmark).trafficPerWork();
    TrafficMatrix c = captured(benchmark).trafficPerWork();
    double largest = 0;
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        largest = Math.max(largest, c.bytes(i, j));
      }
    }
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        if (c.bytes(i, j) > largest / 100) {
          within(1.05, g.bytes(i, j), c.bytes(i, j), benchmark + " vm" + (i + 1) + " -> vm" + (j + 1));
        } else {
          assertTrue(g.bytes(i, j) < largest / 100, benchmark + " vm" + (i + 1) + " -> vm" + (j + 1) + " is idle in the capture");
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg", "mg", "is", "ep"})
  void barriersAgreeWithinAFactorOf3(String benchmark) {
    within(3, generated(benchmark).syncsPerWork(), captured(benchmark).syncsPerWork(), benchmark + " barriers per work second");
  }
}
