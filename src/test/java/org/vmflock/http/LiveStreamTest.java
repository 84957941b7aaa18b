package org.vmflock.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.testing.TestConfigs;

/**
 * The live stream's clients each have a bounded buffer: one that reads nothing is dropped once it
 * falls that far behind, with the reason, while one that keeps up gets every event; the manager's
 * observer call never waits for either.
 */
class LiveStreamTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 8;
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static KnowledgeEvent priceOf(int n) {
    return new KnowledgeEvent.SiteChanged("lyon", n, new EnvironmentChange.Price("*", Instant.EPOCH, n / 100.0), Instant.EPOCH.plusSeconds(n),
        true, false);
  }

  @Test
  void aClientThatFallsBehindItsBufferIsDroppedAndOneThatKeepsUpGetsEveryEvent() throws Exception {
    LiveStream live = new LiveStream(kit.system(), BUFFER, Duration.ofSeconds(5));
    List<JsonNode> fast = new CopyOnWriteArrayList<>();
    live.subscribe().runWith(Sink.foreach(e -> fast.add(JSON.readTree(e.getData()))), kit.system());
    // subscribed and never read: its buffer fills
    Source<ServerSentEvent, NotUsed> slow = live.subscribe();
    assertEquals(2, live.clients());

    int events = 3 * BUFFER;
    for (int n = 1; n <= events; n++) {
      live.persisted(List.of(priceOf(n), new KnowledgeEvent.CycleCompleted(n, Instant.EPOCH)), Knowledge.empty());
      int expected = n + 1;
      // one at a time, so that the client that keeps up is never behind by more than one
      await().atMost(Duration.ofSeconds(20)).until(() -> fast.size() == expected);
    }
    assertEquals("subscribed", fast.get(0).get("type").asText());
    for (int n = 1; n <= events; n++) {
      JsonNode e = fast.get(n);
      assertEquals("site", e.get("type").asText(), e.toString());
      assertEquals("lyon", e.get("site").asText());
      assertEquals(n, e.get("number").asInt());
      assertEquals(n / 100.0, e.get("change").get("pricePerVmHour").asDouble(), 1e-12, e.toString());
    }
    assertEquals(1, live.dropped(), "the client that read nothing");
    assertEquals(1 + BUFFER, live.droppedEvents(), "its full buffer and the event that did not fit");
    assertEquals(1, live.clients());

    CompletionStage<Done> late = slow.runWith(Sink.ignore(), kit.system());
    try {
      late.toCompletableFuture().get(20, TimeUnit.SECONDS);
      throw new AssertionError("the dropped client's stream ended normally");
    } catch (ExecutionException e) {
      assertTrue(e.getCause().getMessage().contains("fell " + BUFFER + " events behind"), e.getCause().toString());
    }
  }

  @Test
  void eventsNoClientSeesAreNotKept() {
    LiveStream live = new LiveStream(kit.system(), BUFFER, Duration.ofSeconds(5));
    for (int n = 1; n <= 3 * BUFFER; n++) {
      live.persisted(List.of(priceOf(n)), Knowledge.empty());
    }
    List<JsonNode> seen = new CopyOnWriteArrayList<>();
    live.subscribe().runWith(Sink.foreach(e -> seen.add(JSON.readTree(e.getData()))), kit.system());
    live.persisted(List.of(priceOf(100)), Knowledge.empty());
    await().atMost(Duration.ofSeconds(20)).until(() -> seen.size() == 2);
    assertEquals(List.of("subscribed", "site"), seen.stream().map(e -> e.get("type").asText()).toList());
    assertEquals(100, seen.get(1).get("number").asInt(), "only what happened after it subscribed");
  }
}
