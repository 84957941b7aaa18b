package org.vmflock.execute;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmflock.clock.EventQueue;
import org.vmflock.clock.ManualClock;

/**
 * Drives migration sagas against an {@link Actuator} in virtual time: records each event and
 * applies it to the saga's state, asks the state what to do next, and waits each result's duration
 * on a {@link ManualClock}. Several sagas run concurrently, interleaved deterministically (by time,
 * then by the order their work was scheduled). A {@link SimulatedCrash} is a driver's crash: the
 * saga's state is rebuilt from its recorded events after a recovery delay, as a restarted actor's
 * would be. The simulator uses it; the saga actor does the same with persisted events. One run at a
 * time: not thread-safe.
 */
public final class SagaRunner {

  /** How long a crashed driver takes to come back by default. */
  public static final Duration DEFAULT_RECOVERY = Duration.ofSeconds(5);

  /** Events one saga may record at most: beyond, the saga is not converging, which is a bug. */
  private static final int MAX_EVENTS_PER_SAGA = 10_000;

  /**
   * One saga's run.
   *
   * @param events every event recorded, in order
   * @param crashes the steps at which the driver crashed, in order
   */
  public record SagaRun(MigrationOrder order, List<SagaEvent> events, SagaState state, List<MigrationStep> crashes) {
    public SagaRun {
      events = List.copyOf(events);
      crashes = List.copyOf(crashes);
    }
  }

  /** The runs of every saga driven, in the order they were given. */
  public record Run(List<SagaRun> sagas, Instant startedAt, Instant endedAt) {
    public Run {
      sagas = List.copyOf(sagas);
    }

    /** Every saga's events. */
    public List<List<SagaEvent>> journals() {
      return sagas.stream().map(SagaRun::events).toList();
    }
  }

  /** Told around each call to the actuator: the simulator brings its applications up to now before, and checks its world after. */
  public interface Observer {
    default void beforeAttempt(MigrationOrder order, MigrationStep step) {}

    default void afterAttempt(MigrationOrder order, MigrationStep step) {}
  }

  private final Actuator actuator;
  private final SiteBookkeeping.Books books;
  private final Duration bookingCheck;
  private final ManualClock clock;
  private final EventQueue queue;
  private final SagaPolicy policy;
  private final Duration recovery;
  private final Observer observer;

  /**
   * A runner on a queue of its own.
   *
   * @param policy the policy of the sagas this runner starts
   * @param recovery how long a crashed driver takes to come back
   * @param afterEachAttempt called after each call to the actuator (to check invariants as the world changes)
   */
  public SagaRunner(Actuator actuator, ManualClock clock, SagaPolicy policy, Duration recovery, Runnable afterEachAttempt) {
    this(actuator, new EventQueue(clock), policy, recovery, new Observer() {
      @Override
      public void afterAttempt(MigrationOrder order, MigrationStep step) {
        afterEachAttempt.run();
      }
    });
  }

  public SagaRunner(Actuator actuator, ManualClock clock) {
    this(actuator, clock, SagaPolicy.defaults(), DEFAULT_RECOVERY, () -> {});
  }

  /** A runner whose sagas share {@code queue} with other work, and keep no books. */
  public SagaRunner(Actuator actuator, EventQueue queue, SagaPolicy policy, Duration recovery, Observer observer) {
    this(actuator, SiteBookkeeping.Books.NONE, Duration.ZERO, queue, policy, recovery, observer);
  }

  /**
   * A runner whose sagas share {@code queue} with other work (the simulator's) and keep the sites'
   * {@code books} as the saga actor keeps the site actors' ({@link SiteBookkeeping}); a site's
   * refusal takes {@code bookingCheck}.
   */
  public SagaRunner(Actuator actuator, SiteBookkeeping.Books books, Duration bookingCheck, EventQueue queue, SagaPolicy policy, Duration recovery,
      Observer observer) {
    this.actuator = actuator;
    this.books = books;
    this.bookingCheck = bookingCheck;
    this.clock = queue.clock();
    this.queue = queue;
    this.policy = policy;
    this.recovery = recovery;
    this.observer = observer;
  }

  /**
   * Starts a saga on the shared queue, now; {@code onEnd} is told its run once it has ended (the
   * caller runs the queue).
   */
  public void start(MigrationOrder order, java.util.function.Consumer<SagaRun> onEnd) {
    Saga s = new Saga(order, List.of());
    s.onEnd = onEnd;
    queue.at(clock.now(), () -> {
      s.record(new SagaEvent.Started(s.order, clock.now(), policy));
      decide(s);
    });
  }

  /** Runs one saga to its end. */
  public SagaRun run(MigrationOrder order) {
    return run(List.of(order)).sagas().get(0);
  }

  /** Runs these sagas concurrently, each starting at its order's time (or now, if later), to their ends. */
  public Run run(List<MigrationOrder> orders) {
    List<Saga> sagas = orders.stream().map(o -> new Saga(o, List.of())).toList();
    return drive(sagas);
  }

  /**
   * Resumes sagas from their recorded events (after a failover), to their ends: a step that was in
   * flight is attempted again.
   */
  public Run resume(List<List<SagaEvent>> journals) {
    List<Saga> sagas = journals.stream().map(events -> new Saga(SagaState.replay(events).requireOrder(), events)).toList();
    return drive(sagas);
  }

  // ---------------------------------------------------------------- the loop

  private final class Saga {
    final MigrationOrder order;
    final List<SagaEvent> events;
    final List<MigrationStep> crashes = new ArrayList<>();
    SagaState state;
    java.util.function.Consumer<SagaRun> onEnd;

    Saga(MigrationOrder order, List<SagaEvent> recorded) {
      this.order = order;
      this.events = new ArrayList<>(recorded);
      this.state = SagaState.replay(recorded);
    }

    void record(SagaEvent e) {
      if (events.size() >= MAX_EVENTS_PER_SAGA) {
        throw new IllegalStateException("saga " + order + " recorded " + MAX_EVENTS_PER_SAGA + " events without ending");
      }
      events.add(e);
      state = state.apply(e);
    }
  }

  private Run drive(List<Saga> sagas) {
    if (!queue.isEmpty()) {
      throw new IllegalStateException("run() and resume() drive a queue of their own; use start() on a shared one");
    }
    Instant startedAt = clock.now();
    for (Saga s : sagas) {
      if (s.events.isEmpty()) {
        Instant at = s.order.orderedAt().isAfter(startedAt) ? s.order.orderedAt() : startedAt;
        schedule(at, () -> {
          s.record(new SagaEvent.Started(s.order, clock.now(), policy));
          decide(s);
        });
      } else {
        schedule(startedAt, () -> decide(s));
      }
    }
    queue.runAll();
    return new Run(sagas.stream().map(s -> new SagaRun(s.order, s.events, s.state, s.crashes)).toList(), startedAt, clock.now());
  }

  private void decide(Saga s) {
    SagaAction a = s.state.next();
    if (a instanceof SagaAction.Perform p) {
      after(p.delay(), () -> begin(s, a, p.step(), p.attempt()));
    } else if (a instanceof SagaAction.Compensate c) {
      after(c.delay(), () -> begin(s, a, c.step(), c.attempt()));
    } else if (a instanceof SagaAction.Finished && s.onEnd != null) {
      java.util.function.Consumer<SagaRun> end = s.onEnd;
      s.onEnd = null;
      end.accept(new SagaRun(s.order, s.events, s.state, s.crashes));
    }
  }

  private void begin(Saga s, SagaAction a, MigrationStep step, int attempt) {
    s.record(s.state.begin(a, clock.now()));
    observer.beforeAttempt(s.order, step);
    Optional<String> refused = step.forward() ? SiteBookkeeping.before(s.order, step).flatMap(u -> books.book(u, clock.now())) : Optional.empty();
    if (refused.isPresent()) {
      observer.afterAttempt(s.order, step);
      StepResult r = StepResult.Failed.refused(bookingCheck, refused.get());
      after(r.took(), () -> recordResult(s, step, attempt, r));
      return;
    }
    try {
      StepResult answer = answered(step.forward() ? actuator.perform(s.order, step, attempt, Actuator.NO_PROGRESS)
          : actuator.compensate(s.order, step, attempt));
      // the books follow a step once it is done, as the saga actor's site actors do; a simulated
      // step's effect is there as soon as it answers, so the books follow at once
      Optional<String> notBooked = answer instanceof StepResult.Done
          ? SiteBookkeeping.after(s.order, step).flatMap(u -> books.book(u, clock.now()))
          : Optional.empty();
      StepResult r = notBooked.<StepResult>map(why -> StepResult.Failed.unknown(answer.took(), why)).orElse(answer);
      observer.afterAttempt(s.order, step);
      after(r.took(), () -> recordResult(s, step, attempt, r));
    } catch (SimulatedCrash crash) {
      observer.afterAttempt(s.order, step);
      s.crashes.add(step);
      after(crash.took().plus(recovery), () -> {
        // a restarted driver knows only what it recorded
        s.state = SagaState.replay(s.events);
        decide(s);
      });
    }
  }

  private void recordResult(Saga s, MigrationStep step, int attempt, StepResult r) {
    s.state.onResult(step, attempt, r, clock.now()).forEach(s::record);
    decide(s);
  }

  /** The answer of an actuator that answers at once (a simulation cannot wait for a real one); a crash is thrown. */
  private static StepResult answered(java.util.concurrent.CompletionStage<StepResult> stage) {
    java.util.concurrent.CompletableFuture<StepResult> f = stage.toCompletableFuture();
    if (!f.isDone()) {
      throw new IllegalStateException("a simulation needs an actuator that answers at once");
    }
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof SimulatedCrash crash) {
        throw crash;
      }
      return StepResult.Failed.unknown(Duration.ZERO, "the actuator failed: " + e.getCause());
    }
  }

  private void after(Duration delay, Runnable work) {
    queue.after(delay, work);
  }

  private void schedule(Instant at, Runnable work) {
    queue.at(at, work);
  }
}
