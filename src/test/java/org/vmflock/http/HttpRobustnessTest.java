package org.vmflock.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.control.StatusPage;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.testing.TestConfigs;

/**
 * The HTTP endpoint under hostile and heavy use, with the node's own pekko-http settings
 * (vmflock-base.conf) and a manager and site actors that accept everything: slow connections held
 * open do not make it unavailable, a burst of valid events is all accepted, an oversized body is 413
 * and a body that is not JSON 415, both answered in JSON, and a request never makes the node read a
 * file it names.
 */
class HttpRobustnessTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SLOW_CONNECTIONS = 1100;

  private static final ApiToken TOKEN = ApiToken.of("robustness-test-token-0123456789");
  private static ActorTestKit kit;
  private static ServerBinding binding;
  private static String url;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    kit = ActorTestKit.create(TestConfigs.localWithInMemoryJournal());
    Site lyon = new Site("lyon", new Capacity(8, 32, 64L << 30), 1, PriceSchedule.flat(0.1), 0, Map.of(),
        new NetworkPath(Duration.ofMillis(1), 1e9), List.of());
    SiteEnvironment env = SiteEnvironment.undefined("lyon").apply(new EnvironmentChange.Define(lyon, List.of(), Optional.empty()));
    Knowledge knowledge = Knowledge.empty().apply(new KnowledgeEvent.EnvironmentSeen(env, NOW));
    ActorRef<MigrationManager.Command> manager = kit.spawn(Behaviors.receive(MigrationManager.Command.class)
        .onMessage(MigrationManager.GetStatus.class, g -> {
          g.replyTo().tell(StatusPage.of(knowledge, g.query(), NOW));
          return Behaviors.same();
        })
        .onMessage(MigrationManager.Submit.class, s -> {
          s.replyTo().tell(new MigrationManager.Accepted(s.app().name()));
          return Behaviors.same();
        })
        .build());
    Behavior<SiteActor.Command> acceptingSite = Behaviors.receive(SiteActor.Command.class)
        .onMessage(SiteActor.Change.class, c -> {
          c.replyTo().tell(new SiteActor.Accepted("lyon"));
          return Behaviors.same();
        })
        .build();
    ActorRef<SiteActor.Command> site = kit.spawn(acceptingSite);
    binding = ApiServer.start(new ApiServer.Backend(kit.system(), manager, name -> site, new ManualClock(NOW), Optional.empty(),
        Optional.empty()), TOKEN, "127.0.0.1", 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
    url = "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (binding != null) {
      binding.unbind().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    kit.shutdownTestKit();
  }

  private static HttpResponse<String> post(String contentType, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url + "/api/events")).header("Content-Type", contentType).header("Authorization", TOKEN.authorization())
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> health() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url + "/health")).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void slowConnectionsHeldOpenDoNotMakeTheNodeUnavailable() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < SLOW_CONNECTIONS; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", binding.localAddress().getPort()), 10_000);
        // a request that never ends: headers started, never finished
        s.getOutputStream().write("POST /api/events HTTP/1.1\r\nHost: vmflock\r\nContent-Type: application/json\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        s.setSoTimeout(100);
        slow.add(s);
      }
      HttpResponse<String> h = health();
      assertEquals(200, h.statusCode(), h.body());
      assertEquals("up", JSON.readTree(h.body()).get("status").asText());
      // and the server lets them go: a connection that sends nothing for idle-timeout (10 s) is closed
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> slow.stream().allMatch(HttpRobustnessTest::closedByServer));
      assertEquals(200, health().statusCode());
    } finally {
      for (Socket s : slow) {
        s.close();
      }
    }
  }

  /** The answer; empty when the connection was not taken in time (the server's backlog full: overload, as a 503 is). */
  private static Optional<HttpResponse<String>> answerOrOverload(CompletableFuture<HttpResponse<String>> answer) throws Exception {
    try {
      return Optional.of(answer.get(120, TimeUnit.SECONDS));
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof java.net.http.HttpConnectTimeoutException) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private CompletableFuture<HttpResponse<String>> sendSpeed(int i) {
    String body = "{\"type\":\"speed\",\"site\":\"lyon\",\"cpuSpeed\":" + (1 + i / 1000.0) + "}";
    return http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/api/events")).header("Content-Type", "application/json")
        .header("Authorization", TOKEN.authorization()).timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static boolean closedByServer(Socket s) {
    try {
      InputStream in = s.getInputStream();
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by the server
    }
  }

  /**
   * 500 valid events at once are all accepted. On a machine loaded enough, some wait past the
   * server's request timeout and get 503 (overload, "try again"): each such event is sent again,
   * as a client should, and must then be accepted; any other answer fails. (Events here set a
   * site's speed: applying one twice changes nothing.) How fast they are taken is a benchmark's
   * business, not this test's.
   */
  @Test
  void fiveHundredConcurrentValidEventsAreAllAccepted() throws Exception {
    Map<Integer, CompletableFuture<HttpResponse<String>>> answers = new java.util.TreeMap<>();
    for (int i = 0; i < 500; i++) {
      answers.put(i, sendSpeed(i));
    }
    int overloaded = 0;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    for (int i = 0; i < 500; i++) {
      Optional<HttpResponse<String>> r = answerOrOverload(answers.get(i));
      while (r.map(a -> a.statusCode() == 503).orElse(true) && System.nanoTime() < deadline) {
        overloaded++;
        r = answerOrOverload(sendSpeed(i));
      }
      assertTrue(r.isPresent(), "event " + i + ": never connected");
      assertEquals(200, r.get().statusCode(), "event " + i + ": " + r.get().body());
    }
    System.out.println("500 concurrent events accepted; " + overloaded + " were refused for overload (503, or a connection the full "
        + "backlog did not take in time) and sent again");
    assertEquals(200, health().statusCode());
  }

  @Test
  void aTenMegabyteBodyIs413AnsweredInJson() throws Exception {
    // announced, not sent: see OversizedRequest; answered every time before the connection closes (no reset first)
    org.vmflock.testing.OversizedRequest.Answer r = null;
    for (int i = 0; i < 50; i++) {
      r = org.vmflock.testing.OversizedRequest.post(url, "/api/events", 10 << 20, Optional.of(TOKEN.authorization()));
      assertEquals(413, r.status(), "request " + i + ": " + r.body());
      assertTrue(r.closedCleanly(), "request " + i + ": the connection was reset after the answer, not closed");
    }
    assertEquals("application/json", r.contentType());
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("larger than"), r.body());
  }

  @Test
  void anEventThatIsNotJsonIs415AnsweredInJson() throws Exception {
    HttpResponse<String> r = post("text/plain", "{\"type\":\"speed\",\"site\":\"lyon\",\"cpuSpeed\":1.2}");
    assertEquals(415, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("application/json"), r.body());
    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(url + "/api/nothing")).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode());
    assertTrue(JSON.readTree(missing.body()).has("error"), missing.body());
  }

  @Test
  void aRequestNeverMakesTheNodeReadAFileItNames() throws Exception {
    HttpResponse<String> r = post("application/json",
        "{\"type\":\"submit\",\"application\":{\"name\":\"x\",\"vms\":2,\"work\":\"1h\",\"traffic\":\"/etc/shadow\"}}");
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("this node reads no file named in a request"), r.body());
  }

  @Test
  void numbersOutOfRangeAre400NamingTheField() throws Exception {
    Map<String, String> refused = Map.of(
        "{\"type\":\"speed\",\"site\":\"lyon\",\"cpuSpeed\":1e308}", "speed.cpu-speed: a CPU speed is between 0.001 and 1000",
        "{\"type\":\"speed\",\"site\":\"lyon\",\"cpuSpeed\":1e-300}", "speed.cpu-speed: a CPU speed is between 0.001 and 1000",
        "{\"type\":\"price\",\"site\":\"lyon\",\"perVmHour\":1e308}", "price.per-vm-hour: a price per VM-hour is between 0 and 10000",
        "{\"type\":\"submit\",\"application\":{\"name\":\"big\",\"vms\":1000000000,\"work\":\"1h\"}}",
        "submitted application:1: application big.vms: an application's number of VMs is between 1 and 1024",
        "{\"type\":\"speed\",\"site\":\"lyon\",\"cpuSpeedx\":1.2}", "event.cpuSpeedx: unknown field");
    for (Map.Entry<String, String> e : refused.entrySet()) {
      HttpResponse<String> r = post("application/json", e.getKey());
      assertEquals(400, r.statusCode(), e.getKey() + " -> " + r.body());
      JsonNode error = JSON.readTree(r.body()).get("error");
      assertTrue(error.asText().contains(e.getValue()), e.getKey() + " -> " + r.body());
    }
  }
}
