package org.vmflock.manager;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.model.Application;
import org.vmflock.model.TrafficMatrix;

/**
 * Submits an application to the manager in messages that stay small however large its traffic: the
 * parts of its traffic first ({@link MigrationManager.SubmitTraffic}), then the submission with the
 * first part ({@link MigrationManager.Submit}), all from one sender, so that they arrive in order.
 */
public final class Submissions {

  private static final java.util.concurrent.atomic.AtomicLong NEXT = new java.util.concurrent.atomic.AtomicLong();

  private Submissions() {}

  /** The messages that submit {@code app}, in the order to send them; the last one is answered to {@code replyTo}. */
  public static List<MigrationManager.Command> messages(Application app, Map<String, String> placement, ActorRef<MigrationManager.Reply> replyTo) {
    return messages(app, placement, Optional.empty(), replyTo);
  }

  /** The messages that submit {@code app}, or announce it if it {@code arrives} later. */
  static List<MigrationManager.Command> messages(Application app, Map<String, String> placement, Optional<Instant> arrives,
      ActorRef<MigrationManager.Reply> replyTo) {
    TrafficMatrix t = app.workload().trafficPerWork();
    List<TrafficMatrix> parts = t.parts(KnowledgeEvent.cellsPerEvent(t.vms()));
    List<MigrationManager.Command> out = new ArrayList<>();
    parts.subList(1, parts.size()).forEach(p -> out.add(new MigrationManager.SubmitTraffic(app.name(), p)));
    out.add(new MigrationManager.Submit(app.withWorkload(app.workload().withTraffic(parts.get(0))), placement, parts.size(), arrives, replyTo));
    return out;
  }

  /** Submits {@code app} from a short-lived actor of {@code system}; its answer, or a {@link java.util.concurrent.TimeoutException} after {@code timeout}. */
  public static CompletionStage<MigrationManager.Reply> submit(ActorSystem<?> system, RecipientRef<MigrationManager.Command> manager,
      Application app, Map<String, String> placement, Duration timeout) {
    return send(system, manager, app, placement, Optional.empty(), timeout);
  }

  /** Announces {@code app}, which {@code arrives} later, as {@link #submit} submits it. */
  public static CompletionStage<MigrationManager.Reply> announce(ActorSystem<?> system, RecipientRef<MigrationManager.Command> manager,
      Application app, Instant arrives, Duration timeout) {
    return send(system, manager, app, Map.of(), Optional.of(arrives), timeout);
  }

  private static CompletionStage<MigrationManager.Reply> send(ActorSystem<?> system, RecipientRef<MigrationManager.Command> manager,
      Application app, Map<String, String> placement, Optional<Instant> arrives, Duration timeout) {
    CompletableFuture<MigrationManager.Reply> answer = new CompletableFuture<>();
    Behavior<MigrationManager.Reply> submitter = Behaviors.setup(ctx -> {
      messages(app, placement, arrives, ctx.getSelf()).forEach(manager::tell);
      MigrationManager.Rejected timedOut = new MigrationManager.Rejected("the manager did not answer within " + timeout.toSeconds() + " s");
      ctx.setReceiveTimeout(timeout, timedOut);
      return Behaviors.receiveMessage(reply -> {
        if (reply == timedOut) {
          // no answer is not a refusal: the submission may have been taken
          answer.completeExceptionally(new java.util.concurrent.TimeoutException(timedOut.reason()));
        } else {
          answer.complete(reply);
        }
        return Behaviors.stopped();
      });
    });
    system.systemActorOf(submitter, "submit-" + NEXT.incrementAndGet(), Props.empty());
    return answer;
  }
}
