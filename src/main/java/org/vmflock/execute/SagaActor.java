package org.vmflock.execute;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.vmflock.CborSerializable;
import org.vmflock.clock.Clock;
import org.vmflock.site.SiteActor;

/**
 * One migration as a persisted saga (E1): a Cluster Sharding entity per migration whose events
 * are the {@link SagaState}'s. It performs each step (or compensation) with the {@link Actuator},
 * asynchronously on a dedicated blocking dispatcher, records the result when the step answers, and
 * goes on until the saga completes or rolls back; then it tells who asked. The sites' books follow
 * the steps ({@link SiteBookkeeping}): RESERVE asks the destination's site actor first, COMMIT
 * places the VM there, RELEASE_SOURCE removes it from the source, RELEASE_RESERVATION gives the room
 * back. Progress the actuator reports on the way (pre-copy rounds, bytes left) is passed on. After
 * a crash or a move, a resumed saga performs the step in flight again; steps are idempotent. An
 * attempt the actuator does not answer within the policy's step timeout counts as failed, its
 * effect unknown. A journal failure stops the saga, which comes back from its journal after a
 * backoff and goes on (a start whose first event was not written is started again). Each one
 * waiting for the saga's end is told it once, and again if it asks again after the end.
 */
public final class SagaActor {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "MigrationSaga");

  /** The dispatcher actuators run on (configured in {@code reference.conf}): they may block for minutes. */
  public static final String ACTUATOR_DISPATCHER = "vmflock.actuator-dispatcher";

  public sealed interface Command extends CborSerializable {}

  /** Starts the migration (once: a second Start is a Resume). */
  public record Start(MigrationOrder order, SagaPolicy policy, ActorRef<Report> replyTo) implements Command {}

  /** Goes on with a migration after a failover, and says when it has finished. */
  public record Resume(ActorRef<Report> replyTo) implements Command {}

  /** What a saga tells who started or resumed it. */
  public sealed interface Report extends CborSerializable {
    String migrationId();
  }

  /** How a migration ended. */
  public record Finished(String migrationId, SagaPhase outcome, String reason, ObservedMigration observed) implements Report {}

  /** How far a step of a running migration has come, as the actuator reported it. */
  public record Progressed(String migrationId, StepProgress progress) implements Report {}

  // the saga's own messages never leave it: no serialization to check
  private record Attempt(MigrationStep step, int attempt, boolean forward) implements Command, NoSerializationVerificationNeeded {}

  private record Outcome(MigrationStep step, int attempt, StepResult result) implements Command, NoSerializationVerificationNeeded {}

  private record Progress(StepProgress progress) implements Command, NoSerializationVerificationNeeded {}

  /**
   * What a saga needs from its node: the actuator, the clock, how much faster than real time it
   * runs (the delays between retries are in its time), the sites, the reservations' lease, how long
   * a site actor may take to answer, and the backoff after a journal failure.
   */
  public record Dependencies(Actuator actuator, Clock clock, double timeScale, Function<String, RecipientRef<SiteActor.Command>> sites,
      Duration lease, Duration siteTimeout, Duration minBackoff, Duration maxBackoff) {

    public Dependencies(Actuator actuator, Clock clock, double timeScale, Function<String, RecipientRef<SiteActor.Command>> sites,
        Duration lease, Duration siteTimeout) {
      this(actuator, clock, timeScale, sites, lease, siteTimeout, Duration.ofMillis(200), Duration.ofSeconds(10));
    }
  }

  public static void initSharding(ClusterSharding sharding, Dependencies deps) {
    sharding.init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), deps)));
  }

  public static Behavior<Command> create(String migrationId, Dependencies deps) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Saga(ctx, timers, migrationId, deps)));
  }

  /** Sends of an idempotent message to a site actor before its step counts as failed. */
  static final int SITE_TRIES = 3;

  private static final class Saga extends EventSourcedBehavior<Command, SagaEvent, SagaState> {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final Dependencies deps;
    private final Executor blocking;
    // who waits for the end, and who was told it: each once per ask (one that asks twice before the
    // end, a Resume and a Start, is told once); kept across a restart after a journal failure
    private final Set<ActorRef<Report>> waiting = new LinkedHashSet<>();
    private final Set<ActorRef<Report>> told = new java.util.HashSet<>();
    /** The attempt a timer will start, if any. */
    private Attempt scheduled;
    /** The attempt whose actuator call (and bookkeeping) runs, if any: its outcome is awaited. */
    private Attempt running;
    /** A start whose event is being written: started again if the write fails. */
    private Start starting;
    /** Set once the actor stopped: a site message is then no longer sent again. */
    private final AtomicBoolean stopped = new AtomicBoolean();

    Saga(ActorContext<Command> ctx, TimerScheduler<Command> timers, String migrationId, Dependencies deps) {
      super(PersistenceId.of(TYPE_KEY.name(), migrationId), SupervisorStrategy.restartWithBackoff(deps.minBackoff(), deps.maxBackoff(), 0.2));
      this.ctx = ctx;
      this.timers = timers;
      this.deps = deps;
      this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(ACTUATOR_DISPATCHER));
    }

    @Override
    public SagaState emptyState() {
      return SagaState.initial();
    }

    @Override
    public CommandHandler<Command, SagaEvent, SagaState> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(Start.class, (s, c) -> {
            awaitEnd(c.replyTo());
            if (s.phase() != SagaPhase.NEW) {
              drive(s);
              return Effect().none();
            }
            starting = c;
            return Effect().persist(new SagaEvent.Started(c.order(), deps.clock().now(), c.policy())).thenRun(after -> {
              starting = null;
              drive(after);
            });
          })
          .onCommand(Resume.class, (s, c) -> {
            awaitEnd(c.replyTo());
            drive(s);
            return Effect().none();
          })
          .onCommand(Attempt.class, (s, c) -> {
            if (!c.equals(scheduled)) {
              return Effect().none(); // a timer of an incarnation's past
            }
            scheduled = null;
            SagaAction a = s.next();
            if (!c.equals(attemptOf(a))) {
              drive(s);
              return Effect().none();
            }
            return Effect().persist(s.begin(a, deps.clock().now())).thenRun(after -> {
              running = c;
              perform(after, c.step(), c.attempt(), c.forward());
            });
          })
          .onCommand(Outcome.class, (s, c) -> {
            if (running == null || running.step() != c.step() || running.attempt() != c.attempt()) {
              return Effect().none(); // a late answer: its attempt was given up (timed out) or belongs to a past incarnation
            }
            running = null;
            List<SagaEvent> events = s.onResult(c.step(), c.attempt(), c.result(), deps.clock().now());
            if (events.isEmpty()) {
              drive(s);
              return Effect().none();
            }
            return Effect().persist(events).thenRun(this::drive);
          })
          .onCommand(Progress.class, (s, c) -> {
            s.order().ifPresent(o -> waiting.forEach(w -> w.tell(new Progressed(o.migrationId(), c.progress()))));
            return Effect().none();
          })
          .build();
    }

    /**
     * {@code r} waits for the end. A new ask is answered even by one told before: it asks again
     * because it lost what it was told (its own write of the end failed, and it came back from its
     * journal with the migration still running).
     */
    private void awaitEnd(ActorRef<Report> r) {
      told.remove(r);
      waiting.add(r);
    }

        /** Does what the state says next, unless an attempt is already under way. */
    private void drive(SagaState s) {
      if (s.phase() == SagaPhase.NEW) {
        return;
      }
      SagaAction a = s.next();
      if (a instanceof SagaAction.Finished f) {
        Finished done = new Finished(s.requireOrder().migrationId(), f.outcome(), f.reason(), f.observed());
        waiting.stream().filter(told::add).forEach(w -> w.tell(done));
        waiting.clear();
        return;
      }
      if (scheduled != null || running != null) {
        return;
      }
      scheduled = attemptOf(a);
      Duration delay = a instanceof SagaAction.Perform p ? p.delay() : ((SagaAction.Compensate) a).delay();
      timers.startSingleTimer(scheduled, real(delay));
    }

    /** The attempt {@code a} makes; null if it makes none. */
    private static Attempt attemptOf(SagaAction a) {
      if (a instanceof SagaAction.Perform p) {
        return new Attempt(p.step(), p.attempt(), true);
      }
      if (a instanceof SagaAction.Compensate c) {
        return new Attempt(c.step(), c.attempt(), false);
      }
      return null;
    }

    /** How long {@code d} of the saga's time lasts in real time. */
    private Duration real(Duration d) {
      return Duration.ofNanos((long) (d.toNanos() / deps.timeScale()));
    }

    /** Performs the step: the books first where they must be, the actuator, then the books that follow it. */
    private void perform(SagaState s, MigrationStep step, int attempt, boolean forward) {
      MigrationOrder o = s.requireOrder();
      Optional<SiteBookkeeping.Update> before = forward ? SiteBookkeeping.before(o, step) : Optional.empty();
      // a refusal of the reservation changed nothing; no answer may hide one the site made: the rollback releases it
      CompletionStage<StepResult> booked = before.isPresent()
          ? book(before.get()).thenCompose(b -> b.accepted()
              ? act(s, step, attempt, forward).thenCompose(r -> unbookIfRefused(o, step, r))
              : CompletableFuture.completedFuture(new StepResult.Failed(Duration.ZERO, b.why(), b.refused())))
          : act(s, step, attempt, forward);
      CompletionStage<StepResult> done = booked.thenCompose(r -> {
        Optional<SiteBookkeeping.Update> after = r instanceof StepResult.Done ? SiteBookkeeping.after(o, step) : Optional.empty();
        return after.isEmpty() ? CompletableFuture.completedFuture(r)
            : book(after.get()).thenApply(b -> b.accepted() ? r : StepResult.Failed.unknown(r.took(), b.why()));
      });
      ctx.pipeToSelf(done, (r, error) -> new Outcome(step, attempt,
          error != null ? StepResult.Failed.unknown(Duration.ZERO, "the actuator failed: " + error) : r));
    }

    /**
     * The actuator refused a step the books took first (the reservation): nothing was done, so no
     * compensation will run, and the room booked at the site is given back now rather than when its
     * lease runs out.
     */
    private CompletionStage<StepResult> unbookIfRefused(MigrationOrder o, MigrationStep step, StepResult r) {
      if (step != MigrationStep.RESERVE || !(r instanceof StepResult.Failed f) || !f.definite()) {
        return CompletableFuture.completedFuture(r);
      }
      return book(new SiteBookkeeping.Release(o.to(), o.migrationId(), "the hypervisors refused the reservation: " + f.reason()))
          .thenApply(b -> r);
    }

    /**
     * The actuator's step, called on the blocking dispatcher; its progress comes back to this saga.
     * Without an answer within the policy's step timeout, the attempt fails, its effect unknown; a
     * call that had not begun by then, or once this saga stopped, is not made.
     */
    private CompletionStage<StepResult> act(SagaState s, MigrationStep step, int attempt, boolean forward) {
      MigrationOrder o = s.requireOrder();
      Duration limit = s.policy().stepTimeout();
      ActorRef<Command> self = ctx.getSelf();
      CompletableFuture<StepResult> answer = new CompletableFuture<>();
      AtomicBoolean givenUp = new AtomicBoolean();
      Cancellable timeout = ctx.getSystem().scheduler().scheduleOnce(real(limit), () -> {
        givenUp.set(true);
        answer.complete(StepResult.Failed.unknown(limit, "the actuator did not answer " + step + " within " + limit));
      }, ctx.getExecutionContext());
      CompletableFuture.supplyAsync(() -> {
        if (givenUp.get() || stopped.get()) {
          // timed out, or this incarnation stopped (its successor may be running the same step)
          return CompletableFuture.<StepResult>completedFuture(StepResult.Failed.unknown(Duration.ZERO, "given up before it began"));
        }
        return forward ? deps.actuator().perform(o, step, attempt, p -> self.tell(new Progress(p))) : deps.actuator().compensate(o, step, attempt);
      }, blocking).thenCompose(stage -> stage).whenComplete((r, error) -> {
        timeout.cancel();
        if (error != null) {
          answer.completeExceptionally(error);
        } else {
          answer.complete(r);
        }
      });
      return answer;
    }

    /** A site's answer: accepted (or done before), refused (nothing done), or none (unknown). */
    private record Booked(boolean accepted, boolean refused, String why) {}

    /**
     * A site's books updated: accepted (or done before), refused with the reason, or no answer. A
     * refusal of a reservation is a definite failure (nothing was done); no answer is an unknown one.
     */
    private CompletionStage<Booked> book(SiteBookkeeping.Update u) {
      Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message;
      if (u instanceof SiteBookkeeping.Reserve r) {
        message = ref -> new SiteActor.Reserve(r.reservationId(), r.vm(), r.demand(), deps.lease(), ref);
      } else if (u instanceof SiteBookkeeping.Place p) {
        message = ref -> new SiteActor.Place(p.vm(), p.demand(), p.reservationId(), ref);
      } else if (u instanceof SiteBookkeeping.Remove r) {
        message = ref -> new SiteActor.Remove(r.vm(), ref);
      } else {
        SiteBookkeeping.Release r = (SiteBookkeeping.Release) u;
        message = ref -> new SiteActor.ReleaseReservation(r.reservationId(), r.why(), ref);
      }
      return askSite(u.site(), message, SITE_TRIES).handle((reply, error) -> {
        if (reply instanceof SiteActor.Accepted) {
          return new Booked(true, false, "");
        }
        if (reply instanceof SiteActor.Rejected rej) {
          return new Booked(false, true, rej.reason());
        }
        return new Booked(false, false, "site " + u.site() + " did not answer within " + deps.siteTimeout() + " (" + SITE_TRIES + " tries)");
      });
    }

    /**
     * The site's answer within the site timeout. Messages to a sharded entity may be lost while its
     * shard moves (a node leaving): the message, idempotent, is sent again up to {@code tries} times,
     * each try with its share of the timeout; never once this saga has stopped (its successor may
     * have undone what the message would do).
     */
    private CompletionStage<SiteActor.Reply> askSite(String site, Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message, int tries) {
      CompletableFuture<SiteActor.Reply> answer = new CompletableFuture<>();
      AskPattern.ask(deps.sites().apply(site), message::apply, deps.siteTimeout().dividedBy(SITE_TRIES), ctx.getSystem().scheduler())
          .whenComplete((reply, error) -> {
            if (error == null) {
              answer.complete(reply);
            } else if (tries <= 1 || stopped.get()) {
              answer.completeExceptionally(error);
            } else {
              askSite(site, message, tries - 1).whenComplete((r, e) -> {
                if (e == null) {
                  answer.complete(r);
                } else {
                  answer.completeExceptionally(e);
                }
              });
            }
          });
      return answer;
    }

    @Override
    public SignalHandler<SagaState> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(RecoveryCompleted.instance(), s -> {
            // after a journal failure the actor comes back here: what it was waiting for is gone
            timers.cancelAll();
            scheduled = null;
            running = null;
            if (s.phase() == SagaPhase.NEW && starting != null) {
              ctx.getSelf().tell(starting);
              starting = null;
            }
            drive(s);
          })
          .onSignal(PostStop.instance(), s -> stopped.set(true))
          .build();
    }

    @Override
    public EventHandler<SagaState, SagaEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SagaState::apply);
    }
  }
}
