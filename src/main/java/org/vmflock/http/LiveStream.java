package org.vmflock.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.vmflock.control.ManagerObserver;
import org.vmflock.control.StatusPage;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;

/**
 * The node's live stream ({@code GET /api/stream}, Server-Sent Events): the manager's decisions,
 * its migrations' progress (started, each step, completed, rolled back...) and the sites' changes
 * (price, capacity, availability, speed...), each a JSON object with a {@code type}, as the manager
 * makes them durable ({@link ManagerObserver}: nothing polls). Each client has a bounded buffer of
 * its own; a client that falls that far behind is dropped (its stream fails, the connection
 * closes), never the manager held: {@link #persisted} only offers, on the manager's thread.
 * The stream carries what the manager of this node does: on a cluster, the node hosting it.
 */
public final class LiveStream implements ManagerObserver {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final int bufferPerClient;
  private final Duration heartbeat;
  private final Set<BoundedSourceQueue<ServerSentEvent>> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong droppedEvents = new AtomicLong();

  public LiveStream(ActorSystem<?> system, int bufferPerClient, Duration heartbeat) {
    if (bufferPerClient < 1) {
      throw new IllegalArgumentException("vmflock.http.stream.buffer-per-client is at least 1, not " + bufferPerClient);
    }
    this.system = system;
    this.bufferPerClient = bufferPerClient;
    this.heartbeat = heartbeat;
  }

  /** From {@code vmflock.http.stream}. */
  public static LiveStream of(ActorSystem<?> system, Config config) {
    return new LiveStream(system, config.getInt("vmflock.http.stream.buffer-per-client"), config.getDuration("vmflock.http.stream.heartbeat"));
  }

  /**
   * A new client's events: first {@code {"type":"subscribed"}} (once it arrives, every later event
   * reaches this client), then every event as it happens, and a heartbeat comment when quiet.
   */
  public Source<ServerSentEvent, NotUsed> subscribe() {
    Pair<BoundedSourceQueue<ServerSentEvent>, Source<ServerSentEvent, NotUsed>> q =
        Source.<ServerSentEvent>queue(bufferPerClient).preMaterialize(system);
    BoundedSourceQueue<ServerSentEvent> queue = q.first();
    queue.offer(event(JSON.createObjectNode().put("type", "subscribed").put("bufferPerClient", bufferPerClient)));
    clients.add(queue);
    return q.second().watchTermination((notUsed, done) -> {
      done.whenComplete((d, error) -> clients.remove(queue));
      return NotUsed.notUsed();
    }).keepAlive(heartbeat, ServerSentEvent::heartbeat);
  }

  /** Clients listening now. */
  public int clients() {
    return clients.size();
  }

  /** Clients dropped for falling behind, since the start. */
  public long dropped() {
    return dropped.get();
  }

  /** Events the dropped clients never got, since the start: each one's event that did not fit and those left in its buffer. */
  public long droppedEvents() {
    return droppedEvents.get();
  }

  @Override
  public void persisted(List<KnowledgeEvent> events, Knowledge after) {
    if (clients.isEmpty()) {
      return;
    }
    for (KnowledgeEvent e : events) {
      describe(e, after).ifPresent(this::publish);
    }
  }

  private void publish(ObjectNode o) {
    ServerSentEvent sse = event(o);
    for (BoundedSourceQueue<ServerSentEvent> client : clients) {
      QueueOfferResult r = client.offer(sse);
      if (r == QueueOfferResult.dropped()) {
        clients.remove(client);
        dropped.incrementAndGet();
        droppedEvents.addAndGet(1 + client.size());
        client.fail(new IllegalStateException("this client fell " + bufferPerClient + " events behind (vmflock.http.stream.buffer-per-client)"));
      } else if (r != QueueOfferResult.enqueued()) {
        clients.remove(client); // closed or failed: the client left
      }
    }
  }

  private static ServerSentEvent event(ObjectNode o) {
    return ServerSentEvent.create(o.toString(), o.get("type").asText());
  }

  /** What a client sees of {@code e}, if anything: decisions, migrations' progress, sites' changes. */
  static Optional<ObjectNode> describe(KnowledgeEvent e, Knowledge after) {
    if (e instanceof KnowledgeEvent.DecisionMade d) {
      return Optional.of(typed("decision", StatusDocument.decision(StatusPage.decision(d.decision()))));
    }
    if (e instanceof KnowledgeEvent.MigrationStarted m) {
      return migration(after, m.migrationId(), "started");
    }
    if (e instanceof KnowledgeEvent.MigrationProgressed m) {
      return migration(after, m.migrationId(), "step");
    }
    if (e instanceof KnowledgeEvent.MigrationEnded m) {
      return migration(after, m.migrationId(), m.status().name().toLowerCase(Locale.ROOT).replace('_', ' '));
    }
    if (e instanceof KnowledgeEvent.SiteChanged s && s.changed()) {
      return Optional.of(typed("site", ResourceDocuments.siteChange(s.site(), s.number(), s.at(), s.change())));
    }
    if (e instanceof KnowledgeEvent.SiteCaughtUp s && s.changed()) {
      return Optional.of(JSON.createObjectNode().put("type", "site").put("site", s.environment().name()).put("number", s.number())
          .put("at", s.at().toString()).put("caughtUp", true));
    }
    return Optional.empty();
  }

  private static Optional<ObjectNode> migration(Knowledge after, String id, String phase) {
    Optional<MigrationRecord> m = Optional.ofNullable(after.migrations().get(id));
    List<MigrationRecord> history = after.history();
    for (int i = history.size() - 1; m.isEmpty() && i >= 0; i--) {
      if (history.get(i).id().equals(id)) {
        m = Optional.of(history.get(i));
      }
    }
    return m.map(r -> {
      ObjectNode o = typed("migration", StatusDocument.migration(StatusPage.migration(r, Optional.ofNullable(after.migrationProgress().get(id)))));
      o.put("phase", phase);
      return o;
    });
  }

  /** {@code fields} with {@code "type": type} first. */
  private static ObjectNode typed(String type, ObjectNode fields) {
    ObjectNode o = JSON.createObjectNode().put("type", type);
    o.setAll(fields);
    return o;
  }
}
