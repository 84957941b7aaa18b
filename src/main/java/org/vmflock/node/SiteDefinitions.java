package org.vmflock.node;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Site;
import org.vmflock.scenario.Scenario;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;

/**
 * A scenario's sites defined at their site actors, as they are at the scenario's start (prices known
 * then), each only if its site actor does not hold it yet: a node started again, or another node of
 * the cluster that defined it first, leaves it as its journal holds it (with the changes accepted since).
 */
final class SiteDefinitions {

  private static final Duration ASK = Duration.ofSeconds(30);

  private SiteDefinitions() {}

  /** Each of the scenario's sites as its site actor holds it once defined, by name. */
  static Map<String, SiteActor.EnvironmentView> define(VmflockNode node, Scenario scenario, Instant pricesFrom) {
    Map<String, SiteActor.EnvironmentView> views = new TreeMap<>();
    for (Site s : scenario.infra().sites()) {
      SiteActor.EnvironmentView view = environment(node, s.name(), pricesFrom);
      if (!view.environment().defined()) {
        EnvironmentChange.Define define = EnvironmentChange.Define.in(scenario.infra(), s.withHosting(s.hosting().knownAt(scenario.start())));
        SiteActor.Reply r = VmflockNode.await(AskPattern.ask(node.sites().apply(s.name()),
            (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(define, ref), ASK,
            node.system().scheduler()), "defining site " + s.name(), ASK);
        if (r instanceof SiteActor.Rejected rej) {
          throw new InvalidInputException(scenario.source().toString(), rej.reason());
        }
        view = environment(node, s.name(), pricesFrom);
      }
      views.put(s.name(), view);
    }
    return views;
  }

  private static SiteActor.EnvironmentView environment(VmflockNode node, String site, Instant pricesFrom) {
    return VmflockNode.await(AskPattern.ask(node.sites().apply(site), (ActorRef<SiteActor.EnvironmentView> r) -> new SiteActor.GetEnvironment(pricesFrom, r),
        ASK, node.system().scheduler()), "asking site " + site + " its environment", ASK);
  }
}
