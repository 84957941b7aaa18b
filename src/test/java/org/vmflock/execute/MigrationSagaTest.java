package org.vmflock.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.execute.MigrationStep.ACTIVATE;
import static org.vmflock.execute.MigrationStep.COMMIT;
import static org.vmflock.execute.MigrationStep.DISCARD_DESTINATION;
import static org.vmflock.execute.MigrationStep.NETWORK_UPDATE;
import static org.vmflock.execute.MigrationStep.PRECOPY;
import static org.vmflock.execute.MigrationStep.RELEASE_RESERVATION;
import static org.vmflock.execute.MigrationStep.RELEASE_SOURCE;
import static org.vmflock.execute.MigrationStep.RESERVE;
import static org.vmflock.execute.MigrationStep.RESUME_AT_SOURCE;
import static org.vmflock.execute.MigrationStep.STOP_AND_COPY;
import static org.vmflock.execute.SagaFixtures.DESTINATION;
import static org.vmflock.execute.SagaFixtures.MB;
import static org.vmflock.execute.SagaFixtures.SOURCE;
import static org.vmflock.execute.SagaFixtures.T0;
import static org.vmflock.execute.SagaFixtures.VM;
import static org.vmflock.execute.SagaFixtures.fault;
import static org.vmflock.execute.SagaFixtures.order;
import static org.vmflock.execute.SagaFixtures.script;
import static org.vmflock.execute.SagaFixtures.steps;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.FaultPlan.Fault;
import org.vmflock.execute.SagaAction.Compensate;
import org.vmflock.execute.SagaAction.Finished;
import org.vmflock.execute.SagaAction.Perform;
import org.vmflock.execute.SagaEvent.CompensationSucceeded;
import org.vmflock.execute.SagaEvent.Completed;
import org.vmflock.execute.SagaEvent.RolledBack;
import org.vmflock.execute.SagaEvent.Started;
import org.vmflock.execute.SagaEvent.StepFailed;
import org.vmflock.execute.SagaEvent.StepStarted;
import org.vmflock.execute.SagaEvent.StepSucceeded;
import org.vmflock.execute.SagaEvent.Stuck;
import org.vmflock.execute.SimulatedWorld.InstanceState;

/**
 * The migration protocol as an event-sourced saga (E1, K1): steps in order, rollback with the right
 * compensations before the commit, roll-forward after it, replay and idempotence.
 */
class MigrationSagaTest {

  private static final Duration STEP = Duration.ofSeconds(1);
  private static final int LIMIT = 3;
  private static final SagaPolicy POLICY = new SagaPolicy(LIMIT, LIMIT, Duration.ofSeconds(2));
  private static final StepDetails PRECOPIED = new StepDetails(false, 1100 * MB, 2, Duration.ZERO);
  private static final StepDetails STOPPED = new StepDetails(false, 10 * MB, 0, STEP);
  private static final int MAX_ACTIONS = 200;

  /** A saga driven by hand, every attempt answered by {@code results}; what it did and recorded. */
  private record Driven(List<SagaAction> actions, List<SagaEvent> events, SagaState state) {}

  private static Driven drive(BiFunction<MigrationStep, Integer, StepResult> results) {
    List<SagaAction> actions = new ArrayList<>();
    List<SagaEvent> events = new ArrayList<>();
    Instant t = T0;
    SagaState state = SagaState.initial();
    SagaEvent started = new Started(order("m1"), t, POLICY);
    events.add(started);
    state = state.apply(started);
    for (int i = 0; i < MAX_ACTIONS; i++) {
      SagaAction a = state.next();
      actions.add(a);
      if (a instanceof Finished) {
        return new Driven(actions, events, state);
      }
      MigrationStep step = a instanceof Perform p ? p.step() : ((Compensate) a).step();
      int attempt = a instanceof Perform p ? p.attempt() : ((Compensate) a).attempt();
      t = t.plus(a instanceof Perform p ? p.delay() : ((Compensate) a).delay());
      StepStarted begun = state.begin(a, t);
      events.add(begun);
      state = state.apply(begun);
      StepResult r = results.apply(step, attempt);
      t = t.plus(r.took());
      for (SagaEvent e : state.onResult(step, attempt, r, t)) {
        events.add(e);
        state = state.apply(e);
      }
    }
    throw new AssertionError("the saga did not end in " + MAX_ACTIONS + " actions");
  }

  private static StepResult ok(MigrationStep step) {
    return new StepResult.Done(STEP, step == PRECOPY ? PRECOPIED : step == STOP_AND_COPY ? STOPPED : StepDetails.NONE);
  }

  private static List<MigrationStep> compensationsDone(List<SagaAction> actions) {
    return actions.stream().filter(Compensate.class::isInstance).map(a -> ((Compensate) a).step()).toList();
  }

  // ---------------------------------------------------------------- happy path

  @Test
  void happyPathPerformsEveryStepInOrderThenCompletes() {
    Driven d = drive((step, attempt) -> ok(step));

    List<SagaAction> expected = new ArrayList<>();
    MigrationStep.FORWARD.forEach(s -> expected.add(new Perform(s, 1, Duration.ZERO)));
    assertEquals(expected, d.actions().subList(0, MigrationStep.FORWARD.size()));
    Finished end = assertInstanceOf(Finished.class, d.actions().get(d.actions().size() - 1));
    assertEquals(SagaPhase.COMPLETED, end.outcome());

    List<Class<?>> types = d.events().stream().<Class<?>>map(Object::getClass).toList();
    List<Class<?>> expectedTypes = new ArrayList<>(List.of(Started.class));
    MigrationStep.FORWARD.forEach(s -> expectedTypes.addAll(List.of(StepStarted.class, StepSucceeded.class)));
    expectedTypes.add(Completed.class);
    assertEquals(expectedTypes, types);
    assertEquals(MigrationStep.FORWARD, steps(d.events(), StepSucceeded.class));
    assertEquals(SagaPhase.COMPLETED, d.state().phase());
    assertTrue(d.state().committed());
  }

  @Test
  void observedMigrationCountsFromPrecopyAndFromThePause() {
    Driven d = drive((step, attempt) -> ok(step));
    Completed done = (Completed) d.events().get(d.events().size() - 1);
    // one second per step: pre-copy starts at 1 s, stop-and-copy at 2 s, the network is updated at 6 s
    assertEquals(new ObservedMigration(5, 4, 1110 * MB, 2), done.observed());
    assertEquals(done.observed(), d.state().observed());
  }

  // ---------------------------------------------------------------- rollback before the commit

  static Stream<Arguments> failuresBeforeCommit() {
    return Stream.of(
        Arguments.of(RESERVE, false, List.of(RELEASE_RESERVATION)),
        Arguments.of(PRECOPY, false, List.of(DISCARD_DESTINATION, RELEASE_RESERVATION)),
        Arguments.of(STOP_AND_COPY, false, List.of(DISCARD_DESTINATION, RESUME_AT_SOURCE, RELEASE_RESERVATION)),
        // a refusal guarantees nothing was done: only what the earlier steps did is undone
        Arguments.of(RESERVE, true, List.of()),
        Arguments.of(PRECOPY, true, List.of(RELEASE_RESERVATION)),
        Arguments.of(STOP_AND_COPY, true, List.of(DISCARD_DESTINATION, RELEASE_RESERVATION)),
        // a refused commit (no reservation left) is the only failure at the commit that rolls back
        Arguments.of(COMMIT, true, List.of(DISCARD_DESTINATION, RESUME_AT_SOURCE, RELEASE_RESERVATION)));
  }

  @ParameterizedTest(name = "{0} failed (definite: {1}) -> {2}")
  @MethodSource("failuresBeforeCommit")
  void failureBeforeCommitRunsTheCompensationsInReverse(MigrationStep failing, boolean definite, List<MigrationStep> compensations) {
    Driven d = drive((step, attempt) -> step == failing ? new StepResult.Failed(STEP, "broken", definite) : ok(step));

    List<SagaAction> expected = new ArrayList<>();
    MigrationStep.FORWARD.subList(0, MigrationStep.FORWARD.indexOf(failing) + 1).forEach(s -> expected.add(new Perform(s, 1, Duration.ZERO)));
    compensations.forEach(c -> expected.add(new Compensate(c, 1, Duration.ZERO)));
    assertEquals(expected, d.actions().subList(0, d.actions().size() - 1));
    Finished end = assertInstanceOf(Finished.class, d.actions().get(d.actions().size() - 1));
    assertEquals(SagaPhase.ROLLED_BACK, end.outcome());
    assertTrue(end.reason().contains(failing.name()), end.reason());
    RolledBack last = assertInstanceOf(RolledBack.class, d.events().get(d.events().size() - 1));
    assertEquals(end.reason(), last.reason());
    assertEquals(compensations, steps(d.events(), CompensationSucceeded.class));
    assertFalse(d.state().committed());
  }

  @ParameterizedTest
  @EnumSource(names = {"RESERVE", "PRECOPY", "STOP_AND_COPY"})
  void failureBeforeCommitLeavesTheVmRunningAtItsSourceAndReleasesTheReservation(MigrationStep failing) {
    for (Fault f : List.of(Fault.FAIL, Fault.FAIL_AFTER_EFFECT)) {
      SimulatedWorld world = SagaFixtures.world();
      ManualClock clock = new ManualClock(T0);
      SagaRunner runner = new SagaRunner(SagaFixtures.actuator(world, clock, script(fault("m1", failing, 1, f))), clock);

      SagaRunner.SagaRun run = runner.run(order("m1"));

      assertEquals(SagaPhase.ROLLED_BACK, run.state().phase(), f + " at " + failing);
      assertEquals(List.of(new SimulatedWorld.Instance(VM, SOURCE, InstanceState.RUNNING, "")), world.instancesOf(VM.name()));
      assertTrue(world.reservations().isEmpty());
      assertEquals(SOURCE, world.routes().get(VM.name()));
      assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
      List<CompensationSucceeded> undone = run.events().stream().filter(CompensationSucceeded.class::isInstance).map(CompensationSucceeded.class::cast).toList();
      // after the effect, the compensation of what only the failed step does had work to do
      MigrationStep ownUndo = failing.undoneBy().get(failing.undoneBy().size() - 1);
      CompensationSucceeded own = undone.stream().filter(c -> c.step() == ownUndo).findFirst().orElseThrow();
      assertEquals(f == Fault.FAIL, own.alreadyDone(), f + " at " + failing + ": " + own);
    }
  }

  // ---------------------------------------------------------------- roll forward after the commit

  @ParameterizedTest
  @EnumSource(names = {"COMMIT", "ACTIVATE", "NETWORK_UPDATE", "RELEASE_SOURCE"})
  void failureAtOrAfterCommitIsRetriedUntilItCompletes(MigrationStep failing) {
    Driven d = drive((step, attempt) -> step == failing && attempt < LIMIT ? StepResult.Failed.unknown(STEP, "timeout") : ok(step));

    assertEquals(SagaPhase.COMPLETED, d.state().phase());
    assertEquals(List.of(failing, failing), steps(d.events(), StepFailed.class));
    assertEquals(MigrationStep.FORWARD, steps(d.events(), StepSucceeded.class));
    assertEquals(List.of(), compensationsDone(d.actions()));
    assertTrue(d.actions().contains(new Perform(failing, 2, POLICY.retryDelay())), d.actions().toString());
    assertTrue(d.actions().contains(new Perform(failing, LIMIT, POLICY.retryDelay())), d.actions().toString());
  }

  @ParameterizedTest
  @EnumSource(names = {"COMMIT", "ACTIVATE", "NETWORK_UPDATE", "RELEASE_SOURCE"})
  void inTheWorldACommittedMigrationCompletesDespiteFailures(MigrationStep failing) {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    FaultPlan faults = script(fault("m1", failing, 1, Fault.FAIL), fault("m1", failing, 2, Fault.FAIL_AFTER_EFFECT));
    SagaRunner runner = new SagaRunner(SagaFixtures.actuator(world, clock, faults), clock);

    SagaRunner.SagaRun run = runner.run(order("m1"));

    assertEquals(SagaPhase.COMPLETED, run.state().phase());
    assertEquals(List.of(failing, failing), steps(run.events(), StepFailed.class));
    StepSucceeded third = run.events().stream().filter(StepSucceeded.class::isInstance).map(StepSucceeded.class::cast)
        .filter(s -> s.step() == failing).findFirst().orElseThrow();
    assertEquals(3, third.attempt());
    assertTrue(third.details().alreadyDone(), "the second attempt took effect: the third finds it done");
    assertEquals(List.of(new SimulatedWorld.Instance(VM, DESTINATION, InstanceState.RUNNING, "m1")), world.instancesOf(VM.name()));
    assertEquals(List.of(), WorldInvariants.settled(world, List.of(run.events())));
  }

  @Test
  void aStepAfterCommitThatNeverSucceedsLeavesTheSagaStuck() {
    Driven d = drive((step, attempt) -> step == ACTIVATE ? StepResult.Failed.unknown(STEP, "host gone") : ok(step));

    assertEquals(SagaPhase.STUCK, d.state().phase());
    Stuck stuck = assertInstanceOf(Stuck.class, d.events().get(d.events().size() - 1));
    assertEquals(ACTIVATE, stuck.step());
    assertEquals(LIMIT, steps(d.events(), StepFailed.class).size());
    Finished end = assertInstanceOf(Finished.class, d.actions().get(d.actions().size() - 1));
    assertEquals(SagaPhase.STUCK, end.outcome());
  }

  @Test
  void aCompensationIsRetriedThenStuckIfItNeverSucceeds() {
    Driven retried = drive((step, attempt) -> step == PRECOPY || (step == DISCARD_DESTINATION && attempt < LIMIT)
        ? StepResult.Failed.unknown(STEP, "timeout") : ok(step));
    assertEquals(SagaPhase.ROLLED_BACK, retried.state().phase());
    assertEquals(List.of(DISCARD_DESTINATION, DISCARD_DESTINATION, DISCARD_DESTINATION, RELEASE_RESERVATION), compensationsDone(retried.actions()));

    Driven stuck = drive((step, attempt) -> step == PRECOPY || step == DISCARD_DESTINATION ? StepResult.Failed.unknown(STEP, "timeout") : ok(step));
    assertEquals(SagaPhase.STUCK, stuck.state().phase());
    assertEquals(DISCARD_DESTINATION, ((Stuck) stuck.events().get(stuck.events().size() - 1)).step());
    assertTrue(stuck.state().reason().orElseThrow().startsWith("PRECOPY failed"), stuck.state().reason().toString());
  }

  @Test
  void theInvariantsReportAStuckSaga() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    SimulatedActuator simulated = SagaFixtures.actuator(world, clock, script(fault("m1", STOP_AND_COPY, 1, Fault.FAIL_AFTER_EFFECT)));
    Actuator cannotResume = new Actuator() {
      @Override
      public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
        return simulated.perform(order, step, attempt, progress);
      }

      @Override
      public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
        return step == RESUME_AT_SOURCE ? CompletableFuture.completedFuture(StepResult.Failed.unknown(STEP, "hypervisor down"))
            : simulated.compensate(order, step, attempt);
      }
    };
    SagaRunner.SagaRun run = new SagaRunner(cannotResume, clock, POLICY, SagaRunner.DEFAULT_RECOVERY, () -> {}).run(order("m1"));

    assertEquals(SagaPhase.STUCK, run.state().phase());
    List<String> violations = WorldInvariants.settled(world, List.of(run.events()));
    assertTrue(violations.stream().anyMatch(v -> v.contains("left PAUSED")), violations.toString());
    assertTrue(violations.stream().anyMatch(v -> v.contains("did not end")), violations.toString());
  }

  // ---------------------------------------------------------------- replay and idempotence

  /** A run with failures, retries and crashes, in the simulated world. */
  private static SagaRunner.SagaRun messyRun(FaultPlan faults) {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    return new SagaRunner(SagaFixtures.actuator(world, clock, faults), clock).run(order("m1"));
  }

  static Stream<FaultPlan> messyPlans() {
    return Stream.of(
        script(fault("m1", PRECOPY, 1, Fault.CRASH_AFTER_EFFECT), fault("m1", COMMIT, 1, Fault.FAIL_AFTER_EFFECT),
            fault("m1", ACTIVATE, 1, Fault.CRASH_AFTER_EFFECT), fault("m1", NETWORK_UPDATE, 1, Fault.FAIL)),
        script(fault("m1", RESERVE, 1, Fault.CRASH_AFTER_EFFECT), fault("m1", STOP_AND_COPY, 1, Fault.FAIL_AFTER_EFFECT),
            fault("m1", DISCARD_DESTINATION, 1, Fault.CRASH_AFTER_EFFECT), fault("m1", RESUME_AT_SOURCE, 1, Fault.FAIL)));
  }

  @ParameterizedTest
  @MethodSource("messyPlans")
  void replayingTheEventsRebuildsTheSameState(FaultPlan faults) {
    SagaRunner.SagaRun run = messyRun(faults);
    assertEquals(run.state(), SagaState.replay(run.events()));
    SagaState folded = SagaState.initial();
    for (int i = 0; i < run.events().size(); i++) {
      folded = folded.apply(run.events().get(i));
      assertEquals(folded, SagaState.replay(run.events().subList(0, i + 1)), "after event " + i);
    }
    assertFalse(run.crashes().isEmpty());
  }

  @ParameterizedTest
  @MethodSource("messyPlans")
  void duplicateEventsChangeNothing(FaultPlan faults) {
    SagaRunner.SagaRun run = messyRun(faults);
    SagaState twice = SagaState.initial();
    for (SagaEvent e : run.events()) {
      twice = twice.apply(e);
      assertEquals(twice, twice.apply(e), "applying " + e + " again");
    }
    assertEquals(run.state(), twice);
    List<SagaEvent> journalTwice = new ArrayList<>(run.events());
    journalTwice.addAll(run.events());
    assertEquals(run.state(), SagaState.replay(journalTwice));
  }

  @Test
  void aResultReportedTwiceOrLateIsIgnored() {
    SagaState s = SagaState.initial().apply(new Started(order("m1"), T0, POLICY));
    s = s.apply(s.begin(s.next(), T0));
    List<SagaEvent> first = s.onResult(RESERVE, 1, ok(RESERVE), T0.plus(STEP));
    assertEquals(1, first.size());
    SagaState after = s.apply(first.get(0));
    assertEquals(List.of(), after.onResult(RESERVE, 1, ok(RESERVE), T0.plus(STEP)), "the same result again");
    assertEquals(after, after.apply(first.get(0)), "the same event again");

    // pre-copy's first attempt is interrupted by a crash; its late answer comes after the second began
    after = after.apply(after.begin(after.next(), T0.plus(STEP)));
    SagaAction retry = after.next();
    assertEquals(new Perform(PRECOPY, 2, Duration.ZERO), retry);
    after = after.apply(after.begin(retry, T0.plus(STEP.multipliedBy(2))));
    assertEquals(List.of(), after.onResult(PRECOPY, 1, StepResult.Failed.unknown(STEP, "late"), T0.plus(STEP.multipliedBy(2))));
    assertEquals(List.of(), after.onResult(RESERVE, 1, ok(RESERVE), T0.plus(STEP.multipliedBy(2))), "a step already done");
    assertEquals(SagaPhase.FORWARD, after.phase());
  }

  @Test
  void aSagaInFlightResumesFromItsEventsAfterAFailover() {
    SimulatedWorld world = SagaFixtures.world();
    ManualClock clock = new ManualClock(T0);
    SimulatedActuator actuator = SagaFixtures.actuator(world, clock, FaultPlan.none());
    MigrationOrder order = order("m1");
    List<SagaEvent> journal = new ArrayList<>();
    SagaState s = SagaState.initial();
    journal.add(new Started(order, clock.now(), POLICY));
    s = s.apply(journal.get(0));
    // reserve, then start pre-copy; the node dies before pre-copy's result is recorded
    for (MigrationStep step : List.of(RESERVE, PRECOPY)) {
      StepStarted begun = s.begin(s.next(), clock.now());
      journal.add(begun);
      s = s.apply(begun);
      StepResult r = actuator.performNow(order, step, begun.attempt());
      clock.advance(r.took());
      if (step == RESERVE) {
        for (SagaEvent e : s.onResult(step, begun.attempt(), r, clock.now())) {
          journal.add(e);
          s = s.apply(e);
        }
      }
    }
    assertTrue(SagaState.replay(journal).inFlight());

    SagaRunner.Run resumed = new SagaRunner(actuator, clock).resume(List.of(journal));

    SagaRunner.SagaRun run = resumed.sagas().get(0);
    assertEquals(SagaPhase.COMPLETED, run.state().phase());
    assertEquals(journal, run.events().subList(0, journal.size()), "the resumed saga appends to its journal");
    assertEquals(new StepStarted(PRECOPY, resumed.startedAt(), 2), run.events().get(journal.size()));
    assertEquals(List.of(), WorldInvariants.settled(world, resumed.journals()));
  }
}
