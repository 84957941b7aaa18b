package org.vmflock.site;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.vmflock.CborSerializable;
import org.vmflock.clock.Clock;
import org.vmflock.model.Capacity;

/**
 * A site actor (A3): one Cluster Sharding entity per site, event-sourced, holding the site's
 * environment. Changes are validated by {@link SiteEnvironment}; accepted ones are persisted and
 * published on the {@link #TOPIC} topic, where the migration manager listens. It also holds the
 * capacity reserved for incoming migrations, each with a lease that a timer enforces.
 */
public final class SiteActor {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Site");
  /** Where accepted environment changes are published. */
  public static final String TOPIC = "vmflock-site-environment";

  public sealed interface Command extends CborSerializable {}

  public record Change(EnvironmentChange change, ActorRef<Reply> replyTo) implements Command {}

  /** Holds room for {@code vm} until {@code lease} from now, unless it is placed (confirmed) before. */
  public record Reserve(String reservationId, String vm, Capacity demand, Duration lease, ActorRef<Reply> replyTo) implements Command {}

  public record ReleaseReservation(String reservationId, String why, ActorRef<Reply> replyTo) implements Command {}

  /** {@code vm} runs here now (using its reservation, if it has one). */
  public record Place(String vm, Capacity demand, Optional<String> reservationId, ActorRef<Reply> replyTo) implements Command {}

  public record Remove(String vm, ActorRef<Reply> replyTo) implements Command {}

  public record Get(ActorRef<SiteEnvironment> replyTo) implements Command {}

  /** Releases the reservations whose lease ran out; sent by a timer, or by a test driving the clock. */
  public enum ExpireLeases implements Command { INSTANCE }

  public sealed interface Reply extends CborSerializable {}

  public record Accepted(SiteEnvironment environment) implements Reply {}

  public record Rejected(String site, String reason) implements Reply {}

  /** Published on {@link #TOPIC} after every accepted change. */
  public record Published(SiteEnvironment environment) implements CborSerializable {}

  public static void initSharding(ClusterSharding sharding, Clock clock, Duration leaseCheck) {
    sharding.init(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), clock, leaseCheck)));
  }

  public static PersistenceId persistenceId(String site) {
    return PersistenceId.of(TYPE_KEY.name(), site);
  }

  public static Behavior<Command> create(String site, Clock clock, Duration leaseCheck) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(ExpireLeases.INSTANCE, leaseCheck);
      ActorRef<Topic.Command<Published>> topic = ctx.spawn(Topic.create(Published.class, TOPIC), "topic");
      return new Actor(ctx, site, clock, topic);
    }));
  }

  private static final class Actor extends EventSourcedBehavior<Command, SiteEvent, SiteEnvironment> {
    private static final int SNAPSHOT_EVERY = 200;
    private final ActorContext<Command> ctx;
    private final String site;
    private final Clock clock;
    private final ActorRef<Topic.Command<Published>> topic;

    Actor(ActorContext<Command> ctx, String site, Clock clock, ActorRef<Topic.Command<Published>> topic) {
      super(SiteActor.persistenceId(site), org.vmflock.JournalFailureBackoff.of(ctx.getSystem()));
      this.ctx = ctx;
      this.site = site;
      this.clock = clock;
      this.topic = topic;
    }

    @Override
    public SiteEnvironment emptyState() {
      return SiteEnvironment.undefined(site);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
    }

    @Override
    public CommandHandler<Command, SiteEvent, SiteEnvironment> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(Change.class, (s, c) -> reply(s.decide(c.change(), clock.now()), c.replyTo(), true))
          .onCommand(Reserve.class, (s, c) -> reply(s.decideReserve(c.reservationId(), c.vm(), c.demand(), clock.now().plus(c.lease())), c.replyTo(), false))
          .onCommand(ReleaseReservation.class, (s, c) -> s.reservations().containsKey(c.reservationId())
              ? Effect().persist(new SiteEvent.ReservationReleased(c.reservationId(), c.why())).thenReply(c.replyTo(), Accepted::new)
              : Effect().reply(c.replyTo(), new Accepted(s)))
          .onCommand(Place.class, (s, c) -> reply(s.decidePlace(c.vm(), c.demand(), c.reservationId()), c.replyTo(), false))
          .onCommand(Remove.class, (s, c) -> s.placed().containsKey(c.vm())
              ? Effect().persist(new SiteEvent.Removed(c.vm())).thenReply(c.replyTo(), Accepted::new)
              : Effect().reply(c.replyTo(), new Accepted(s)))
          .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s))
          .onCommand(ExpireLeases.class, (s, c) -> {
            List<SiteEvent> released = s.expired(clock.now()).stream()
                .map(r -> (SiteEvent) new SiteEvent.ReservationReleased(r.id(), "lease ran out at " + r.leaseUntil()))
                .toList();
            return released.isEmpty() ? Effect().noReply() : Effect().persist(released).thenNoReply();
          })
          .build();
    }

    private ReplyEffect<SiteEvent, SiteEnvironment> reply(SiteEnvironment.Decision d, ActorRef<Reply> replyTo, boolean publish) {
      if (!d.accepted()) {
        ctx.getLog().warn("site {}: refused: {}", site, d.refusal());
        return Effect().reply(replyTo, new Rejected(site, d.refusal()));
      }
      return Effect().persist(d.event().get()).thenRun(s -> {
        if (publish) {
          topic.tell(Topic.publish(new Published(s)));
        }
      }).thenReply(replyTo, Accepted::new);
    }

    @Override
    public EventHandler<SiteEnvironment, SiteEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SiteEnvironment::apply);
    }
  }
}
