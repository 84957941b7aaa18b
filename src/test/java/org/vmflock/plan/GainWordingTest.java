package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.vmflock.model.Objective;

/** A decision's gain says what it is: "gains 0.99" alone left a reader to guess seconds, money or a ratio. */
class GainWordingTest {

  @Test
  void eachObjectivesGainCarriesItsUnit() {
    assertEquals("0.99 in cost", Planner.gain(Objective.COST, 0.987));
    assertEquals("1796 s of time", Planner.gain(Objective.TIME, 1795.6));
    assertEquals("12.3 % of the balanced score", Planner.gain(Objective.balanced(0.5), 0.123));
  }
}
