package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.scenario.CaptureRounds.Segment;
import org.vmflock.testing.TestData;

/**
 * The barriers per work second of the captured profiles are the exchange rounds counted in the
 * pcaps of samples/npb: recounting them gives NpbProfiles.CAPTURED_ROUNDS, and the counting rule
 * does what CaptureRounds says.
 */
class CapturedSyncsTest {

  private static final Map<String, List<Segment>> SEGMENTS = new ConcurrentHashMap<>();

  private static List<Segment> segments(String benchmark) {
    return SEGMENTS.computeIfAbsent(benchmark,
        b -> CaptureRounds.dataSegments(TestData.npb(b + ".A.4.pcap.gz"), TestData.npb("vms4.csv")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg", "mg", "is", "ep"})
  void theConstantsAreTheRoundsCountedInThePcaps(String benchmark) {
    int rounds = CaptureRounds.rounds(segments(benchmark), CaptureRounds.IDLE_GAP_MICROS);
    assertEquals(NpbProfiles.CAPTURED_ROUNDS.get(benchmark), rounds, benchmark + ": recount samples/npb and update CAPTURED_ROUNDS");
    Profile p = NpbProfiles.lookupOrThrow(benchmark + ".A.4");
    assertEquals(rounds / NpbProfiles.CAPTURED_SECONDS.get(benchmark), p.syncsPerWork(), 1e-12);
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg", "mg"})
  void theIdleGapSitsInATroughWhereTheCountBarelyMoves(String benchmark) {
    // one 1/8-decade bin either side of 250 us: 178 and 316 us
    double at = CaptureRounds.rounds(segments(benchmark), CaptureRounds.IDLE_GAP_MICROS);
    double shorter = CaptureRounds.rounds(segments(benchmark), 178);
    double longer = CaptureRounds.rounds(segments(benchmark), 316);
    assertTrue(shorter / at < 1.2 && longer / at > 0.8, benchmark + ": " + shorter + " / " + at + " / " + longer);
  }

  @Test
  void theIdleGapFallsBetweenTheGapsInsideAnExchangeAndTheComputePhases() {
    // bins of 1/8 decade from 1 us: bin b holds gaps from 10^(b/8) us; 250 us is in bin 19 (237-316 us)
    int at = (int) Math.floor(Math.log10(CaptureRounds.IDLE_GAP_MICROS) * 8);
    assertEquals(19, at);
    int[] cg = CaptureRounds.gapHistogram(segments("cg"), 8, 5);
    int inside = 0;
    for (int b = 8; b < 16; b++) {
      inside = Math.max(inside, cg[b]);
    }
    int between = Math.max(cg[21], cg[22]);
    assertTrue(4 * cg[at] < inside && 4 * cg[at] < between,
        "cg.A.4: " + cg[at] + " gaps at 237-316 us, up to " + inside + " at 10-100 us, " + between + " at 0.4-0.75 ms");
    int[] mg = CaptureRounds.gapHistogram(segments("mg"), 8, 5);
    int low = Integer.MAX_VALUE;
    int high = 0;
    for (int b = 18; b < 24; b++) {
      low = Math.min(low, mg[b]);
      high = Math.max(high, mg[b]);
    }
    assertTrue(high < 1.5 * low, "mg.A.4 is flat from 178 us to 1 ms: " + low + " to " + high + " gaps a bin");
  }

  @Test
  void theSegmentsAreTheVmToVmDataOfTheCapture() {
    // 100,772 data segments between the 4 VMs of cg.A.4 (105,075 VM-to-VM frames, 4,303 of them pure ACKs)
    List<Segment> cg = segments("cg");
    assertEquals(100_772, cg.size());
    assertTrue(cg.stream().allMatch(s -> s.from() != s.to() && s.from() >= 0 && s.to() < 4));
    for (int i = 1; i < cg.size(); i++) {
      assertTrue(cg.get(i).micros() >= cg.get(i - 1).micros(), "in time order");
    }
    // EP sends a few dozen small messages, each one segment that ends its write
    assertEquals(52, segments("ep").size());
    assertTrue(segments("ep").stream().allMatch(Segment::push));
  }

  @Test
  void aLongGapStartsARoundOnlyWhenNoWriteIsHalfSent() {
    List<Segment> s = List.of(
        new Segment(0, 0, 1, false),
        new Segment(1_000, 0, 1, true),     // a 1 ms stall inside a write: same round
        new Segment(1_100, 1, 0, true),     // the partner answers 100 us later: same round
        new Segment(2_000, 0, 1, true),     // 900 us idle with nothing half sent: round 2
        new Segment(2_200, 2, 3, true),     // 200 us: same round
        new Segment(2_451, 3, 2, true));    // 251 us: round 3
    assertEquals(3, CaptureRounds.rounds(s, 250));
    assertEquals(5, CaptureRounds.rounds(s, 50), "every gap over 50 us but the stall inside the write");
    assertEquals(1, CaptureRounds.rounds(s, 1_000));
    assertEquals(0, CaptureRounds.rounds(List.of(), 250));
  }
}
