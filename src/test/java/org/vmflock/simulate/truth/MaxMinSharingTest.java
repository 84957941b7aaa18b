package org.vmflock.simulate.truth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Progressive filling and the drain of the flows that share a bottleneck. */
class MaxMinSharingTest {

  private static final double EPS = 1e-9;

  @Test
  void flowsOnOneResourceShareItEquallyAndTheSmallOneLeavesItsShare() {
    MaxMinSharing.Problem p = new MaxMinSharing.Problem(new double[] {100});
    p.flow(100, Double.POSITIVE_INFINITY);
    p.uses(0, 1);
    p.flow(300, Double.POSITIVE_INFINITY);
    p.uses(0, 1);
    double[] time = new double[2];
    double[] rate = p.solve(time);
    assertEquals(50, rate[0], EPS);
    assertEquals(50, rate[1], EPS);
    // the first is done at 2 s (100 bytes at 50/s); the second then has the whole 100/s: 200 more bytes, 4 s in all
    assertEquals(2, time[0], EPS);
    assertEquals(4, time[1], EPS);
  }

  @Test
  void aFlowHeldElsewhereLeavesTheRestToTheOthers() {
    // resources: 0 (capacity 100) shared by flows a and b; 1 (capacity 10) crossed by b only
    MaxMinSharing.Problem p = new MaxMinSharing.Problem(new double[] {100, 10});
    p.flow(1000, Double.POSITIVE_INFINITY);
    p.uses(0, 1);
    p.flow(1000, Double.POSITIVE_INFINITY);
    p.uses(0, 1);
    p.uses(1, 1);
    double[] rate = p.solve(new double[2]);
    assertEquals(90, rate[0], EPS);
    assertEquals(10, rate[1], EPS);
  }

  @Test
  void aCappedFlowStopsAtItsCapAndAnotherApplicationsFlowOnlyTakesItsDemand() {
    MaxMinSharing.Problem p = new MaxMinSharing.Problem(new double[] {100});
    p.flow(100, 20); // a TCP window's bound
    p.uses(0, 1);
    p.flow(100, Double.POSITIVE_INFINITY);
    p.uses(0, 1);
    p.persistentFlow(30); // another application's average rate
    p.uses(0, 1);
    double[] time = new double[3];
    double[] rate = p.solve(time);
    assertEquals(20, rate[0], EPS);
    assertEquals(50, rate[1], EPS);
    assertEquals(30, rate[2], EPS);
    assertEquals(5, time[0], EPS);
    assertEquals(2, time[1], EPS);
    assertEquals(0, time[2], EPS);
  }

  @Test
  void acknowledgementsWeighOnTheReversePath() {
    // flow 0 uses resource 0 fully and resource 1 at 0.5; flow 1 uses resource 1 fully: 1 of capacity 100 gives 0.5 x + y = 100
    MaxMinSharing.Problem p = new MaxMinSharing.Problem(new double[] {1000, 100});
    p.flow(1, Double.POSITIVE_INFINITY);
    p.uses(0, 1);
    p.uses(1, 0.5);
    p.flow(1, Double.POSITIVE_INFINITY);
    p.uses(1, 1);
    double[] rate = p.solve(new double[2]);
    assertEquals(100 / 1.5, rate[0], EPS);
    assertEquals(100 / 1.5, rate[1], EPS);
  }
}
