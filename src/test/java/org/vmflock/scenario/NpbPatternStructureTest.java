package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each generated matrix has the structure of its benchmark's communication pattern. A rank's
 * partners are the VMs it exchanges at least a tenth of its largest pair's bytes with (both
 * directions): the collectives' few bytes with other ranks do not count.
 */
class NpbPatternStructureTest {

  private static double[][] bytes(String name) {
    return NpbProfiles.lookupOrThrow(name).trafficPerWork().bytes();
  }

  /** The partners of {@code rank}, 0-based. */
  private static Set<Integer> partners(double[][] b, int rank) {
    double largest = 0;
    for (int j = 0; j < b.length; j++) {
      largest = Math.max(largest, b[rank][j] + b[j][rank]);
    }
    Set<Integer> partners = new TreeSet<>();
    for (int j = 0; j < b.length; j++) {
      if (j != rank && b[rank][j] + b[j][rank] >= largest / 10) {
        partners.add(j);
      }
    }
    return partners;
  }

  private static Set<Integer> set(int... ranks) {
    Set<Integer> s = new TreeSet<>();
    for (int r : ranks) {
      s.add(r);
    }
    return s;
  }

  @ParameterizedTest
  @ValueSource(strings = {"cg.A.4", "cg.B.16", "cg.C.64"})
  void cgRanksTalkToTheirRowByRecursiveDoublingAndToTheirTransposePartner(String name) {
    double[][] b = bytes(name);
    int q = (int) Math.round(Math.sqrt(b.length));
    for (int me = 0; me < b.length; me++) {
      int row = me / q;
      int col = me % q;
      Set<Integer> expected = new TreeSet<>();
      for (int bit = 1; bit < q; bit <<= 1) {
        expected.add(row * q + (col ^ bit));
      }
      expected.add(col * q + row);
      expected.remove(me);
      assertEquals(expected, partners(b, me), name + " rank " + me);
    }
  }

  @Test
  void cgOnANonSquareGridHasTwiceAsManyColumnsAsRows() {
    // 8 ranks: 2 rows of 4; the row partners are col XOR 1 and col XOR 2, plus one transpose partner
    double[][] b = bytes("cg.B.8");
    for (int me = 0; me < 8; me++) {
      Set<Integer> p = partners(b, me);
      int row = me / 4;
      assertTrue(p.contains(row * 4 + ((me % 4) ^ 1)) && p.contains(row * 4 + ((me % 4) ^ 2)), "rank " + me + ": " + p);
      assertTrue(p.size() <= 3, "rank " + me + ": " + p);
    }
  }

  @Test
  void mgExchangesFacesWithTheSixNeighboursOfA3dTorus() {
    // 64 ranks: a 4 x 4 x 4 grid, rank = i + 4 j + 16 k, periodic
    double[][] b = bytes("mg.B.64");
    for (int me = 0; me < 64; me++) {
      int i = me % 4;
      int j = (me / 4) % 4;
      int k = me / 16;
      Set<Integer> expected = set(
          (i + 1) % 4 + 4 * j + 16 * k, (i + 3) % 4 + 4 * j + 16 * k,
          i + 4 * ((j + 1) % 4) + 16 * k, i + 4 * ((j + 3) % 4) + 16 * k,
          i + 4 * j + 16 * ((k + 1) % 4), i + 4 * j + 16 * ((k + 3) % 4));
      assertEquals(expected, partners(b, me), "rank " + me);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mg.A.4", "mg.A.8", "mg.C.16", "mg.A.32"})
  void mgHasAtMostSixNeighboursAndEveryExchangeGoesBothWays(String name) {
    double[][] b = bytes(name);
    for (int me = 0; me < b.length; me++) {
      Set<Integer> p = partners(b, me);
      assertTrue(p.size() >= 2 && p.size() <= 6, name + " rank " + me + ": " + p);
      for (int other : p) {
        assertTrue(partners(b, other).contains(me), name + ": " + me + " and " + other);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lu.A.4", "lu.B.32", "lu.C.64"})
  void luTalksToItsTwoToFourGridNeighboursWithoutWrapAround(String name) {
    double[][] b = bytes(name);
    int n = b.length;
    int xdim = 1 << ((Integer.numberOfTrailingZeros(n) + 1) / 2);
    int ydim = n / xdim;
    for (int id = 0; id < n; id++) {
      int row = id % xdim;
      int col = id / xdim;
      Set<Integer> expected = new TreeSet<>();
      if (row > 0) {
        expected.add(id - 1);
      }
      if (row < xdim - 1) {
        expected.add(id + 1);
      }
      if (col > 0) {
        expected.add(id - xdim);
      }
      if (col < ydim - 1) {
        expected.add(id + xdim);
      }
      assertEquals(expected, partners(b, id), name + " rank " + id);
      assertTrue(expected.size() >= 2 && expected.size() <= 4);
    }
  }

  @Test
  void luPassesOnePlaneEdgeAMessageInBothSweeps() {
    // lu.B.16: 4 x 4 ranks, 102 planes; rank 0 (north-west corner) sends its south neighbour 1 one edge
    // per inner plane in the lower sweep, once per step (251 steps), plus the ghost layers of the
    // right-hand side (254 times: erhs, the start of both ssor calls, each step); 1 sends as many back
    // in the upper sweep. The collectives add 0 -> 1: 10 broadcasts, 2 barriers, 8 allreduces;
    // 1 -> 0: 2 barriers, 8 allreduces, 1 reduce.
    MpiTraffic run = NpbBenchmark.LU.pattern().run(NpbClass.B, 16);
    assertEquals(251 * 100 + 254 + 20, run.messages(0, 1));
    assertEquals(251 * 100 + 254 + 11, run.messages(1, 0));
    // a corner's edge holds 5 doubles for each of its 25 inner points (102 / 4 = 25.5, minus the boundary)
    double edge = 5 * 25 * 8;
    double ghost = 10 * 26 * 102 * 8;
    double collectives = 10 * 8 + 5 * 40 + 3 * 8;
    assertEquals(251 * 100 * edge + 254 * ghost + collectives, run.payloadBytes(0, 1), 1e-6);
    assertEquals(0, run.messages(0, 5), "no diagonal neighbours");
  }

  @Test
  void btAndSpTalkToTheSuccessorAndPredecessorOfEachDirection() {
    // 16 ranks, 4 cells a side; rank 0 owns cells (0,0,0), (1,3,1), (2,2,2), (3,1,3):
    // x: 1 and 3, y: 4 and 12, z: successor (i-1, j+1) = 7, predecessor (i+1, j-1) = 13
    assertEquals(set(1, 3, 4, 7, 12, 13), partners(bytes("bt.A.16"), 0));
    assertEquals(set(1, 3, 4, 7, 12, 13), partners(bytes("sp.C.16"), 0));
    for (String name : new String[] {"bt.B.9", "sp.A.36", "bt.C.64"}) {
      double[][] b = bytes(name);
      for (int me = 0; me < b.length; me++) {
        assertEquals(6, partners(b, me).size(), name + " rank " + me);
      }
    }
    // on 4 ranks successor and predecessor coincide: 3 partners
    double[][] four = bytes("bt.A.4");
    for (int me = 0; me < 4; me++) {
      assertEquals(3, partners(four, me).size());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ft.A.4", "ft.B.16", "ft.C.64", "is.A.4", "is.B.32", "is.C.64"})
  void ftAndIsAreAllToAllAndEven(String name) {
    double[][] b = bytes(name);
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < b.length; i++) {
      for (int j = 0; j < b.length; j++) {
        if (i != j) {
          min = Math.min(min, b[i][j]);
          max = Math.max(max, b[i][j]);
        }
      }
    }
    assertTrue(min > 0 && max / min < 1.05, name + ": pairs from " + min + " to " + max + " B per work second");
  }

  @ParameterizedTest
  @ValueSource(strings = {"A", "B", "C"})
  void epSendsAlmostNothing(String problemClass) {
    for (int n : NpbProfiles.LISTED_POWERS) {
      Profile ep = NpbProfiles.lookupOrThrow("ep." + problemClass + "." + n);
      Profile is = NpbProfiles.lookupOrThrow("is." + problemClass + "." + n);
      double share = ep.trafficPerWork().totalBytes() / is.trafficPerWork().totalBytes();
      assertTrue(share > 0 && share < 1e-3, ep.name() + ": " + share + " of IS's bytes");
      Profile generated = NpbProfiles.generate(NpbBenchmark.EP, NpbClass.valueOf(problemClass), n);
      assertEquals(6 * Integer.numberOfTrailingZeros(n), generated.syncsPerWork() * generated.defaultWorkSeconds(), 1e-9,
          ep.name() + ": a broadcast, a barrier and four allreduces");
    }
  }
}
