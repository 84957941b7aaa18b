package org.vmflock.execute;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmflock.CborSerializable;
import org.vmflock.execute.SagaEvent.CompensationSucceeded;
import org.vmflock.execute.SagaEvent.Completed;
import org.vmflock.execute.SagaEvent.RolledBack;
import org.vmflock.execute.SagaEvent.Started;
import org.vmflock.execute.SagaEvent.StepFailed;
import org.vmflock.execute.SagaEvent.StepStarted;
import org.vmflock.execute.SagaEvent.StepSucceeded;
import org.vmflock.execute.SagaEvent.Stuck;

/**
 * The state of one migration saga (E1, K1), rebuilt from its {@link SagaEvent}s. Immutable:
 * {@link #apply} is a pure function; {@link #next()} says what to do next and {@link #onResult}
 * which events an actuator's result leads to, without changing anything.
 *
 * <p>The rules: forward steps run in order, each recorded before it is attempted. A failure before
 * {@link MigrationStep#COMMIT} (or a definite refusal of the commit) turns the saga to rollback,
 * whose compensations undo every step that may have had an effect, in {@link
 * MigrationStep#COMPENSATIONS} order. Any other failure at or after the commit is retried: the VM
 * may live at the destination already, so the saga rolls forward. Compensations are retried until
 * they succeed. A step in flight when the driver crashed is attempted again. Retries are bounded by
 * the {@link SagaPolicy}; beyond, the saga is {@link SagaPhase#STUCK}.
 *
 * <p>Events that do not fit (a duplicate, a result for an attempt that is not in flight) leave the
 * state unchanged, so replaying a journal twice, or recording a result twice, does no harm.
 *
 * @param done forward steps done, in order
 * @param attempted forward steps attempted at least once, in order
 * @param compensations the compensations the rollback runs, in order (empty unless rolling back)
 * @param compensated compensations done, in order
 * @param attempts attempts started at the current step or compensation
 * @param failures failed attempts at the current step or compensation
 * @param inFlight the last attempt started has no recorded result
 * @param precopyStartedAt when pre-copy was first attempted
 * @param pausedAt when stop-and-copy was first attempted (the VM's pause begins)
 * @param reachableAt when the VM was reachable again: network updated, or resumed at its source
 * @param reason why the saga rolled back or is stuck
 * @param updatedAt the time of the last event applied
 */
public record SagaState(
    SagaPhase phase,
    Optional<MigrationOrder> order,
    SagaPolicy policy,
    List<MigrationStep> done,
    List<MigrationStep> attempted,
    List<MigrationStep> compensations,
    List<MigrationStep> compensated,
    int attempts,
    int failures,
    boolean inFlight,
    double bytesMoved,
    int rounds,
    Optional<Instant> startedAt,
    Optional<Instant> precopyStartedAt,
    Optional<Instant> pausedAt,
    Optional<Instant> reachableAt,
    Optional<String> reason,
    Instant updatedAt) implements CborSerializable {

  private static final double NANOS_PER_SECOND = 1e9;

  public SagaState {
    done = List.copyOf(done);
    attempted = List.copyOf(attempted);
    compensations = List.copyOf(compensations);
    compensated = List.copyOf(compensated);
  }

  /** A saga with no order yet. */
  public static SagaState initial() {
    return new SagaState(SagaPhase.NEW, Optional.empty(), SagaPolicy.defaults(), List.of(), List.of(), List.of(), List.of(),
        0, 0, false, 0, 0, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Instant.EPOCH);
  }

  /** The state {@code events} lead to from {@link #initial()}. */
  public static SagaState replay(List<? extends SagaEvent> events) {
    SagaState s = initial();
    for (SagaEvent e : events) {
      s = s.apply(e);
    }
    return s;
  }

  // ---------------------------------------------------------------- queries

  /** The order being carried out; {@link IllegalStateException} before {@link Started}. */
  public MigrationOrder requireOrder() {
    return order.orElseThrow(() -> new IllegalStateException("the saga has not started"));
  }

  /** The forward step or compensation being worked on; empty before the start and at the end. */
  public Optional<MigrationStep> current() {
    if (phase == SagaPhase.FORWARD && done.size() < MigrationStep.FORWARD.size()) {
      return Optional.of(MigrationStep.FORWARD.get(done.size()));
    }
    if (phase == SagaPhase.ROLLING_BACK && compensated.size() < compensations.size()) {
      return Optional.of(compensations.get(compensated.size()));
    }
    return Optional.empty();
  }

  /** Whether the destination copy has become the VM: from here on the saga only rolls forward. */
  public boolean committed() {
    return done.contains(MigrationStep.COMMIT);
  }

  /** What the migration took so far (or in all, once ended). */
  public ObservedMigration observed() {
    return observedUntil(updatedAt);
  }

  /** What to do next: perform a step, do a compensation, or nothing (the saga ended). */
  public SagaAction next() {
    Duration delay = failures > 0 && !inFlight ? policy.retryDelay() : Duration.ZERO;
    return switch (phase) {
      case NEW -> throw new IllegalStateException("the saga has not started");
      case COMPLETED, ROLLED_BACK, STUCK -> new SagaAction.Finished(phase, reason.orElse(""), observed());
      case FORWARD -> new SagaAction.Perform(current().orElseThrow(() -> unrecordedEnd("Completed")), attempts + 1, delay);
      case ROLLING_BACK -> new SagaAction.Compensate(current().orElseThrow(() -> unrecordedEnd("RolledBack")), attempts + 1, delay);
    };
  }

  private IllegalStateException unrecordedEnd(String event) {
    // onResult returns the last step's event and the end together; they must be persisted atomically
    return new IllegalStateException("saga " + requireOrder().migrationId() + ": all its work is done but " + event + " was not recorded");
  }

  // ---------------------------------------------------------------- decisions

  /** The event recording that {@code action}'s attempt begins at {@code at}. */
  public StepStarted begin(SagaAction action, Instant at) {
    if (action instanceof SagaAction.Perform p) {
      return new StepStarted(p.step(), at, p.attempt());
    }
    if (action instanceof SagaAction.Compensate c) {
      return new StepStarted(c.step(), at, c.attempt());
    }
    throw new IllegalArgumentException("nothing to begin: " + action);
  }

  /**
   * The events that the result of attempt {@code attempt} at {@code step} leads to, ending the saga
   * if it was the last thing to do; persist them together (atomically). Empty when that attempt is
   * not the one in flight (a late or repeated result).
   */
  public List<SagaEvent> onResult(MigrationStep step, int attempt, StepResult result, Instant at) {
    if (!inFlight || current().filter(step::equals).isEmpty() || attempt != attempts) {
      return List.of();
    }
    List<SagaEvent> events = new ArrayList<>();
    SagaEvent first;
    if (result instanceof StepResult.Done d) {
      first = step.forward()
          ? new StepSucceeded(step, at, attempt, d.took(), d.details())
          : new CompensationSucceeded(step, at, attempt, d.took(), d.details().alreadyDone());
    } else {
      StepResult.Failed f = (StepResult.Failed) result;
      first = new StepFailed(step, at, attempt, f.reason(), f.definite());
    }
    events.add(first);
    SagaState after = apply(first);
    if (after.phase == SagaPhase.FORWARD && after.done.size() == MigrationStep.FORWARD.size()) {
      events.add(new Completed(at, after.observedUntil(at)));
    } else if (after.phase == SagaPhase.ROLLING_BACK && after.compensated.size() == after.compensations.size()) {
      events.add(new RolledBack(at, after.reason.orElse(""), after.observedUntil(at)));
    } else if (first instanceof StepFailed f && after.phase == phase) {
      int limit = step.compensation() ? policy.maxCompensationFailures() : policy.maxFailuresAfterCommit();
      if (after.failures >= limit) {
        events.add(new Stuck(at, step, step + " failed " + after.failures + " times, last: " + f.reason(), after.observedUntil(at)));
      }
    }
    return List.copyOf(events);
  }

  // ---------------------------------------------------------------- events

  /** The state after {@code event}; unchanged when the event does not fit (a duplicate, a stale result). */
  public SagaState apply(SagaEvent event) {
    if (event instanceof Started e) {
      return phase != SagaPhase.NEW ? this
          : new Builder(this).phase(SagaPhase.FORWARD).order(e.order()).policy(e.policy()).startedAt(e.at()).build(e.at());
    }
    if (event instanceof StepStarted e) {
      return onStarted(e);
    }
    if (event instanceof StepSucceeded e) {
      return onSucceeded(e);
    }
    if (event instanceof StepFailed e) {
      return onFailed(e);
    }
    if (event instanceof CompensationSucceeded e) {
      return onCompensated(e);
    }
    if (event instanceof Completed e) {
      return phase == SagaPhase.FORWARD && done.size() == MigrationStep.FORWARD.size()
          ? new Builder(this).phase(SagaPhase.COMPLETED).build(e.at()) : this;
    }
    if (event instanceof RolledBack e) {
      return phase == SagaPhase.ROLLING_BACK && compensated.size() == compensations.size()
          ? new Builder(this).phase(SagaPhase.ROLLED_BACK).build(e.at()) : this;
    }
    Stuck e = (Stuck) event;
    return phase == SagaPhase.FORWARD || phase == SagaPhase.ROLLING_BACK
        ? new Builder(this).phase(SagaPhase.STUCK).reason(reason.map(r -> r + "; then ").orElse("") + e.reason()).build(e.at()) : this;
  }

  private boolean expects(MigrationStep step) {
    return current().filter(step::equals).isPresent();
  }

  private SagaState onStarted(StepStarted e) {
    if (!expects(e.step()) || e.attempt() != attempts + 1) {
      return this;
    }
    Builder b = new Builder(this);
    b.attempts = e.attempt();
    b.inFlight = true;
    if (e.step().forward() && !attempted.contains(e.step())) {
      b.attempted.add(e.step());
    }
    if (e.step() == MigrationStep.PRECOPY && precopyStartedAt.isEmpty()) {
      b.precopyStartedAt = Optional.of(e.at());
    }
    if (e.step() == MigrationStep.STOP_AND_COPY && pausedAt.isEmpty()) {
      b.pausedAt = Optional.of(e.at());
    }
    return b.build(e.at());
  }

  private boolean resultFits(MigrationStep step, int attempt) {
    return inFlight && expects(step) && attempt == attempts;
  }

  private SagaState onSucceeded(StepSucceeded e) {
    if (!e.step().forward() || !resultFits(e.step(), e.attempt())) {
      return this;
    }
    Builder b = new Builder(this).nextStep();
    b.done.add(e.step());
    b.bytesMoved += e.details().bytesMoved();
    b.rounds += e.details().rounds();
    if (e.step() == MigrationStep.NETWORK_UPDATE) {
      b.reachableAt = Optional.of(e.at());
    }
    return b.build(e.at());
  }

  private SagaState onCompensated(CompensationSucceeded e) {
    if (!e.step().compensation() || !resultFits(e.step(), e.attempt())) {
      return this;
    }
    Builder b = new Builder(this).nextStep();
    b.compensated.add(e.step());
    if (e.step() == MigrationStep.RESUME_AT_SOURCE) {
      b.reachableAt = Optional.of(e.at());
    }
    return b.build(e.at());
  }

  private SagaState onFailed(StepFailed e) {
    if (!resultFits(e.step(), e.attempt())) {
      return this;
    }
    MigrationStep step = e.step();
    boolean rollBack = phase == SagaPhase.FORWARD && (!step.committed() || (step == MigrationStep.COMMIT && e.definite()));
    if (!rollBack) {
      Builder b = new Builder(this);
      b.failures++;
      b.inFlight = false;
      return b.build(e.at());
    }
    List<MigrationStep> touched = new ArrayList<>(attempted);
    if (e.definite() && attempts == 1) {
      // its only attempt changed nothing
      touched.remove(step);
    }
    Builder b = new Builder(this).nextStep().phase(SagaPhase.ROLLING_BACK).reason(step + " failed: " + e.reason());
    b.compensations = new ArrayList<>(MigrationStep.compensationsFor(touched));
    return b.build(e.at());
  }

  private ObservedMigration observedUntil(Instant end) {
    double total = precopyStartedAt.map(p -> seconds(p, reachableAt.filter(r -> done.contains(MigrationStep.NETWORK_UPDATE)).orElse(end))).orElse(0.0);
    double downtime = pausedAt.map(p -> seconds(p, reachableAt.orElse(end))).orElse(0.0);
    return new ObservedMigration(total, downtime, bytesMoved, rounds);
  }

  private static double seconds(Instant from, Instant to) {
    return Math.max(0, Duration.between(from, to).toNanos() / NANOS_PER_SECOND);
  }

  /** A mutable copy, for the transitions. */
  private static final class Builder {
    private SagaPhase phase;
    private Optional<MigrationOrder> order;
    private SagaPolicy policy;
    private final List<MigrationStep> done;
    private final List<MigrationStep> attempted;
    private List<MigrationStep> compensations;
    private final List<MigrationStep> compensated;
    private int attempts;
    private int failures;
    private boolean inFlight;
    private double bytesMoved;
    private int rounds;
    private Optional<Instant> startedAt;
    private Optional<Instant> precopyStartedAt;
    private Optional<Instant> pausedAt;
    private Optional<Instant> reachableAt;
    private Optional<String> reason;

    Builder(SagaState s) {
      phase = s.phase;
      order = s.order;
      policy = s.policy;
      done = new ArrayList<>(s.done);
      attempted = new ArrayList<>(s.attempted);
      compensations = new ArrayList<>(s.compensations);
      compensated = new ArrayList<>(s.compensated);
      attempts = s.attempts;
      failures = s.failures;
      inFlight = s.inFlight;
      bytesMoved = s.bytesMoved;
      rounds = s.rounds;
      startedAt = s.startedAt;
      precopyStartedAt = s.precopyStartedAt;
      pausedAt = s.pausedAt;
      reachableAt = s.reachableAt;
      reason = s.reason;
    }

    Builder phase(SagaPhase p) {
      phase = p;
      return this;
    }

    Builder order(MigrationOrder o) {
      order = Optional.of(o);
      return this;
    }

    Builder policy(SagaPolicy p) {
      policy = p;
      return this;
    }

    Builder startedAt(Instant at) {
      startedAt = Optional.of(at);
      return this;
    }

    Builder reason(String r) {
      reason = Optional.of(r);
      return this;
    }

    /** The current step or compensation is over: counters start again for the next one. */
    Builder nextStep() {
      attempts = 0;
      failures = 0;
      inFlight = false;
      return this;
    }

    SagaState build(Instant at) {
      return new SagaState(phase, order, policy, done, attempted, compensations, compensated, attempts, failures, inFlight,
          bytesMoved, rounds, startedAt, precopyStartedAt, pausedAt, reachableAt, reason, at);
    }
  }
}
