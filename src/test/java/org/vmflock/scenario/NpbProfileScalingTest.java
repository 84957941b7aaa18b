package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Generated profiles scale as simulations/PROFILES.md says: a bigger class exchanges more bytes
 * per run and takes more work; more VMs share the same work (work seconds times VMs stays put)
 * while bytes and barriers per work second grow.
 */
class NpbProfileScalingTest {

  private static List<Integer> sizes(NpbBenchmark b) {
    return b.onSquares() ? NpbProfiles.LISTED_SQUARES : NpbProfiles.LISTED_POWERS;
  }

  private static Profile generated(NpbBenchmark b, NpbClass c, int n) {
    return NpbProfiles.generate(b, c, n);
  }

  private static double bytesPerRun(Profile p) {
    return p.trafficPerWork().totalBytes() * p.defaultWorkSeconds();
  }

  @ParameterizedTest
  @EnumSource(NpbBenchmark.class)
  void aBiggerClassExchangesMoreAndWorksLonger(NpbBenchmark b) {
    for (int n : sizes(b)) {
      Profile a = generated(b, NpbClass.A, n);
      Profile bb = generated(b, NpbClass.B, n);
      Profile c = generated(b, NpbClass.C, n);
      assertTrue(a.defaultWorkSeconds() < bb.defaultWorkSeconds() && bb.defaultWorkSeconds() < c.defaultWorkSeconds(), a.name());
      if (b == NpbBenchmark.EP) {
        // EP's few collectives do not depend on the class
        assertEquals(bytesPerRun(a), bytesPerRun(c), 1e-6 * bytesPerRun(a), a.name());
      } else {
        assertTrue(bytesPerRun(a) < bytesPerRun(bb) && bytesPerRun(bb) < bytesPerRun(c),
            a.name() + ": " + bytesPerRun(a) + ", " + bytesPerRun(bb) + ", " + bytesPerRun(c) + " bytes a run");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(NpbBenchmark.class)
  void moreVmsShareTheWorkAndExchangeMorePerWorkSecond(NpbBenchmark b) {
    for (NpbClass c : NpbClass.values()) {
      Profile previous = null;
      for (int n : sizes(b)) {
        Profile p = generated(b, c, n);
        if (previous != null) {
          assertEquals(previous.defaultWorkSeconds() * previous.vms(), p.defaultWorkSeconds() * p.vms(), 1e-9 * p.defaultWorkSeconds() * n,
              p.name() + ": the work of a rank is the run's over the VMs");
          assertTrue(p.trafficPerWork().totalBytes() > previous.trafficPerWork().totalBytes(), p.name() + " bytes");
          assertTrue(p.trafficPerWork().totalPackets() > previous.trafficPerWork().totalPackets(), p.name() + " packets");
          assertTrue(p.syncsPerWork() > previous.syncsPerWork(), p.name() + " barriers");
        }
        previous = p;
      }
    }
  }

  @ParameterizedTest
  @CsvSource({
      // NPB's operation counts: CG B / A = 54,708,750,000 / 1,496,460,000 = 36.56, times cg.A.4's 2.1 s
      "cg, B, 4, 76.773",
      // IS C ranks 16 times the keys of A on 4 times the VMs: 1.6 s x 16 / 4
      "is, C, 16, 6.4",
      // EP B draws 4 times the pairs of A on twice the VMs: 3.1 s x 4 / 2
      "ep, B, 8, 6.2",
      // no LU capture: LU A's 119.30 Gop at MG A's captured 3.892 Gop / (4 x 2.6 s) a rank
      "lu, A, 4, 79.688",
  })
  void workIsTheOperationCountAtTheAnchorsRate(String benchmark, String problemClass, int vms, double seconds) {
    Profile p = NpbProfiles.lookupOrThrow(benchmark + "." + problemClass + "." + vms);
    assertEquals(seconds, p.defaultWorkSeconds(), 1e-3);
  }
}
