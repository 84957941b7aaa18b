package org.vmflock.monitor;

import java.util.List;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
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
import org.vmflock.monitor.stats.CollectorSettings;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.stats.SiteEvent;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.stats.SiteStatistics;
import org.vmflock.monitor.stats.SiteStatistics.Decision;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.SensorReport;

/**
 * A site's collector (M5): one Cluster Sharding entity per site, event-sourced, that receives its
 * sensors' reports and keeps the site's statistics per period. The rules live in
 * {@link SiteStatistics}; this actor persists what they decide and answers.
 */
public final class Collector {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Collector");

  public sealed interface Command extends CborSerializable {}

  /** The sensors of {@code host} at this site, to expect from their periods on. */
  public record Register(String host, List<RosterEntry> vms, ActorRef<Reply> replyTo) implements Command {}

  /**
   * The VMs of {@code host} are no longer expected here; they were not here from period {@code
   * fromPeriod} on (the periods from there closed with them missing are complete without them).
   * Answered {@link Accepted}, or {@link Duplicate} when the host is not registered (asked again).
   */
  public record Deregister(String host, long fromPeriod, ActorRef<Reply> replyTo) implements Command {
    /** A host whose VMs left at a period not known: no closed period changes. */
    public Deregister(String host, ActorRef<Reply> replyTo) {
      this(host, Long.MAX_VALUE, replyTo);
    }
  }

  public record Report(SensorReport report, ActorRef<Reply> replyTo) implements Command {}

  /**
   * Many sensor reports in one message (e.g. a host's VMs, one period): each decided as a {@link
   * Report} of its own, those recorded written to the journal together, in one write; one {@link
   * Batch} answers them all.
   */
  public record Reports(List<SensorReport> reports, ActorRef<Reply> replyTo) implements Command {
    public Reports {
      reports = List.copyOf(reports);
    }
  }

  public record ReportHost(HostReport report, ActorRef<Reply> replyTo) implements Command {}

  /** The site's periods {@code from..to} (inclusive) and its roster. */
  public record GetPeriods(long fromPeriod, long toPeriod, ActorRef<SiteSnapshot> replyTo) implements Command {}

  /** Closes the periods whose grace time is over; sent by a timer, or by a test that drives the clock. */
  public enum CloseDue implements Command { INSTANCE }

  /** The answer to a registration or a report. */
  public sealed interface Reply extends CborSerializable {}

  public record Accepted(String site) implements Reply {}

  /** The same (VM, period) was already recorded: nothing changed. */
  public record Duplicate(String site, String reason) implements Reply {}

  public record Rejected(String site, String reason) implements Reply {}

  /** The answer to {@link Reports}: how many were recorded, and each one refused (its index in the batch, duplicate or rejected, why). */
  public record Batch(String site, int accepted, List<SiteStatistics.Refusal> refused) implements Reply {
    public Batch {
      refused = List.copyOf(refused);
    }
  }

  /**
   * Reports' messages ({@link Report}, {@link Reports}) gathered by the entity while the write before
   * was in flight, decided together in this order and written in one persist; each message answered
   * as it would be alone, then {@code replyTo}. Local only (from a collector's entity to its journal
   * side, its child), never serialized.
   */
  record Gathered(long write, List<Command> messages, ActorRef<Written> replyTo) implements Command, NoSerializationVerificationNeeded {
    Gathered {
      messages = List.copyOf(messages);
      if (messages.isEmpty() || !messages.stream().allMatch(m -> m instanceof Report || m instanceof Reports)) {
        throw new IllegalArgumentException("a gathered write holds Report and Reports messages only, and at least one: " + messages);
      }
    }
  }

  /** {@link Gathered} write number {@code write} is done (its messages answered). */
  record Written(long write) implements NoSerializationVerificationNeeded {}

  /** Write number {@code write} was not confirmed within {@link #WRITE_TIMEOUT}. */
  private record WriteTimedOut(long write) {}

  /** The most reports one gathered write holds (about 150 bytes each in the journal). */
  static final int MAX_GATHERED_REPORTS = 5_000;

  /**
   * How long a collector's entity waits for a gathered write to be done before it sends the reports
   * gathered since anyway (its journal side restarting after a journal failure, which loses what it
   * held: their senders, unanswered, send them again).
   */
  static final java.time.Duration WRITE_TIMEOUT = java.time.Duration.ofSeconds(30);

  /** Starts the collectors' shard region on this node (a proxy to it on a node without role {@code site}). */
  public static void initSharding(ClusterSharding sharding, CollectorSettings settings, int snapshotEvery,
      java.time.Duration tickInterval, Clock clock) {
    // one shard per site, on a node of the site when one is up (SitePlacement)
    sharding.init(org.vmflock.site.SiteShardAllocation.of(Entity.of(TYPE_KEY,
        ctx -> gathering(ctx.getEntityId(), settings, snapshotEvery, tickInterval, clock))));
  }

  /**
   * A site's collector as its shard's entity: the event-sourced collector ({@link #create}) as a child,
   * its journal side, in front of it a {@link Gatherer}: reports that arrive while a write is in
   * flight are written together in one {@link Gathered} write once it is done (one journal round trip
   * for them all, where each message waited for the write of the one before). Every message reaches
   * the journal side in the order it came; each is answered only once its reports are written.
   */
  public static Behavior<Command> gathering(String site, CollectorSettings settings, int snapshotEvery,
      java.time.Duration tickInterval, Clock clock) {
    return gathering(site, create(site, settings, snapshotEvery, tickInterval, clock), WRITE_TIMEOUT);
  }

  /** {@link #gathering} in front of {@code journalSide} (a test's probe), a write given up on after {@code writeTimeout}. */
  static Behavior<Command> gathering(String site, Behavior<Command> journalSide, java.time.Duration writeTimeout) {
    return Behaviors.<Object>setup(ctx -> Behaviors.<Object>withTimers(timers -> {
      ActorRef<Command> journal = ctx.spawn(journalSide, "journal");
      ctx.watch(journal);
      Gatherer<Command> gatherer = new Gatherer<>(MAX_GATHERED_REPORTS);
      // the writes in flight, by number: answered straight to this entity (no ask: a hop less per write)
      java.util.Set<Long> inFlight = new java.util.HashSet<>();
      long[] numbered = {0};
      java.util.function.Consumer<List<Gatherer.Step<Command>>> follow = steps -> {
        for (Gatherer.Step<Command> step : steps) {
          if (step instanceof Gatherer.Pass<Command> pass) {
            journal.tell(pass.message());
          } else if (step instanceof Gatherer.Write<Command> write) {
            long n = ++numbered[0];
            inFlight.add(n);
            timers.startSingleTimer(n, new WriteTimedOut(n), writeTimeout);
            journal.tell(new Gathered(n, write.messages(), ctx.getSelf().narrow()));
          }
        }
      };
      return Behaviors.receive(Object.class)
          .onMessage(Written.class, m -> {
            timers.cancel(m.write());
            if (inFlight.remove(m.write())) {
              follow.accept(gatherer.written());
            }
            return Behaviors.same();
          })
          .onMessage(WriteTimedOut.class, m -> {
            if (inFlight.remove(m.write())) {
              ctx.getLog().warn("collector {}: write {} not confirmed within {}: the reports gathered since go", site, m.write(), writeTimeout);
              follow.accept(gatherer.written());
            }
            return Behaviors.same();
          })
          .onMessage(Report.class, m -> {
            follow.accept(gatherer.reports(m, 1));
            return Behaviors.same();
          })
          .onMessage(Reports.class, m -> {
            follow.accept(gatherer.reports(m, m.reports().size()));
            return Behaviors.same();
          })
          .onMessage(Command.class, m -> {
            follow.accept(gatherer.other(m));
            return Behaviors.same();
          })
          // the journal side stopped (not a journal failure: that restarts it): the entity with it
          .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> Behaviors.stopped())
          .build();
    })).narrow();
  }

  public static PersistenceId persistenceId(String site) {
    return PersistenceId.of(TYPE_KEY.name(), site);
  }

  public static Behavior<Command> create(String site, CollectorSettings settings, int snapshotEvery,
      java.time.Duration tickInterval, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(CloseDue.INSTANCE, tickInterval);
      return new SiteCollector(ctx, site, settings, snapshotEvery, clock);
    }));
  }

  private static final class SiteCollector extends EventSourcedBehavior<Command, SiteEvent, SiteStatistics> {
    private final ActorContext<Command> ctx;
    private final String site;
    private final CollectorSettings settings;
    private final int snapshotEvery;
    private final Clock clock;

    SiteCollector(ActorContext<Command> ctx, String site, CollectorSettings settings, int snapshotEvery, Clock clock) {
      super(Collector.persistenceId(site), org.vmflock.JournalFailureBackoff.of(ctx.getSystem()));
      this.ctx = ctx;
      this.site = site;
      this.settings = settings;
      this.snapshotEvery = snapshotEvery;
      this.clock = clock;
    }

    @Override
    public SiteStatistics emptyState() {
      return SiteStatistics.empty(site);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(snapshotEvery, 2).withDeleteEventsOnSnapshot();
    }

    @Override
    public CommandHandler<Command, SiteEvent, SiteStatistics> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(Register.class, (s, c) -> reply(s.decideRegister(c.host(), c.vms()), c.replyTo()))
          .onCommand(Deregister.class, (s, c) -> reply(s.decideDeregister(c.host(), c.fromPeriod(), clock.epochMillis()), c.replyTo()))
          .onCommand(Report.class, (s, c) -> reply(s.decideReport(c.report(), clock.epochMillis(), settings), c.replyTo()))
          .onCommand(Reports.class, (s, c) -> batch(s.decideReports(c.reports(), clock.epochMillis(), settings), c.replyTo()))
          .onCommand(Gathered.class, (s, c) -> gathered(s, c))
          .onCommand(ReportHost.class, (s, c) -> reply(s.decideHostReport(c.report(), clock.epochMillis(), settings), c.replyTo()))
          .onCommand(GetPeriods.class, (s, c) -> Effect().reply(c.replyTo(), SiteSnapshot.of(s, c.fromPeriod(), c.toPeriod())))
          .onCommand(CloseDue.class, (s, c) -> {
            List<SiteEvent> due = s.closeDue(clock.epochMillis(), settings);
            return due.isEmpty() ? Effect().noReply() : Effect().persist(due).thenNoReply();
          })
          .build();
    }

    private ReplyEffect<SiteEvent, SiteStatistics> reply(Decision d, ActorRef<Reply> replyTo) {
      return switch (d.outcome()) {
        case RECORDED -> Effect().persist(d.events()).thenReply(replyTo, s -> new Accepted(site));
        case DUPLICATE -> Effect().reply(replyTo, new Duplicate(site, d.reason()));
        case REJECTED -> {
          ctx.getLog().warn("collector {}: rejected: {}", site, d.reason());
          yield Effect().reply(replyTo, new Rejected(site, d.reason()));
        }
      };
    }

    private ReplyEffect<SiteEvent, SiteStatistics> batch(SiteStatistics.BatchDecision d, ActorRef<Reply> replyTo) {
      for (SiteStatistics.Refusal r : d.refused()) {
        if (r.outcome() == Decision.Outcome.REJECTED) {
          ctx.getLog().warn("collector {}: rejected report {} of a batch: {}", site, r.index(), r.reason());
        }
      }
      Batch answer = new Batch(site, d.recorded(), d.refused());
      return d.events().isEmpty() ? Effect().reply(replyTo, answer) : Effect().persist(d.events()).thenReply(replyTo, s -> answer);
    }

    /**
     * The gathered messages' reports decided as one batch, in order (a report duplicating one of an
     * earlier message refused as a duplicate), written in one persist; each message then answered as
     * alone: a {@link Report} accepted, duplicate or rejected, a {@link Reports} by its {@link Batch}.
     */
    private ReplyEffect<SiteEvent, SiteStatistics> gathered(SiteStatistics s, Gathered c) {
      List<SensorReport> all = new java.util.ArrayList<>();
      for (Command m : c.messages()) {
        if (m instanceof Report r) {
          all.add(r.report());
        } else if (m instanceof Reports r) {
          all.addAll(r.reports());
        }
      }
      SiteStatistics.BatchDecision d = s.decideReports(all, clock.epochMillis(), settings);
      List<Runnable> answers = new java.util.ArrayList<>(c.messages().size());
      int offset = 0;
      int k = 0;
      List<SiteStatistics.Refusal> refused = d.refused();
      for (Command m : c.messages()) {
        int size = m instanceof Reports r ? r.reports().size() : 1;
        List<SiteStatistics.Refusal> mine = new java.util.ArrayList<>();
        for (; k < refused.size() && refused.get(k).index() < offset + size; k++) {
          SiteStatistics.Refusal f = refused.get(k);
          mine.add(new SiteStatistics.Refusal(f.index() - offset, f.outcome(), f.reason()));
          if (f.outcome() == Decision.Outcome.REJECTED) {
            ctx.getLog().warn("collector {}: rejected{}: {}", site, m instanceof Reports ? " report " + (f.index() - offset) + " of a batch" : "", f.reason());
          }
        }
        if (m instanceof Reports r) {
          Batch answer = new Batch(site, size - mine.size(), mine);
          answers.add(() -> r.replyTo().tell(answer));
        } else if (m instanceof Report r) {
          Reply answer = mine.isEmpty() ? new Accepted(site)
              : mine.get(0).outcome() == Decision.Outcome.DUPLICATE ? new Duplicate(site, mine.get(0).reason()) : new Rejected(site, mine.get(0).reason());
          answers.add(() -> r.replyTo().tell(answer));
        }
        offset += size;
      }
      if (d.events().isEmpty()) {
        answers.forEach(Runnable::run);
        return Effect().reply(c.replyTo(), new Written(c.write()));
      }
      return Effect().persist(d.events()).thenRun(after -> answers.forEach(Runnable::run)).thenReply(c.replyTo(), after -> new Written(c.write()));
    }

    @Override
    public EventHandler<SiteStatistics, SiteEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SiteStatistics::apply);
    }
  }
}
