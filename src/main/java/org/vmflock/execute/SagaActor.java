package org.vmflock.execute;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
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
import org.vmflock.model.Capacity;
import org.vmflock.site.SiteActor;

/**
 * One migration as a persisted saga (E1): a Cluster Sharding entity per migration whose events
 * are the {@link SagaState}'s. It performs each step (or compensation) with the {@link Actuator},
 * waits the time the step takes, records the result, and goes on until the saga completes or rolls
 * back; then it tells who asked. The capacity bookkeeping of the sites follows the steps: RESERVE
 * asks the destination's site actor first, COMMIT places the VM there, RELEASE_SOURCE removes it
 * from the source, RELEASE_RESERVATION gives the room back. After a crash or a move, a resumed
 * saga performs the step in flight again; steps are idempotent.
 */
public final class SagaActor {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "MigrationSaga");

  public sealed interface Command extends CborSerializable {}

  /** Starts the migration (once: a second Start is a Resume). */
  public record Start(MigrationOrder order, SagaPolicy policy, ActorRef<Finished> replyTo) implements Command {}

  /** Goes on with a migration after a failover, and says when it has finished. */
  public record Resume(ActorRef<Finished> replyTo) implements Command {}

  /** How a migration ended. */
  public record Finished(String migrationId, SagaPhase outcome, String reason, ObservedMigration observed) implements CborSerializable {}

  // the saga's own messages never leave it: no serialization to check
  private record Attempt(MigrationStep step, int attempt, boolean forward) implements Command, NoSerializationVerificationNeeded {}

  private record Outcome(MigrationStep step, int attempt, StepResult result) implements Command, NoSerializationVerificationNeeded {}

  private record Record(MigrationStep step, int attempt, StepResult result) implements Command, NoSerializationVerificationNeeded {}

  /** What a saga needs from its node: the actuator, the clock, how fast time runs, the sites. */
  public record Dependencies(Actuator actuator, Clock clock, double timeScale, Function<String, RecipientRef<SiteActor.Command>> sites,
      Duration lease, Duration siteTimeout) {}

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
    private final List<ActorRef<Finished>> waiting = new ArrayList<>();
    private boolean attemptInFlight;

    Saga(ActorContext<Command> ctx, TimerScheduler<Command> timers, String migrationId, Dependencies deps) {
      super(PersistenceId.of(TYPE_KEY.name(), migrationId), org.vmflock.JournalFailureBackoff.of(ctx.getSystem()));
      this.ctx = ctx;
      this.timers = timers;
      this.deps = deps;
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
            waiting.add(c.replyTo());
            if (s.phase() != SagaPhase.NEW) {
              drive(s);
              return Effect().none();
            }
            return Effect().persist(new SagaEvent.Started(c.order(), deps.clock().now(), c.policy())).thenRun(this::drive);
          })
          .onCommand(Resume.class, (s, c) -> {
            waiting.add(c.replyTo());
            drive(s);
            return Effect().none();
          })
          .onCommand(Attempt.class, (s, c) -> {
            SagaAction a = s.next();
            if (!(a instanceof SagaAction.Perform || a instanceof SagaAction.Compensate)) {
              attemptInFlight = false;
              drive(s);
              return Effect().none();
            }
            return Effect().persist(s.begin(a, deps.clock().now())).thenRun(after -> perform(after, c.step(), c.attempt(), c.forward()));
          })
          .onCommand(Outcome.class, (s, c) -> {
            // the step takes its time; its result is recorded when that time has passed
            timers.startSingleTimer(new Record(c.step(), c.attempt(), c.result()), scaled(c.result().took()));
            return Effect().none();
          })
          .onCommand(Record.class, (s, c) -> {
            attemptInFlight = false;
            List<SagaEvent> events = s.onResult(c.step(), c.attempt(), c.result(), deps.clock().now());
            return events.isEmpty() ? Effect().none() : Effect().persist(events).thenRun(this::drive);
          })
          .build();
    }

    /** Does what the state says next, unless an attempt is already under way. */
    private void drive(SagaState s) {
      if (s.phase() == SagaPhase.NEW) {
        return;
      }
      SagaAction a = s.next();
      if (a instanceof SagaAction.Finished f) {
        Finished done = new Finished(s.requireOrder().migrationId(), f.outcome(), f.reason(), f.observed());
        waiting.forEach(w -> w.tell(done));
        waiting.clear();
        return;
      }
      if (attemptInFlight) {
        return;
      }
      attemptInFlight = true;
      Attempt next = a instanceof SagaAction.Perform p ? new Attempt(p.step(), p.attempt(), true)
          : new Attempt(((SagaAction.Compensate) a).step(), ((SagaAction.Compensate) a).attempt(), false);
      Duration delay = a instanceof SagaAction.Perform p ? p.delay() : ((SagaAction.Compensate) a).delay();
      timers.startSingleTimer(next, scaled(delay));
    }

    /** Performs the step with the actuator, keeping the sites' capacity bookkeeping in step. */
    private void perform(SagaState s, MigrationStep step, int attempt, boolean forward) {
      MigrationOrder o = s.requireOrder();
      if (forward && step == MigrationStep.RESERVE) {
        siteAsk(o.to(), r -> new SiteActor.Reserve(o.migrationId(), o.vm(), Capacity.of(o.vmSpec()), deps.lease(), r), step, attempt,
            () -> deps.actuator().perform(o, step, attempt), true);
        return;
      }
      StepResult r = forward ? deps.actuator().perform(o, step, attempt) : deps.actuator().compensate(o, step, attempt);
      if (!(r instanceof StepResult.Done)) {
        ctx.getSelf().tell(new Outcome(step, attempt, r));
        return;
      }
      Optional<Function<ActorRef<SiteActor.Reply>, SiteActor.Command>> bookkeeping = switch (step) {
        case COMMIT -> Optional.of(ref -> new SiteActor.Place(o.vm(), Capacity.of(o.vmSpec()), Optional.of(o.migrationId()), ref));
        case RELEASE_SOURCE -> Optional.of(ref -> new SiteActor.Remove(o.vm(), ref));
        case RELEASE_RESERVATION -> Optional.of(ref -> new SiteActor.ReleaseReservation(o.migrationId(), "migration rolled back", ref));
        default -> Optional.empty();
      };
      if (bookkeeping.isEmpty()) {
        ctx.getSelf().tell(new Outcome(step, attempt, r));
        return;
      }
      String site = step == MigrationStep.RELEASE_SOURCE ? o.from() : o.to();
      siteAsk(site, bookkeeping.get(), step, attempt, () -> r, false);
    }

    /**
     * Asks a site actor, then (if it accepted) takes the step's result from {@code then}. A refusal
     * of a reservation is a definite failure (nothing was done); no answer is an unknown one.
     */
    private void siteAsk(String site, Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message, MigrationStep step, int attempt,
        java.util.function.Supplier<StepResult> then, boolean refusalIsDefinite) {
      ctx.pipeToSelf(askSite(site, message, SITE_TRIES),
          (reply, error) -> {
            if (reply instanceof SiteActor.Accepted) {
              return new Outcome(step, attempt, then.get());
            }
            if (reply instanceof SiteActor.Rejected rej) {
              return new Outcome(step, attempt, refusalIsDefinite ? StepResult.Failed.refused(Duration.ZERO, rej.reason())
                  : StepResult.Failed.unknown(Duration.ZERO, rej.reason()));
            }
            return new Outcome(step, attempt, StepResult.Failed.unknown(Duration.ZERO, "site " + site + " did not answer: " + error));
          });
    }

    /**
     * The site's answer within the site timeout. Messages to a sharded entity may be lost while its
     * shard moves (a node leaving): the message, idempotent, is sent again up to {@code tries} times,
     * each try with its share of the timeout.
     */
    private CompletionStage<SiteActor.Reply> askSite(String site, Function<ActorRef<SiteActor.Reply>, SiteActor.Command> message, int tries) {
      CompletableFuture<SiteActor.Reply> answer = new CompletableFuture<>();
      AskPattern.ask(deps.sites().apply(site), message::apply, deps.siteTimeout().dividedBy(SITE_TRIES), ctx.getSystem().scheduler())
          .whenComplete((reply, error) -> {
            if (error == null) {
              answer.complete(reply);
            } else if (tries <= 1) {
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

    private Duration scaled(Duration d) {
      return Duration.ofNanos((long) (d.toNanos() / deps.timeScale()));
    }

    @Override
    public SignalHandler<SagaState> signalHandler() {
      // also after a restart on a journal failure, which may have interrupted an attempt before its step began
      return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), s -> { attemptInFlight = false; drive(s); }).build();
    }

    @Override
    public EventHandler<SagaState, SagaEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SagaState::apply);
    }
  }
}
