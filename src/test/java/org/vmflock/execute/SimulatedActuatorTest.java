package org.vmflock.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.execute.MigrationStep.COMMIT;
import static org.vmflock.execute.MigrationStep.DISCARD_DESTINATION;
import static org.vmflock.execute.MigrationStep.PRECOPY;
import static org.vmflock.execute.MigrationStep.RELEASE_RESERVATION;
import static org.vmflock.execute.MigrationStep.RESERVE;
import static org.vmflock.execute.MigrationStep.RESUME_AT_SOURCE;
import static org.vmflock.execute.MigrationStep.STOP_AND_COPY;
import static org.vmflock.execute.SagaFixtures.DESTINATION;
import static org.vmflock.execute.SagaFixtures.MB;
import static org.vmflock.execute.SagaFixtures.OTHER;
import static org.vmflock.execute.SagaFixtures.SOURCE;
import static org.vmflock.execute.SagaFixtures.T0;
import static org.vmflock.execute.SagaFixtures.VM;
import static org.vmflock.execute.SagaFixtures.fault;
import static org.vmflock.execute.SagaFixtures.order;
import static org.vmflock.execute.SagaFixtures.script;
import static org.vmflock.execute.SagaFixtures.slots;
import static org.vmflock.execute.SagaFixtures.steps;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.FaultPlan.Fault;
import org.vmflock.execute.SagaEvent.CompensationSucceeded;
import org.vmflock.execute.SagaEvent.StepFailed;
import org.vmflock.execute.SagaEvent.StepSucceeded;
import org.vmflock.execute.SimulatedWorld.Instance;
import org.vmflock.execute.SimulatedWorld.InstanceState;
import org.vmflock.plan.MigrationEstimate;

/** The simulated actuator (E2): the pre-copy model's timings, capacity, leases, and crashes after the effect. */
class SimulatedActuatorTest {

  private static final double EPSILON = 1e-6;
  private static final SimulatedActuator.Settings DEFAULTS = SimulatedActuator.Settings.defaults();

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  // ---------------------------------------------------------------- timings

  /**
   * By hand: M = 1000 MB over 100 MB/s while dirtying 10 MB/s, aiming at 0.3 s of downtime (30 MB).
   * Round 0 sends 1000 MB in 10 s, dirtying 100 MB; round 1 sends those in 1 s, dirtying 10 MB,
   * under 30 MB: pre-copy ends after 2 rounds and 11 s. Stop-and-copy sends 10 MB in 0.1 s, plus
   * the latency (5 ms) and the resume (100 ms): 0.205 s. Bytes: 1000 + 100 + 10 = 1110 MB.
   */
  @Test
  void timingsMatchThePreCopyModel() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, FaultPlan.none());
    MigrationOrder order = order("m1");
    double downtime = 0.1 + 0.005 + 0.1;

    SimulatedActuator.Timing t = actuator.timing(order);
    assertEquals(11, seconds(t.precopy()), EPSILON);
    assertEquals(downtime, seconds(t.stopAndCopy()), EPSILON);
    assertEquals(1100 * MB, t.precopyBytes(), 1);
    assertEquals(10 * MB, t.stopAndCopyBytes(), 1);
    assertEquals(2, t.rounds());
    MigrationEstimate predicted = order.predicted();
    assertEquals(11 + downtime, predicted.totalSeconds(), EPSILON);
    assertEquals(downtime, predicted.downtimeSeconds(), EPSILON);

    StepResult.Done reserve = assertInstanceOf(StepResult.Done.class, actuator.performNow(order, RESERVE, 1));
    assertEquals(DEFAULTS.reserve(), reserve.took());
    StepResult.Done precopy = assertInstanceOf(StepResult.Done.class, actuator.performNow(order, PRECOPY, 1));
    assertEquals(11, seconds(precopy.took()), EPSILON);
    assertEquals(new StepDetails(false, 1100 * MB, 2, Duration.ZERO), roundBytes(precopy.details()));
    StepResult.Done stop = assertInstanceOf(StepResult.Done.class, actuator.performNow(order, STOP_AND_COPY, 1));
    assertEquals(downtime, seconds(stop.took()), EPSILON);
    assertEquals(stop.took(), stop.details().pause());
    assertEquals(10 * MB, stop.details().bytesMoved(), 1);
  }

  private static StepDetails roundBytes(StepDetails d) {
    return new StepDetails(d.alreadyDone(), Math.round(d.bytesMoved()), d.rounds(), d.pause());
  }

  @Test
  void aSagaObservesWhatTheModelPredictsPlusTheSwitchOverSteps() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    MigrationOrder order = order("m1");

    SagaRunner.SagaRun run = new SagaRunner(SagaFixtures.actuator(world, clock, FaultPlan.none()), clock).run(order);

    assertEquals(SagaPhase.COMPLETED, run.state().phase());
    ObservedMigration observed = run.state().observed();
    // paused from stop-and-copy until the network is updated: commit and activation add to the model's downtime
    double switchOver = seconds(DEFAULTS.commit().plus(DEFAULTS.activate()).plus(DEFAULTS.networkUpdate()));
    assertEquals(order.predicted().downtimeSeconds() + switchOver, observed.downtimeSeconds(), EPSILON);
    assertEquals(order.predicted().totalSeconds() + switchOver, observed.totalSeconds(), EPSILON);
    assertEquals(order.predicted().bytesMoved(), observed.bytesMoved(), 1);
    assertEquals(order.predicted().rounds(), observed.rounds());
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  // ---------------------------------------------------------------- capacity

  @Test
  void reserveFailsWhenTheDestinationIsFull() {
    SimulatedWorld world = new SimulatedWorld().site(SOURCE, slots(2)).site(DESTINATION, slots(1)).place(VM, SOURCE).place(OTHER, DESTINATION);
    ManualClock clock = new ManualClock(T0);
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, FaultPlan.none());

    StepResult.Failed refused = assertInstanceOf(StepResult.Failed.class, actuator.performNow(order("m1"), RESERVE, 1));
    assertTrue(refused.definite());
    assertTrue(refused.reason().contains("no room"), refused.reason());
    assertTrue(world.reservations().isEmpty());

    SagaRunner.SagaRun run = new SagaRunner(actuator, clock).run(order("m2"));
    assertEquals(SagaPhase.ROLLED_BACK, run.state().phase());
    assertEquals(List.of(), steps(run.events(), CompensationSucceeded.class), "a refused reservation leaves nothing to undo");
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  @Test
  void twoMigrationsCompetingForTheLastSlotOneWins() {
    SimulatedWorld world = new SimulatedWorld().site(SOURCE, slots(2)).site(DESTINATION, slots(1)).place(VM, SOURCE).place(OTHER, SOURCE);
    ManualClock clock = new ManualClock(T0);
    MigrationOrder first = order("m1");
    MigrationOrder second = new MigrationOrder("m2", "cg.A.4", OTHER.name(), OTHER, SOURCE, DESTINATION, first.predicted(), T0);

    SagaRunner.Run run = new SagaRunner(SagaFixtures.actuator(world, clock, FaultPlan.none()), clock).run(List.of(first, second));

    assertEquals(SagaPhase.COMPLETED, run.sagas().get(0).state().phase());
    assertEquals(SagaPhase.ROLLED_BACK, run.sagas().get(1).state().phase());
    assertTrue(run.sagas().get(1).state().reason().orElseThrow().contains("no room"));
    assertEquals(List.of(), WorldInvariants.settled(world, run.journals()));
  }

  // ---------------------------------------------------------------- leases

  @Test
  void anExpiredLeaseReleasesTheReservation() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    Duration lease = Duration.ofSeconds(1);
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, DEFAULTS.withLease(lease, 0), FaultPlan.none());
    MigrationOrder order = order("m1");

    assertInstanceOf(StepResult.Done.class, actuator.performNow(order, RESERVE, 1));
    assertEquals(T0.plus(lease), world.reservation("m1").orElseThrow().leaseExpiresAt());
    clock.advance(lease.multipliedBy(2));
    StepResult.Failed precopy = assertInstanceOf(StepResult.Failed.class, actuator.performNow(order, PRECOPY, 1));

    assertTrue(precopy.definite(), precopy.toString());
    assertTrue(world.reservations().isEmpty());
    assertEquals(List.of(new SimulatedWorld.LeaseExpiry("m1", VM.name(), DESTINATION, T0.plus(lease))), world.leaseExpiries());
    assertEquals(slots(2), world.free(DESTINATION));
  }

  @Test
  void aLeaseExpiringDuringPrecopyRollsTheMigrationBack() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    Duration lease = Duration.ofSeconds(5);
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, DEFAULTS.withLease(lease, 0), FaultPlan.none());

    SagaRunner.SagaRun run = new SagaRunner(actuator, clock).run(order("m1"));

    assertEquals(SagaPhase.ROLLED_BACK, run.state().phase());
    assertTrue(run.state().reason().orElseThrow().contains("lease"), run.state().reason().toString());
    assertEquals(1, world.leaseExpiries().size());
    // the site dropped the copy and the reservation itself: the compensations find them done
    List<CompensationSucceeded> undone = run.events().stream().filter(CompensationSucceeded.class::isInstance).map(CompensationSucceeded.class::cast).toList();
    assertEquals(List.of(DISCARD_DESTINATION, RELEASE_RESERVATION), undone.stream().map(CompensationSucceeded::step).toList());
    assertTrue(undone.stream().allMatch(CompensationSucceeded::alreadyDone));
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  @Test
  void aCommitRefusedBecauseTheLeaseExpiredRollsBack() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    // enough for reservation, pre-copy and stop-and-copy (11.4 s), not for a commit retried 1 s later
    Duration lease = Duration.ofSeconds(12);
    FaultPlan commitFailsOnce = script(fault("m1", COMMIT, 1, Fault.FAIL));
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, DEFAULTS.withLease(lease, 0), commitFailsOnce);

    SagaRunner.SagaRun run = new SagaRunner(actuator, clock).run(order("m1"));

    List<StepFailed> failures = run.events().stream().filter(StepFailed.class::isInstance).map(StepFailed.class::cast).toList();
    assertEquals(List.of(false, true), failures.stream().map(StepFailed::definite).toList(), failures.toString());
    assertEquals(SagaPhase.ROLLED_BACK, run.state().phase());
    assertEquals(List.of(DISCARD_DESTINATION, RESUME_AT_SOURCE, RELEASE_RESERVATION), steps(run.events(), CompensationSucceeded.class));
    assertEquals(List.of(new Instance(VM, SOURCE, InstanceState.RUNNING, "")), world.instancesOf(VM.name()));
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  // ---------------------------------------------------------------- crashes after the effect

  @ParameterizedTest
  @EnumSource(names = {"RESERVE", "PRECOPY", "STOP_AND_COPY", "COMMIT", "ACTIVATE", "NETWORK_UPDATE", "RELEASE_SOURCE"})
  void aCrashAfterAStepTookEffectIsSurvived(MigrationStep step) {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, script(fault("m1", step, 1, Fault.CRASH_AFTER_EFFECT)));

    SagaRunner.SagaRun run = new SagaRunner(actuator, clock).run(order("m1"));

    assertEquals(List.of(step), run.crashes());
    assertEquals(SagaPhase.COMPLETED, run.state().phase());
    StepSucceeded redone = run.events().stream().filter(StepSucceeded.class::isInstance).map(StepSucceeded.class::cast)
        .filter(s -> s.step() == step).findFirst().orElseThrow();
    assertEquals(2, redone.attempt());
    assertTrue(redone.details().alreadyDone(), redone.toString());
    assertEquals(MigrationStep.FORWARD, steps(run.events(), StepSucceeded.class), "each step recorded once");
    assertEquals(List.of(new Instance(VM, DESTINATION, InstanceState.RUNNING, "m1")), world.instancesOf(VM.name()));
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  @ParameterizedTest
  @EnumSource(names = {"DISCARD_DESTINATION", "RESUME_AT_SOURCE", "RELEASE_RESERVATION"})
  void aCrashAfterACompensationTookEffectIsSurvived(MigrationStep compensation) {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    FaultPlan faults = script(fault("m1", STOP_AND_COPY, 1, Fault.FAIL_AFTER_EFFECT), fault("m1", compensation, 1, Fault.CRASH_AFTER_EFFECT));

    SagaRunner.SagaRun run = new SagaRunner(SagaFixtures.actuator(world, clock, faults), clock).run(order("m1"));

    assertEquals(List.of(compensation), run.crashes());
    assertEquals(SagaPhase.ROLLED_BACK, run.state().phase());
    CompensationSucceeded redone = run.events().stream().filter(CompensationSucceeded.class::isInstance).map(CompensationSucceeded.class::cast)
        .filter(c -> c.step() == compensation).findFirst().orElseThrow();
    assertEquals(2, redone.attempt());
    assertTrue(redone.alreadyDone());
    assertEquals(List.of(new Instance(VM, SOURCE, InstanceState.RUNNING, "")), world.instancesOf(VM.name()));
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  // ---------------------------------------------------------------- idempotence

  @Test
  void compensatingWhatNeverHappenedChangesNothing() {
    SimulatedWorld world = SagaFixtures.world();
    SimulatedActuator actuator = SagaFixtures.actuator(world, new ManualClock(T0), FaultPlan.none());
    List<Instance> before = world.instances();

    for (MigrationStep c : MigrationStep.COMPENSATIONS) {
      StepResult.Done done = assertInstanceOf(StepResult.Done.class, actuator.compensateNow(order("m1"), c, 1));
      assertTrue(done.details().alreadyDone(), c.toString());
    }
    assertEquals(before, world.instances());
    assertTrue(world.reservations().isEmpty());
  }

  @Test
  void everyStepDoneTwiceIsFoundDone() {
    SimulatedWorld world = SagaFixtures.world();
    SimulatedActuator actuator = SagaFixtures.actuator(world, new ManualClock(T0), FaultPlan.none());
    MigrationOrder order = order("m1");
    for (MigrationStep step : MigrationStep.FORWARD) {
      StepResult.Done first = assertInstanceOf(StepResult.Done.class, actuator.performNow(order, step, 1));
      assertFalse(first.details().alreadyDone(), step.toString());
      List<Instance> after = world.instances();
      StepResult.Done again = assertInstanceOf(StepResult.Done.class, actuator.performNow(order, step, 2));
      assertTrue(again.details().alreadyDone(), step.toString());
      assertEquals(after, world.instances(), step.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> actuator.performNow(order, RESUME_AT_SOURCE, 1));
    assertThrows(IllegalArgumentException.class, () -> actuator.compensateNow(order, RESERVE, 1));
  }
}
