package org.vmflock.execute;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
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
 * a crash or a move, a resumed saga performs the step in flight again; steps are idempotent. A
 * journal failure stops the saga, which comes back from its journal after a backoff.
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
    private final List<ActorRef<Report>> waiting = new ArrayList<>();
    private boolean attemptInFlight;

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
            attemptInFlight = false;
            List<SagaEvent> events = s.onResult(c.step(), c.attempt(), c.result(), deps.clock().now());
            return events.isEmpty() ? Effect().none() : Effect().persist(events).thenRun(this::drive);
          })
          .onCommand(Progress.class, (s, c) -> {
            s.order().ifPresent(o -> waiting.forEach(w -> w.tell(new Progressed(o.migrationId(), c.progress()))));
            return Effect().none();
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
      timers.startSingleTimer(next, Duration.ofNanos((long) (delay.toNanos() / deps.timeScale())));
    }

    /** Performs the step: the books first where they must be, the actuator, then the books that follow it. */
    private void perform(SagaState s, MigrationStep step, int attempt, boolean forward) {
      MigrationOrder o = s.requireOrder();
      Optional<SiteBookkeeping.Update> before = forward ? SiteBookkeeping.before(o, step) : Optional.empty();
      CompletionStage<StepResult> booked = before.isPresent()
          ? book(before.get()).thenCompose(refusal -> refusal.isPresent()
              ? CompletableFuture.completedFuture(StepResult.Failed.refused(Duration.ZERO, refusal.get()))
              : act(o, step, attempt, forward).thenCompose(r -> unbookIfRefused(o, step, r)))
          : act(o, step, attempt, forward);
      CompletionStage<StepResult> done = booked.thenCompose(r -> {
        Optional<SiteBookkeeping.Update> after = r instanceof StepResult.Done ? SiteBookkeeping.after(o, step) : Optional.empty();
        return after.isEmpty() ? CompletableFuture.completedFuture(r)
            : book(after.get()).thenApply(refusal -> refusal.<StepResult>map(why -> StepResult.Failed.unknown(r.took(), why)).orElse(r));
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
          .thenApply(refusal -> r);
    }

    /** The actuator's step, called on the blocking dispatcher; its progress comes back to this saga. */
    private CompletionStage<StepResult> act(MigrationOrder o, MigrationStep step, int attempt, boolean forward) {
      ActorRef<Command> self = ctx.getSelf();
      return CompletableFuture.supplyAsync(() -> forward
              ? deps.actuator().perform(o, step, attempt, p -> self.tell(new Progress(p)))
              : deps.actuator().compensate(o, step, attempt), blocking)
          .thenCompose(stage -> stage);
    }

    /**
     * A site's books updated: empty if the site accepted (or had done it before), else why not. A
     * refusal of a reservation is a definite failure (nothing was done); no answer is an unknown one.
     */
    private CompletionStage<Optional<String>> book(SiteBookkeeping.Update u) {
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
          return Optional.empty();
        }
        if (reply instanceof SiteActor.Rejected rej) {
          return Optional.of(rej.reason());
        }
        return Optional.of("site " + u.site() + " did not answer: " + error);
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

    @Override
    public SignalHandler<SagaState> signalHandler() {
      return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::drive).build();
    }

    @Override
    public EventHandler<SagaState, SagaEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SagaState::apply);
    }
  }
}
