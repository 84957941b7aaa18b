package org.vmflock.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.NodeHealth;
import org.vmflock.node.VmflockNode;
import org.vmflock.testing.TestConfigs;

/**
 * {@code GET /health/ready} of a real node (its cluster, its H2 journal, its HTTP endpoint) answers
 * 503 with the reason while the node is not an Up member of its cluster and while its journal takes
 * no write, and 200 once both hold: the node starts with a seed node nobody runs (so it stays out of
 * any cluster) and then joins itself; the journal's table is renamed away from another connection to
 * the same database, and back.
 */
class ReadinessTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void readyOnlyWhenAnUpMemberWhoseJournalTakesAWrite(@TempDir Path dir) throws Exception {
    // the journal plugin's circuit breaker, open after 10 failures, would fail every call for 30 s after the table is back
    var config = TestConfigs.node(dir, Map.of("pekko.cluster.seed-nodes", List.of("pekko://readiness@127.0.0.1:9"),
        "vmflock.journal.failure-backoff.max", "2s", "jdbc-journal.circuit-breaker.reset-timeout", "2s",
        "jdbc-snapshot-store.circuit-breaker.reset-timeout", "2s"));
    try (VmflockNode node = VmflockNode.start("readiness", config, Clock.system())) {
      NodeHealth health = node.health();
      ServerBinding binding = ApiServer.start(new ApiServer.Backend(node.system(), node.system().ignoreRef(),
          site -> node.system().ignoreRef(), Clock.system(), Optional.empty(), Optional.empty(), Optional.empty(),
          new ApiServer.Operations(Optional.of(node.metrics()), health::readiness, health::live, Optional.empty())), ApiToken.of("readiness-test-token-0123456789"),
          "127.0.0.1", 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
      String ready = "http://127.0.0.1:" + binding.localAddress().getPort() + "/health/ready";
      try {
        JsonNode outside = await(ready, 503, checks -> checks.get("cluster").asText().startsWith("not up"));
        assertEquals("not ready", outside.get("status").asText(), outside.toString());
        assertEquals(200, get(ready.replace("/ready", "/live")).statusCode(), "alive all the same");

        Cluster cluster = Cluster.get(node.system());
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
        JsonNode up = await(ready, 200, checks -> checks.get("cluster").asText().equals("up"));
        assertEquals("ready", up.get("status").asText());
        assertTrue(up.get("checks").get("journal").asText().startsWith("ok: an event written in"), up.toString());

        String url = NodeConfig.h2Url(config);
        rename(url, "\"event_journal\"", "\"event_journal_away\"");
        JsonNode failing = await(ready, 503, checks -> checks.get("journal").asText().startsWith("failing"));
        assertEquals("up", failing.get("checks").get("cluster").asText(), "the cluster is not what fails: " + failing);
        rename(url, "\"event_journal_away\"", "\"event_journal\"");
        await(ready, 200, checks -> checks.get("journal").asText().startsWith("ok"));
      } finally {
        binding.unbind().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Asks {@code url} until it answers {@code status} with checks that pass {@code expected}; the answer, or an error naming the last one. */
  private static JsonNode await(String url, int status, Predicate<JsonNode> expected) {
    AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
    try {
      Awaitility.await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
        HttpResponse<String> r = get(url);
        last.set(r);
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        return r.statusCode() == status && expected.test(JSON.readTree(r.body()).get("checks"));
      });
      return JSON.readTree(last.get().body());
    } catch (ConditionTimeoutException | java.io.IOException e) {
      HttpResponse<String> r = last.get();
      throw new AssertionError("no " + status + " as expected from " + url + " within " + DEADLINE.toSeconds() + " s; last: "
          + (r == null ? "none" : r.statusCode() + " " + r.body()), e);
    }
  }

  private static void rename(String url, String from, String to) throws Exception {
    try (Connection c = new org.h2.Driver().connect(url, new java.util.Properties()); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE PUBLIC." + from + " RENAME TO " + to);
    }
  }
}
