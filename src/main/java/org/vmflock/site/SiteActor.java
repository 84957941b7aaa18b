package org.vmflock.site;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
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
 * environment and books ({@link SiteState}). Changes are validated by {@link SiteState}; accepted
 * ones are persisted and published, as the numbered delta they are, on the {@link #TOPIC} topic.
 * Readers that missed a publication (publication is at most once) ask {@link ChangesSince}. It
 * also holds the capacity reserved for incoming migrations, each with a lease that a timer enforces.
 * Every answer is bounded: an environment comes with its prices from a given instant on, the books
 * a page at a time.
 */
public final class SiteActor {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Site");
  /** Where accepted environment changes are published. */
  public static final String TOPIC = "vmflock-site-environment";
  /** VMs per page of {@link GetBooks}. */
  public static final int BOOKS_PAGE = 500;

  public sealed interface Command extends CborSerializable {}

  public record Change(EnvironmentChange change, ActorRef<Reply> replyTo) implements Command {}

  /** Holds room for {@code vm} until {@code lease} from now, unless it is placed (confirmed) before. */
  public record Reserve(String reservationId, String vm, Capacity demand, Duration lease, ActorRef<Reply> replyTo) implements Command {}

  public record ReleaseReservation(String reservationId, String why, ActorRef<Reply> replyTo) implements Command {}

  /** {@code vm} runs here now (using its reservation, if it has one). */
  public record Place(String vm, Capacity demand, Optional<String> reservationId, ActorRef<Reply> replyTo) implements Command {}

  public record Remove(String vm, ActorRef<Reply> replyTo) implements Command {}

  /** A VM and what it takes. */
  public record Booking(String vm, Capacity demand) implements CborSerializable {}

  /**
   * These VMs run here now (a new application's, as the manager placed it): each is booked if there
   * is room, in one write; the answer names those refused, if any (the others are booked).
   */
  public record PlaceAll(List<Booking> vms, ActorRef<Reply> replyTo) implements Command {
    public PlaceAll {
      vms = List.copyOf(vms);
    }
  }

  /** These VMs left (their application ended), in one write. */
  public record RemoveAll(List<String> vms, ActorRef<Reply> replyTo) implements Command {
    public RemoveAll {
      vms = List.copyOf(vms);
    }
  }

  /** The site's environment, its hosting prices from {@code pricesFrom} on. */
  public record GetEnvironment(Instant pricesFrom, ActorRef<EnvironmentView> replyTo) implements Command {}

  /**
   * The environment changes after number {@code after}; if they are no longer all kept, the whole
   * environment (its prices from {@code pricesFrom} on).
   */
  public record ChangesSince(long after, Instant pricesFrom, ActorRef<Changes> replyTo) implements Command {}

  /** A page of the books: the VMs placed after {@code afterVm} (in name order), and every reservation. */
  public record GetBooks(Optional<String> afterVm, ActorRef<BooksPage> replyTo) implements Command {}

  /** Releases the reservations whose lease ran out; sent by a timer, or by a test driving the clock. */
  public enum ExpireLeases implements Command { INSTANCE }

  public sealed interface Reply extends CborSerializable {}

  public record Accepted(String site) implements Reply {}

  public record Rejected(String site, String reason) implements Reply {}

  /** A site's environment, how many changes made it, and what its books take. */
  public record EnvironmentView(SiteEnvironment environment, long changes, Capacity used, int vms) implements CborSerializable {}

  /** The changes a reader missed, or, if they are no longer kept, the whole environment now. */
  public record Changes(String site, long latest, List<SiteState.NumberedChange> changes, Optional<SiteEnvironment> whole)
      implements CborSerializable {
    public Changes {
      changes = List.copyOf(changes);
    }
  }

  /** A page of a site's books; {@code more} when VMs follow the last one of this page. */
  public record BooksPage(String site, SortedMap<String, Capacity> placed, List<SiteBooks.Reservation> reservations, boolean more)
      implements CborSerializable {
    public BooksPage {
      reservations = List.copyOf(reservations);
    }
  }

  /** Published on {@link #TOPIC} after every accepted environment change: the change, numbered. */
  public record Published(String site, SiteState.NumberedChange change) implements CborSerializable {}

  /**
   * How the site actor lives: how often leases are checked, and the backoff after a journal
   * failure (the actor stops and comes back from its journal).
   */
  public record Settings(Duration leaseCheck, Duration minBackoff, Duration maxBackoff) {
    public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(10));
  }

  public static void initSharding(ClusterSharding sharding, Clock clock, Settings settings) {
    // one shard per site, on a node of the site when one is up (SitePlacement)
    sharding.init(SiteShardAllocation.of(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), clock, settings))));
  }

  public static PersistenceId persistenceId(String site) {
    return PersistenceId.of(TYPE_KEY.name(), site);
  }

  public static Behavior<Command> create(String site, Clock clock, Settings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(ExpireLeases.INSTANCE, settings.leaseCheck());
      ActorRef<Topic.Command<Published>> topic = ctx.spawn(Topic.create(Published.class, TOPIC), "topic");
      return new Actor(ctx, site, clock, topic, settings);
    }));
  }

  private static final class Actor extends EventSourcedBehavior<Command, SiteEvent, SiteState> {
    private static final int SNAPSHOT_EVERY = 200;
    private final ActorContext<Command> ctx;
    private final String site;
    private final Clock clock;
    private final ActorRef<Topic.Command<Published>> topic;

    Actor(ActorContext<Command> ctx, String site, Clock clock, ActorRef<Topic.Command<Published>> topic, Settings settings) {
      super(SiteActor.persistenceId(site), SupervisorStrategy.restartWithBackoff(settings.minBackoff(), settings.maxBackoff(), 0.2));
      this.ctx = ctx;
      this.site = site;
      this.clock = clock;
      this.topic = topic;
    }

    @Override
    public SiteState emptyState() {
      return SiteState.undefined(site);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
    }

    @Override
    public CommandHandler<Command, SiteEvent, SiteState> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(Change.class, (s, c) -> reply(s.decide(c.change(), clock.now()), c.replyTo(), true))
          .onCommand(Reserve.class, (s, c) -> s.books().reservations().containsKey(c.reservationId())
              ? Effect().reply(c.replyTo(), new Accepted(site)) // held already: a request sent again writes nothing
              : reply(s.decideReserve(c.reservationId(), c.vm(), c.demand(), clock.now().plus(c.lease())), c.replyTo(), false))
          .onCommand(ReleaseReservation.class, (s, c) -> done(s.decideRelease(c.reservationId(), c.why()), c.replyTo()))
          .onCommand(Place.class, (s, c) -> s.books().placed().containsKey(c.vm())
                  && c.reservationId().filter(s.books().reservations()::containsKey).isEmpty()
              ? Effect().reply(c.replyTo(), new Accepted(site)) // placed already: a request sent again writes nothing
              : reply(s.decidePlace(c.vm(), c.demand(), c.reservationId()), c.replyTo(), false))
          .onCommand(Remove.class, (s, c) -> done(s.decideRemove(c.vm()), c.replyTo()))
          .onCommand(PlaceAll.class, this::placeAll)
          .onCommand(RemoveAll.class, (s, c) -> {
            List<SiteEvent> removed = new java.util.ArrayList<>();
            SiteState next = s;
            for (String vm : c.vms()) {
              Optional<SiteEvent> e = next.decideRemove(vm);
              if (e.isPresent()) {
                removed.add(e.get());
                next = next.apply(e.get());
              }
            }
            return removed.isEmpty() ? Effect().reply(c.replyTo(), new Accepted(site))
                : Effect().persist(removed).thenReply(c.replyTo(), after -> new Accepted(site));
          })
          .onCommand(GetEnvironment.class, (s, c) -> Effect().reply(c.replyTo(),
              new EnvironmentView(s.environment().pricesFrom(c.pricesFrom()), s.changes(), s.books().used(), s.books().vms())))
          .onCommand(ChangesSince.class, (s, c) -> Effect().reply(c.replyTo(), s.changesAfter(c.after())
              .map(list -> new Changes(site, s.changes(), list, Optional.empty()))
              .orElseGet(() -> new Changes(site, s.changes(), List.of(), Optional.of(s.environment().pricesFrom(c.pricesFrom()))))))
          .onCommand(GetBooks.class, (s, c) -> Effect().reply(c.replyTo(), page(s, c.afterVm())))
          .onCommand(ExpireLeases.class, (s, c) -> {
            List<SiteEvent> released = s.decideExpiry(clock.now());
            return released.isEmpty() ? Effect().noReply() : Effect().persist(released).thenNoReply();
          })
          .build();
    }

    private ReplyEffect<SiteEvent, SiteState> placeAll(SiteState s, PlaceAll c) {
      List<SiteEvent> placed = new java.util.ArrayList<>();
      List<String> refused = new java.util.ArrayList<>();
      SiteState next = s;
      for (Booking b : c.vms()) {
        SiteState.Decision d = next.decidePlace(b.vm(), b.demand(), Optional.empty());
        if (d.accepted()) {
          placed.add(d.event().get());
          next = next.apply(d.event().get());
        } else {
          refused.add(d.refusal());
        }
      }
      Reply answer = refused.isEmpty() ? new Accepted(site) : new Rejected(site, refused.size() + " VM(s) refused: " + refused.get(0)
          + (refused.size() > 1 ? " ..." : ""));
      if (!refused.isEmpty()) {
        ctx.getLog().warn("site {}: {}", site, ((Rejected) answer).reason());
      }
      return placed.isEmpty() ? Effect().reply(c.replyTo(), answer) : Effect().persist(placed).thenReply(c.replyTo(), after -> answer);
    }

    private BooksPage page(SiteState s, Optional<String> after) {
      SortedMap<String, Capacity> placed = after.map(a -> s.books().placed().tailMap(a + "\0")).orElse(s.books().placed());
      java.util.TreeMap<String, Capacity> page = new java.util.TreeMap<>();
      for (var e : placed.entrySet()) {
        if (page.size() == BOOKS_PAGE) {
          break;
        }
        page.put(e.getKey(), e.getValue());
      }
      return new BooksPage(site, page, List.copyOf(s.books().reservations().values()), placed.size() > page.size());
    }

    private ReplyEffect<SiteEvent, SiteState> done(Optional<SiteEvent> event, ActorRef<Reply> replyTo) {
      return event.<ReplyEffect<SiteEvent, SiteState>>map(e -> Effect().persist(e).thenReply(replyTo, s -> new Accepted(site)))
          .orElseGet(() -> Effect().reply(replyTo, new Accepted(site)));
    }

    private ReplyEffect<SiteEvent, SiteState> reply(SiteState.Decision d, ActorRef<Reply> replyTo, boolean publish) {
      if (!d.accepted()) {
        ctx.getLog().warn("site {}: refused: {}", site, d.refusal());
        return Effect().reply(replyTo, new Rejected(site, d.refusal()));
      }
      return Effect().persist(d.event().get()).thenRun(s -> {
        if (publish) {
          topic.tell(Topic.publish(new Published(site, s.recent().get(s.recent().size() - 1))));
        }
      }).thenReply(replyTo, s -> new Accepted(site));
    }

    @Override
    public EventHandler<SiteState, SiteEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SiteState::apply);
    }
  }
}
