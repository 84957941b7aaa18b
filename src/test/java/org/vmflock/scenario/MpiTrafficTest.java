package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.model.TrafficMatrix;

/** Messages become the frames the captures show; collectives talk to the partners of their algorithms. */
class MpiTrafficTest {

  private static final double EPSILON = 1e-9;

  /** Which pairs (from-to) carry messages, in rank order. */
  private static List<String> pairs(MpiTraffic t) {
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < t.ranks(); i++) {
      for (int j = 0; j < t.ranks(); j++) {
        if (t.messages(i, j) > 0) {
          pairs.add(i + "-" + j);
        }
      }
    }
    return pairs;
  }

  @Test
  void aMessageIsSplitIntoFullFramesWithHeadersAndAcknowledged() {
    // cg.A.4's row block: 7000 doubles, a 56022-byte write of 38 full frames and one of 1064 bytes
    MpiTraffic t = new MpiTraffic(2);
    t.send(0, 1, 56_000);
    TrafficMatrix perSecond = t.perSecond(1);
    double frames = 39;
    double connection = 284;
    assertEquals(56_022 + frames * 66 + connection, perSecond.bytes(0, 1), EPSILON);
    assertEquals(frames + 4, perSecond.packets(0, 1), EPSILON);
    assertEquals(frames * 0.107 * 66 + connection, perSecond.bytes(1, 0), EPSILON, "ACKs come back");
    assertEquals(56_000, t.payloadBytes(0, 1));
    assertEquals(1, t.messages(0, 1));
  }

  @Test
  void aSmallMessageIsOneFrameAndARendezvousSendsAGoAheadBack() {
    MpiTraffic small = new MpiTraffic(2);
    small.send(0, 1, 8);
    assertEquals(30 + 66 + 284, small.perSecond(1).bytes(0, 1), EPSILON);
    MpiTraffic large = new MpiTraffic(2);
    large.send(0, 1, 100_000);
    double frames = Math.ceil(100_022 / 1448.0);
    assertEquals((frames * 0.107 + 1) * 66 + 22 + 284, large.perSecond(1).bytes(1, 0), EPSILON);
  }

  @Test
  void messagesToOneselfStayInMemoryAndRatesDivideByTheRunTime() {
    MpiTraffic t = new MpiTraffic(3);
    t.send(1, 1, 1e6);
    assertEquals(0, t.perSecond(1).totalBytes());
    t.send(0, 2, 1000);
    assertEquals(t.perSecond(1).bytes(0, 2) / 4, t.perSecond(4).bytes(0, 2), EPSILON);
    assertEquals(List.of("vm1", "vm2", "vm3"), t.perSecond(1).vms());
  }

  @Test
  void allreduceIsRecursiveDoublingAndFoldsTheRanksBeyondAPowerOfTwo() {
    MpiTraffic four = new MpiTraffic(4);
    four.allreduce(8);
    assertEquals(List.of("0-1", "0-2", "1-0", "1-3", "2-0", "2-3", "3-1", "3-2"), pairs(four));
    assertEquals(2, four.rounds());
    MpiTraffic six = new MpiTraffic(6);
    six.allreduce(8);
    assertEquals(4, six.rounds(), "fold in, two doubling steps, fold out");
    assertEquals(1, six.messages(4, 0));
    assertEquals(1, six.messages(0, 4));
    assertEquals(0, six.messages(4, 5));
  }

  @Test
  void treesReachEveryRankOnceAndBarriersPairByDistance() {
    MpiTraffic bcast = new MpiTraffic(8);
    bcast.bcast(3, 4);
    // relative ranks: 0->1; 0->2, 1->3; 0->4, 1->5, 2->6, 3->7
    assertEquals(List.of("3-4", "3-5", "3-7", "4-0", "4-6", "5-1", "6-2"), pairs(bcast));
    assertEquals(3, bcast.rounds());
    MpiTraffic reduce = new MpiTraffic(5);
    reduce.reduce(0, 4);
    // each rank sends to itself minus its highest bit
    assertEquals(List.of("1-0", "2-0", "3-1", "4-0"), pairs(reduce));
    assertEquals(3, reduce.rounds());
    MpiTraffic barrier = new MpiTraffic(3);
    barrier.barrier();
    assertEquals(List.of("0-1", "0-2", "1-0", "1-2", "2-0", "2-1"), pairs(barrier));
    assertEquals(2, barrier.rounds());
  }

  @Test
  void anAllToAllReachesEveryOtherRankInOneRound() {
    MpiTraffic t = new MpiTraffic(4);
    t.alltoall(1000);
    assertEquals(12, pairs(t).size());
    assertEquals(1, t.rounds());
  }

  @Test
  void repeatingAnIterationScalesEverything() {
    MpiTraffic step = new MpiTraffic(2);
    step.send(0, 1, 5000);
    step.rounds(3);
    MpiTraffic run = new MpiTraffic(2);
    run.add(step, 10);
    assertEquals(50_000, run.payloadBytes(0, 1));
    assertEquals(30, run.rounds());
    assertEquals(10, run.messages(0, 1));
  }

  @Test
  void refusesWhatIsNotARun() {
    assertThrows(IllegalArgumentException.class, () -> new MpiTraffic(0));
    MpiTraffic t = new MpiTraffic(2);
    assertEquals("rank 2 is not one of the run's 2 ranks",
        assertThrows(IllegalArgumentException.class, () -> t.send(0, 2, 1)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> t.send(0, 1, -1));
    assertThrows(IllegalArgumentException.class, () -> t.perSecond(0));
    assertThrows(IllegalArgumentException.class, () -> t.add(new MpiTraffic(3), 1));
  }
}
