package org.vmflock.node;

import org.vmflock.monitor.HostMonitor;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.StatisticsView;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.Clock;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.stats.QueryType;
import org.vmflock.monitor.stats.StatisticsQuery;
import org.vmflock.node.VmflockNode;

/**
 * The steps a replay and a live capture share: start a host's monitor and wait until its VMs are
 * registered, wait until every report is acknowledged, and read the observed periods back with a
 * DETAILED query, as any client of the collectors would.
 */
final class Observation {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);

  private Observation() {}

  static ActorRef<HostMonitor.Command> startMonitor(VmflockNode node, String host, org.apache.pekko.actor.typed.Behavior<HostMonitor.Command> behavior) {
    ActorRef<HostMonitor.Command> monitor = node.spawn(behavior, "host-" + host);
    VmflockNode.await(AskPattern.ask(monitor, HostMonitor.AwaitReady::new, READY_TIMEOUT, node.system().scheduler()),
        "registering the VMs of host " + host + " with their collectors", READY_TIMEOUT);
    return monitor;
  }

  static HostMonitor.Drained drain(VmflockNode node, ActorRef<HostMonitor.Command> monitor) {
    return VmflockNode.await(AskPattern.ask(monitor, HostMonitor.Drain::new, DRAIN_TIMEOUT, node.system().scheduler()),
        "reporting to the collectors", DRAIN_TIMEOUT);
  }

  /** Every period from {@code first} to {@code last}, waiting for the collectors to complete them. */
  static QueryAnswer.Statistics periods(VmflockNode node, VmInventory inventory, long first, long last, Clock clock) {
    MonitorSettings settings = node.monitorSettings();
    ActorRef<StatisticsView.Command> view = node.spawn(
        StatisticsView.create(inventory.sites(), settings, clock, node.collectors()), "");
    StatisticsQuery query = StatisticsQuery.of(QueryType.DETAILED, Math.toIntExact(last - first + 1))
        .endingAt(last)
        .waitingAtMost(settings.collector().grace().plus(settings.collectorTimeout()));
    Duration timeout = query.maxWait().plus(settings.collectorTimeout()).multipliedBy(2);
    QueryAnswer answer = VmflockNode.await(
        AskPattern.ask(view, (ActorRef<QueryAnswer> r) -> new StatisticsView.Query(query, r), timeout, node.system().scheduler()),
        "querying the statistics", timeout);
    if (answer instanceof QueryAnswer.Statistics stats) {
      return stats;
    }
    throw new IllegalStateException("the collectors did not complete the observed periods: " + ((QueryAnswer.Reformulate) answer).reason());
  }
}
