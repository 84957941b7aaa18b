package org.vmflock.monitor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.vmflock.CborSerializable;
import org.vmflock.clock.Clock;
import org.vmflock.monitor.stats.GlobalStatistics;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.stats.QueryEvaluator;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.stats.SiteStatistics;
import org.vmflock.monitor.stats.StatisticsQuery;

/**
 * The global statistics view (M5, M6): merges every site's collector and answers queries, waiting,
 * extrapolating or asking to reformulate as {@link QueryEvaluator} decides. One per node; it holds
 * no state of its own beyond the queries that wait.
 */
public final class StatisticsView {

  public sealed interface Command extends CborSerializable {}

  public record Query(StatisticsQuery query, ActorRef<QueryAnswer> replyTo) implements Command {}

  /** The newest period any site's collector holds. */
  public record GetNewestPeriod(ActorRef<NewestPeriod> replyTo) implements Command {}

  /** {@code period} is {@link SiteStatistics#NONE} when no collector holds any period. */
  public record NewestPeriod(long period, List<String> sites) implements CborSerializable {}

  /** Stops the view (the queries still waiting get no answer). */
  public enum Stop implements Command { INSTANCE }

  /** Looks at the collectors again for the waiting queries; sent by a timer, or by a test driving the clock. */
  public enum Poll implements Command { INSTANCE }

  private record Fetched(long queryId, List<SiteSnapshot> snapshots) implements Command {}

  private record FetchFailed(long queryId, String error) implements Command {}

  private record NewestFetched(List<SiteSnapshot> snapshots, ActorRef<NewestPeriod> replyTo) implements Command {}

  public static Behavior<Command> create(List<String> sites, MonitorSettings settings, Clock clock,
      Function<String, RecipientRef<Collector.Command>> collectors) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new View(ctx, timers, sites, settings, clock, collectors).behavior()));
  }

  private static final class View {
    private final ActorContext<Command> ctx;
    private final List<String> sites;
    private final MonitorSettings settings;
    private final Clock clock;
    private final Function<String, RecipientRef<Collector.Command>> collectors;
    private final Map<Long, Waiting> waiting = new HashMap<>();
    private long nextId;

    private record Waiting(StatisticsQuery query, ActorRef<QueryAnswer> replyTo, long receivedAtMillis, boolean fetching) {
      Waiting fetching(boolean f) {
        return new Waiting(query, replyTo, receivedAtMillis, f);
      }
    }

    View(ActorContext<Command> ctx, TimerScheduler<Command> timers, List<String> sites, MonitorSettings settings, Clock clock,
        Function<String, RecipientRef<Collector.Command>> collectors) {
      this.ctx = ctx;
      this.sites = List.copyOf(sites);
      this.settings = settings;
      this.clock = clock;
      this.collectors = collectors;
      timers.startTimerWithFixedDelay(Poll.INSTANCE, settings.queryPollInterval());
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Query.class, this::onQuery)
          .onMessage(GetNewestPeriod.class, this::onGetNewest)
          .onMessage(NewestFetched.class, this::onNewestFetched)
          .onMessageEquals(Poll.INSTANCE, this::onPoll)
          .onMessage(Fetched.class, this::onFetched)
          .onMessage(FetchFailed.class, this::onFetchFailed)
          .onMessageEquals(Stop.INSTANCE, Behaviors::stopped)
          .build();
    }

    private Behavior<Command> onQuery(Query q) {
      long id = nextId++;
      waiting.put(id, new Waiting(q.query(), q.replyTo(), clock.epochMillis(), false));
      fetch(id);
      return Behaviors.same();
    }

    private Behavior<Command> onPoll() {
      waiting.keySet().stream().filter(id -> !waiting.get(id).fetching()).toList().forEach(this::fetch);
      return Behaviors.same();
    }

    private void fetch(long id) {
      Waiting w = waiting.get(id);
      waiting.put(id, w.fetching(true));
      long newest = QueryEvaluator.newestPeriod(w.query(), emptyView(), clock.epochMillis());
      // one period more than asked: an approximation extrapolates from the period before
      long from = newest - w.query().periods();
      ctx.pipeToSelf(snapshots(from, newest), (s, error) -> s != null ? new Fetched(id, s) : new FetchFailed(id, String.valueOf(error)));
    }

    private GlobalStatistics emptyView() {
      return new GlobalStatistics(List.of(), settings.collector());
    }

    private CompletableFuture<List<SiteSnapshot>> snapshots(long from, long to) {
      List<CompletableFuture<SiteSnapshot>> asks = new ArrayList<>();
      for (String site : sites) {
        asks.add(AskPattern.ask(collectors.apply(site), (ActorRef<SiteSnapshot> r) -> new Collector.GetPeriods(from, to, r),
            settings.collectorTimeout(), ctx.getSystem().scheduler()).toCompletableFuture());
      }
      return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new))
          .thenApply(v -> asks.stream().map(CompletableFuture::join).toList());
    }

    private Behavior<Command> onFetched(Fetched f) {
      Waiting w = waiting.get(f.queryId());
      if (w == null) {
        return Behaviors.same();
      }
      GlobalStatistics g = new GlobalStatistics(f.snapshots(), settings.collector());
      QueryEvaluator.Evaluation e = QueryEvaluator.evaluate(w.query(), g, w.receivedAtMillis(), clock.epochMillis());
      if (e instanceof QueryEvaluator.Answer a) {
        waiting.remove(f.queryId());
        w.replyTo().tell(a.answer());
      } else {
        waiting.put(f.queryId(), w.fetching(false));
      }
      return Behaviors.same();
    }

    private Behavior<Command> onFetchFailed(FetchFailed f) {
      Waiting w = waiting.get(f.queryId());
      if (w == null) {
        return Behaviors.same();
      }
      long now = clock.epochMillis();
      if (now >= w.receivedAtMillis() + w.query().maxWait().toMillis()) {
        waiting.remove(f.queryId());
        long retryAt = now + settings.collectorTimeout().toMillis();
        w.replyTo().tell(new QueryAnswer.Reformulate("a collector did not answer: " + f.error(),
            QueryEvaluator.newestPeriod(w.query(), emptyView(), now), retryAt));
      } else {
        waiting.put(f.queryId(), w.fetching(false));
      }
      return Behaviors.same();
    }

    private Behavior<Command> onGetNewest(GetNewestPeriod g) {
      ctx.pipeToSelf(snapshots(Long.MAX_VALUE, Long.MIN_VALUE), (s, error) -> {
        if (s == null) {
          ctx.getLog().warn("newest period: a collector did not answer: {}", String.valueOf(error));
          return new NewestFetched(List.of(), g.replyTo());
        }
        return new NewestFetched(s, g.replyTo());
      });
      return Behaviors.same();
    }

    private Behavior<Command> onNewestFetched(NewestFetched n) {
      long newest = n.snapshots().stream().mapToLong(SiteSnapshot::newestPeriod).max().orElse(SiteStatistics.NONE);
      n.replyTo().tell(new NewestPeriod(newest, sites));
      return Behaviors.same();
    }
  }
}
