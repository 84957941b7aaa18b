package org.vmflock.node;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
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

  /** One ask's patience: a site actor's shard moving between nodes (one joining) may drop a message, so it is asked again. */
  private static final Duration ATTEMPT = Duration.ofSeconds(10);
  /** How long a site may take to answer in all, over its attempts. */
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  private SiteDefinitions() {}

  /**
   * Each of the scenario's sites as its site actor holds it once defined, by name. Every ask is
   * repeated until {@link #PATIENCE} passes (reading is harmless; a definition whose reply was lost is
   * found done at the next reading, and one refused because another node defined the site first is
   * taken as it is).
   *
   * @throws InvalidInputException a site the actor refuses to define (naming the scenario)
   * @throws IllegalStateException a site that does not answer within {@link #PATIENCE}
   */
  static Map<String, SiteActor.EnvironmentView> define(VmflockNode node, Scenario scenario, Instant pricesFrom) {
    Map<String, SiteActor.EnvironmentView> views = new TreeMap<>();
    for (Site s : scenario.infra().sites()) {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      String refused = null;
      while (true) {
        Optional<SiteActor.EnvironmentView> view = attempt(node, "asking site " + s.name() + " its environment", () -> AskPattern.ask(
            node.sites().apply(s.name()), (ActorRef<SiteActor.EnvironmentView> r) -> new SiteActor.GetEnvironment(pricesFrom, r), ATTEMPT,
            node.system().scheduler()));
        if (view.isPresent() && view.get().environment().defined()) {
          views.put(s.name(), view.get());
          break;
        }
        if (refused != null) {
          throw new InvalidInputException(scenario.source().toString(), refused);
        }
        if (view.isPresent()) {
          EnvironmentChange.Define define = EnvironmentChange.Define.in(scenario.infra(), s.withHosting(s.hosting().knownAt(scenario.start())));
          Optional<SiteActor.Reply> r = attempt(node, "defining site " + s.name(), () -> AskPattern.ask(node.sites().apply(s.name()),
              (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(define, ref), ATTEMPT, node.system().scheduler()));
          if (r.isPresent() && r.get() instanceof SiteActor.Rejected rej) {
            refused = rej.reason(); // unless another node defined it meanwhile: read again
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("site " + s.name() + " did not answer within " + PATIENCE.toSeconds()
              + " s (asked every " + ATTEMPT.toSeconds() + " s): is a node with role site up?");
        }
      }
    }
    return views;
  }

  /** One ask; empty, logged, when it fails or times out. */
  private static <T> Optional<T> attempt(VmflockNode node, String what, java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> ask) {
    try {
      return Optional.of(VmflockNode.await(ask.get(), what, ATTEMPT.plusSeconds(1)));
    } catch (IllegalStateException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw e;
      }
      node.system().log().warn("{}: {}; asking again", what, e.getMessage());
      return Optional.empty();
    }
  }
}
