package org.vmflock.monitor;

import java.util.List;
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

  /** The VMs of {@code host} are no longer expected here. */
  public record Deregister(String host, ActorRef<Reply> replyTo) implements Command {}

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

  /** Starts the collectors' shard region on this node (a proxy to it on a node without role {@code site}). */
  public static void initSharding(ClusterSharding sharding, CollectorSettings settings, int snapshotEvery,
      java.time.Duration tickInterval, Clock clock) {
    // one shard per site, on a node of the site when one is up (SitePlacement)
    sharding.init(org.vmflock.site.SiteShardAllocation.of(Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, snapshotEvery, tickInterval, clock))));
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
          .onCommand(Deregister.class, (s, c) -> reply(s.decideDeregister(c.host()), c.replyTo()))
          .onCommand(Report.class, (s, c) -> reply(s.decideReport(c.report(), clock.epochMillis(), settings), c.replyTo()))
          .onCommand(Reports.class, (s, c) -> batch(s.decideReports(c.reports(), clock.epochMillis(), settings), c.replyTo()))
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

    @Override
    public EventHandler<SiteStatistics, SiteEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(SiteStatistics::apply);
    }
  }
}
