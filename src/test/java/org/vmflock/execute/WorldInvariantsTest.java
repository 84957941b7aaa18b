package org.vmflock.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.execute.SagaFixtures.T0;
import static org.vmflock.execute.SagaFixtures.order;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The invariant checker is not vacuous: a world left half-way is reported, one at rest is not. */
class WorldInvariantsTest {

  private static final List<SagaEvent> UNFINISHED = List.of(new SagaEvent.Started(order("m1"), T0, SagaPolicy.defaults()));

  private static boolean reports(List<String> violations, String text) {
    return violations.stream().anyMatch(v -> v.contains(text));
  }

  @Test
  void aWorldAtRestHasNoViolation() {
    SimulatedWorld world = SagaFixtures.world();
    assertEquals(List.of(), WorldInvariants.safety(world));
    assertEquals(List.of(), WorldInvariants.settled(world, List.of()));
  }

  @Test
  void aMigrationStoppedAfterStopAndCopyIsReported() {
    SimulatedWorld world = SagaFixtures.world();
    MigrationOrder o = order("m1");
    world.reserve(o, T0.plusSeconds(60));
    world.precopy(o);
    world.stopAndCopy(o);

    assertEquals(List.of(), WorldInvariants.safety(world));
    List<String> v = WorldInvariants.settled(world, List.of(UNFINISHED));
    assertTrue(reports(v, "left PAUSED"), v.toString());
    assertTrue(reports(v, "reservation leaked"), v.toString());
    assertTrue(reports(v, "instance left behind"), v.toString());
    assertTrue(reports(v, "did not end"), v.toString());
  }

  @Test
  void aMigrationStoppedBeforeItsNetworkUpdateIsReported() {
    SimulatedWorld world = SagaFixtures.world();
    MigrationOrder o = order("m1");
    world.reserve(o, T0.plusSeconds(60));
    world.precopy(o);
    world.stopAndCopy(o);
    world.commit(o);
    world.activate(o);

    assertEquals(List.of(), WorldInvariants.safety(world));
    List<String> v = WorldInvariants.settled(world, List.of());
    assertTrue(reports(v, "is routed to"), v.toString());
    assertTrue(reports(v, "RETIRED"), v.toString());
  }

  @Test
  void aSagaThatClaimsAnEndTheWorldDoesNotShowIsReported() {
    SimulatedWorld world = SagaFixtures.world();
    SagaState s = SagaState.replay(UNFINISHED);
    List<SagaEvent> journal = new ArrayList<>(UNFINISHED);
    for (MigrationStep step : MigrationStep.FORWARD) {
      SagaEvent.StepStarted begun = s.begin(s.next(), T0);
      s = s.apply(begun);
      journal.add(begun);
      for (SagaEvent e : s.onResult(step, 1, new StepResult.Done(Duration.ZERO, StepDetails.NONE), T0)) {
        s = s.apply(e);
        journal.add(e);
      }
    }
    assertEquals(SagaPhase.COMPLETED, s.phase());

    List<String> v = WorldInvariants.settled(world, List.of(journal));
    assertTrue(reports(v, "ended COMPLETED but its VM is at"), v.toString());
  }
}
