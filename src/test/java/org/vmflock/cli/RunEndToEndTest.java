package org.vmflock.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.Cli;
import org.vmflock.testing.TestData;

/**
 * {@code vmflock run} + {@code vmflock inject} + {@code GET /api/status} as a user drives them: the
 * node runs in its own JVM (the command line's main class, the installation's configuration, an
 * embedded journal in a fresh data directory), the events go through the inject command, the
 * status is read over HTTP. The node is stopped as a user stops it (SIGTERM).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern URL = Pattern.compile("(http://[0-9.]+:\\d+)/api/status");
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir static Path dir;

  static Process node;
  static String url;
  static final List<String> nodeLog = java.util.Collections.synchronizedList(new ArrayList<>());
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startNode() throws Exception {
    Path scenario = TestData.twoSitesScenario(dir);
    Path home = Path.of("").toAbsolutePath();
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Dvmflock.home=" + home, "-cp", System.getProperty("java.class.path"), VmflockCommand.class.getName(),
        "run", "--scenario", scenario.toString(), "--http-port", "0", "--time-scale", "60", "--period", "10s",
        "--set", "vmflock.data-dir=" + dir.resolve("data"),
        // no periodic re-plan: a decision to stay would come in the middle of a comparison of the knowledge
        "--set", "vmflock.manager.full-replan-every=0");
    node = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).start();
    CompletableFuture<String> address = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          nodeLog.add(line);
          Matcher m = URL.matcher(line);
          if (m.find()) {
            address.complete(m.group(1));
          }
        }
      } catch (IOException e) {
        address.completeExceptionally(e);
      }
      address.completeExceptionally(new IllegalStateException("the node ended before it listened:\n" + String.join("\n", nodeLog)));
    }, "node-output");
    reader.setDaemon(true);
    reader.start();
    url = address.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.destroy(); // SIGTERM, as Ctrl-C or a service manager would
      boolean ended = node.waitFor(60, TimeUnit.SECONDS);
      if (!ended) {
        node.destroyForcibly();
      }
      assertTrue(ended, "the node did not stop on SIGTERM");
    }
  }

  static JsonNode status() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/status")).timeout(org.vmflock.testing.NodeProcess.REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  static JsonNode app(JsonNode status, String name) {
    for (JsonNode a : status.get("applications")) {
      if (a.get("name").asText().equals(name)) {
        return a;
      }
    }
    return null;
  }

  static JsonNode site(JsonNode status, String name) {
    for (JsonNode s : status.get("sites")) {
      if (s.get("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no site " + name + " in " + status);
  }

  /** The knowledge part of the status: everything but the clock and the cycle counter, which move on their own. */
  /**
   * What events can change in a status: without its time, its cycle count, what the applications
   * progressed meanwhile, and the decisions (a periodic re-plan may add a "stays" decision at any
   * moment, and push older ones out of the last-N window): {@link #decisionsSince} checks those.
   */
  static JsonNode knowledge(JsonNode status) {
    com.fasterxml.jackson.databind.node.ObjectNode k = status.deepCopy();
    k.remove("at");
    k.remove("cycles");
    k.remove("decisions");
    ((com.fasterxml.jackson.databind.node.ObjectNode) k.get("totals")).remove("decisions");
    for (JsonNode a : k.get("applications")) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) a).remove(List.of("doneWork", "secondsPerWork", "spent"));
    }
    return k;
  }

  /** The decisions of {@code after} newer than every decision of {@code before}, but "stays" (a periodic re-plan's). */
  static List<String> decisionsSince(JsonNode before, JsonNode after) {
    long last = -1;
    for (JsonNode d : before.get("decisions")) {
      last = Math.max(last, d.get("id").asLong());
    }
    List<String> changed = new java.util.ArrayList<>();
    for (JsonNode d : after.get("decisions")) {
      if (d.get("id").asLong() > last && !d.get("kind").asText().equals("stay")) {
        changed.add(d.toString());
      }
    }
    return changed;
  }

  @Test
  @Order(1)
  void theNodeAnswersWithTheScenariosSitesAndApplication() throws Exception {
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "/health")).timeout(org.vmflock.testing.NodeProcess.REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    await().atMost(PATIENCE).untilAsserted(() -> {
      JsonNode s = status();
      assertEquals(2, s.get("sites").size(), s.toPrettyString());
      JsonNode cg = app(s, "cg");
      assertTrue(cg != null, s.toPrettyString());
      cg.get("placement").forEach(site -> assertEquals("lyon", site.asText(), s.toPrettyString()));
      assertEquals(4, cg.get("placement").size());
      assertTrue(s.get("cycles").asLong() > 0, "the loop has run: " + s);
    });
  }

  @Test
  @Order(2)
  void badEventsAreRefusedWithTheReasonAndChangeNothing() throws Exception {
    JsonNode beforeStatus = status();
    JsonNode before = knowledge(beforeStatus);
    Cli.Run negative = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "price", "--site", "lyon", "--per-vm-hour", "-1");
    assertEquals(ExitCode.INVALID_INPUT, negative.exitCode(), negative.err());
    assertTrue(negative.err().contains("negative") || negative.err().contains("-1"), negative.err());
    Cli.Run unknown = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "price", "--site", "atlantis", "--per-vm-hour", "0.1");
    assertEquals(ExitCode.INVALID_INPUT, unknown.exitCode(), unknown.err());
    assertTrue(unknown.err().contains("atlantis"), unknown.err());
    Cli.Run shrink = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "capacity", "--site", "lyon", "--slots", "2", "--cores", "32", "--memory", "64GiB");
    assertEquals(ExitCode.INVALID_INPUT, shrink.exitCode(), shrink.err());
    Cli.Run past = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "availability", "--site", "nancy", "--until", "2000-01-01T00:00:00Z");
    assertEquals(ExitCode.INVALID_INPUT, past.exitCode(), past.err());
    for (String body : List.of("{", "[]", "{\"type\":\"teleport\",\"site\":\"lyon\"}", "{\"type\":\"price\",\"site\":\"lyon\"}",
        "{\"type\":\"submit\",\"application\":{\"name\":\"cg\",\"vms\":2,\"work\":\"1h\"}}")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/events")).timeout(org.vmflock.testing.NodeProcess.REQUEST_TIMEOUT).header("Content-Type", "application/json")
          .header("Authorization", org.vmflock.http.ApiToken.ofClient(java.util.Map.of(), dir.resolve("data")).authorization()).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, r.statusCode(), body + " -> " + r.body());
      assertTrue(JSON.readTree(r.body()).get("error").asText().length() > 5, r.body());
    }
    JsonNode afterStatus = status();
    assertEquals(before, knowledge(afterStatus));
    assertEquals(List.of(), decisionsSince(beforeStatus, afterStatus), "no decision but a periodic re-plan's stays");
  }

  @Test
  @Order(3)
  void aPriceRiseMovesTheApplicationToTheCheaperSiteAndTheDecisionSaysWhy() throws Exception {
    Cli.Run rise = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "price", "--site", "lyon", "--per-vm-hour", "0.50");
    assertEquals(ExitCode.OK, rise.exitCode(), rise.err());
    assertTrue(rise.out().contains("accepted"), rise.out());
    await().atMost(PATIENCE).untilAsserted(() -> {
      JsonNode s = status();
      assertEquals(0.50, site(s, "lyon").get("pricePerVmHour").get("*").asDouble(), 1e-9);
      JsonNode cg = app(s, "cg");
      cg.get("placement").forEach(site -> assertEquals("nancy", site.asText(), s.toPrettyString()));
      assertEquals(0, s.get("migrations").get("inFlight").size(), s.toPrettyString());
      assertEquals(4, s.get("migrations").get("done").size(), s.toPrettyString());
      s.get("migrations").get("done").forEach(m -> assertEquals("nancy", m.get("to").asText(), m.toPrettyString()));
      assertEquals(4, site(s, "nancy").get("vms").asInt());
      assertEquals(0, site(s, "lyon").get("vms").asInt());
      boolean explained = false;
      for (JsonNode d : s.get("decisions")) {
        explained |= d.get("application").asText().equals("cg") && d.get("reason").asText().contains("nancy");
      }
      assertTrue(explained, "a decision explains the move: " + s.get("decisions").toPrettyString());
      assertTrue(cg.get("spent").asDouble() > 0, "hosting is paid: " + cg);
      assertEquals(4, s.get("migrations").get("calibration").get("observations").asInt(), "the migrations were audited and fed back");
    });
  }

  @Test
  @Order(4)
  void aSubmittedApplicationIsPlaced() throws Exception {
    Path app = dir.resolve("ep.conf");
    Files.writeString(app, "name = ep\nvms = 2\nsize = small\nwork = 1h\nobjective = cost\n");
    Cli.Run submit = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "submit", "--file", app);
    assertEquals(ExitCode.OK, submit.exitCode(), submit.err());
    await().atMost(PATIENCE).untilAsserted(() -> {
      JsonNode s = status();
      JsonNode ep = app(s, "ep");
      assertTrue(ep != null, s.toPrettyString());
      assertEquals(2, ep.get("placement").size(), s.toPrettyString());
      ep.get("placement").forEach(site -> assertEquals("nancy", site.asText(), "the cheaper site: " + s.toPrettyString()));
    });
    Cli.Run again = Cli.run("inject", "--node", url, "--data-dir", dir.resolve("data"), "submit", "--file", app);
    assertEquals(ExitCode.INVALID_INPUT, again.exitCode(), again.err());
    assertTrue(again.err().contains("ep"), again.err());
  }
}
