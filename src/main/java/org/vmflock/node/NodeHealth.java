package org.vmflock.node;

import java.time.Duration;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.vmflock.CborSerializable;
import org.vmflock.http.Readiness;

/**
 * Whether a node is ready ({@code GET /health/ready}): it is an Up member of its cluster, and its
 * journal takes a write — a small event-sourced probe of its own persists one event and answers once
 * it is durable (its older events deleted as it snapshots, so the probe's history stays a few rows).
 */
public final class NodeHealth {

  /** How long a write round-trip may take before the journal counts as failing. */
  static final Duration JOURNAL_PATIENCE = Duration.ofSeconds(3);
  private static final int KEEP_EVENTS = 20;

  private final ActorSystem<?> system;
  private final ActorRef<Probe> probe;

  NodeHealth(ActorSystem<?> system, ActorRef<Probe> probe) {
    this.system = system;
    this.probe = probe;
  }

  /** The probe's behavior, its persistence id naming the node's address (one probe per node of a shared journal). */
  static Behavior<Probe> probe(ActorSystem<?> system) {
    String address = Cluster.get(system).selfMember().address().toString();
    return new JournalProbe(PersistenceId.of("vmflock-health", address.replaceAll("[^A-Za-z0-9.:@_-]", "_")), system);
  }

  /** The cluster membership and the journal, checked now. */
  public CompletionStage<Readiness> readiness() {
    MemberStatus status = Cluster.get(system).selfMember().status();
    boolean up = status.equals(MemberStatus.up());
    String member = status.toString().replace("$", "").replace("MemberStatus", "");
    long started = System.nanoTime();
    return AskPattern.<Probe, Written>ask(probe, Probe::new, JOURNAL_PATIENCE, system.scheduler())
        .handle((w, error) -> {
          TreeMap<String, String> checks = new TreeMap<>();
          checks.put("cluster", (up ? "up" : "not up: ") + (up ? "" : member.toLowerCase(Locale.ROOT)));
          boolean journal = error == null;
          checks.put("journal", journal ? String.format(Locale.ROOT, "ok: an event written in %.1f ms", (System.nanoTime() - started) / 1e6)
              : "failing: no write acknowledged within " + JOURNAL_PATIENCE.toSeconds() + " s (" + error.getClass().getSimpleName() + ")");
          return new Readiness(up && journal, checks);
        });
  }

  /** Whether the node's actor system runs (it answers at all: {@code GET /health/live}). */
  public boolean live() {
    return !system.whenTerminated().isCompleted();
  }

  /** Write an event, and say when it is durable. */
  public record Probe(ActorRef<Written> replyTo) implements CborSerializable {}

  public record Written(long number) implements CborSerializable {}

  private static final class JournalProbe extends EventSourcedBehavior<Probe, Written, Long> {
    JournalProbe(PersistenceId id, ActorSystem<?> system) {
      super(id, org.vmflock.JournalFailureBackoff.of(system));
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public CommandHandler<Probe, Written, Long> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Probe.class, (n, c) -> Effect().persist(new Written(n + 1)).thenReply(c.replyTo(), after -> new Written(after)))
          .build();
    }

    @Override
    public EventHandler<Long, Written> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((n, e) -> e.number());
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(KEEP_EVENTS, 1).withDeleteEventsOnSnapshot();
    }
  }
}
