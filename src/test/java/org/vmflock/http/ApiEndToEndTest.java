package org.vmflock.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.cli.ExitCode;
import org.vmflock.testing.Cli;
import org.vmflock.testing.LiveEvents;
import org.vmflock.testing.NodeProcess;
import org.vmflock.testing.TestData;

/**
 * The HTTP API of a real node ({@code vmflock run} in its own JVM, two sites, one application) as
 * its clients use it: the bearer token that requests changing the node carry, through {@code
 * vmflock inject} too; the address it binds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(180);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;
  static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    Path scenario = TestData.twoSitesScenario(dir);
    node = NodeProcess.run(PATIENCE, "--scenario", scenario.toString(), "--time-scale", "60", "--period", "10s",
        "--set", "vmflock.data-dir=" + dir.resolve("data"), "--set", "vmflock.manager.full-replan-every=0");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(15)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String body, Optional<String> authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.url() + "/api/events")).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    authorization.ifPresent(a -> b.header("Authorization", a));
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static double lyonPrice() throws Exception {
    for (JsonNode s : JSON.readTree(get("/api/status?limit=0&recent=0").body()).get("sites")) {
      if (s.get("name").asText().equals("lyon")) {
        return s.get("pricePerVmHour").get("*").asDouble();
      }
    }
    throw new AssertionError("no site lyon");
  }

  // ---------------------------------------------------------------- security

  @Test
  @Order(1)
  void theTokenIsDrawnAtTheFirstStartReadableByItsOwnerOnly() throws Exception {
    Path file = dir.resolve("data").resolve(ApiToken.FILE);
    assertEquals(file, node.dataDir().resolve(ApiToken.FILE), "the node names its token file");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    assertTrue(token.matches("[A-Za-z0-9_-]{43}"), "32 random bytes, base64url: " + token.length() + " characters");
  }

  @Test
  @Order(2)
  void aRequestThatChangesTheNodeWithoutItsTokenIs401AndChangesNothing() throws Exception {
    String rise = "{\"type\":\"price\",\"site\":\"lyon\",\"perVmHour\":0.9}";
    double before = lyonPrice();
    for (Optional<String> auth : List.of(Optional.<String>empty(), Optional.of("Bearer not-the-token-of-this-node-0123456789"),
        Optional.of("Basic dXNlcjpwYXNz"), Optional.of(node.token().authorization() + "x"))) {
      HttpResponse<String> r = post(rise, auth);
      assertEquals(401, r.statusCode(), auth + " -> " + r.body());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), r.headers().toString());
      assertTrue(JSON.readTree(r.body()).get("error").asText().contains(auth.isEmpty() ? "Authorization: Bearer" : "not this node's"), r.body());
    }
    assertEquals(before, lyonPrice(), 0, "nothing changed");
    // reading needs no token
    assertEquals(200, get("/api/status?limit=0&recent=0").statusCode());
  }

  @Test
  @Order(3)
  void aBodyOverTheLimitIs413EvenWithTheToken() throws Exception {
    // the head announces 9 MiB and no byte of the body follows (see OversizedRequest: why not the JDK's HttpClient)
    org.vmflock.testing.OversizedRequest.Answer r = org.vmflock.testing.OversizedRequest.post(node.url(), "/api/events", 9 << 20,
        Optional.of(node.token().authorization()));
    assertEquals(413, r.status(), r.body());
    assertEquals("application/json", r.contentType());
    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("larger than"), r.body());
    assertTrue(r.closedCleanly(), "the connection closed after the answer, not reset (a reset may come before the client reads it)");
  }

  @Test
  @Order(4)
  void injectTakesTheTokenFromTheDataDirectoryOrTheEnvironment() throws Exception {
    Cli.Run fromDir = Cli.run("inject", "--node", node.url(), "--data-dir", node.dataDir(), "speed", "--site", "nancy", "--cpu-speed", "1.1");
    assertEquals(ExitCode.OK, fromDir.exitCode(), fromDir.err());
    assertTrue(fromDir.out().contains("accepted"), fromDir.out());

    Cli.Run elsewhere = Cli.run("inject", "--node", node.url(), "--data-dir", dir.resolve("nowhere"), "speed", "--site", "nancy",
        "--cpu-speed", "1.2");
    assertEquals(ExitCode.INVALID_INPUT, elsewhere.exitCode(), elsewhere.err());
    assertTrue(elsewhere.err().contains(ApiToken.ENV) && elsewhere.err().contains("nowhere"), elsewhere.err());

    Path another = Files.createDirectories(dir.resolve("another-node"));
    Files.writeString(another.resolve(ApiToken.FILE), "a-token-that-is-not-the-nodes-0123456789\n");
    Files.setPosixFilePermissions(another.resolve(ApiToken.FILE), PosixFilePermissions.fromString("rw-------"));
    Cli.Run wrong = Cli.run("inject", "--node", node.url(), "--data-dir", another, "speed", "--site", "nancy", "--cpu-speed", "1.2");
    assertEquals(ExitCode.INVALID_INPUT, wrong.exitCode(), wrong.err());
    assertTrue(wrong.err().contains("401") && wrong.err().contains("not this node's"), wrong.err());
    Files.setPosixFilePermissions(another.resolve(ApiToken.FILE), PosixFilePermissions.fromString("rw-r--r--"));
    Cli.Run open = Cli.run("inject", "--node", node.url(), "--data-dir", another, "speed", "--site", "nancy", "--cpu-speed", "1.2");
    assertEquals(ExitCode.INVALID_INPUT, open.exitCode(), open.err());
    assertTrue(open.err().contains("readable by others"), open.err());

    // as a user runs it from another shell: the token in the environment, no data directory
    Injected fromEnv = injectInOwnJvm(node.token().authorization().substring("Bearer ".length()));
    assertEquals(ExitCode.OK, fromEnv.exitCode, fromEnv.output);
  }

  private record Injected(int exitCode, String output) {}

  private static Injected injectInOwnJvm(String token) throws Exception {
    ProcessBuilder pb = Cli.inOwnJvm("inject", "--node", node.url(), "speed", "--site", "nancy", "--cpu-speed", "1.05");
    pb.environment().put(ApiToken.ENV, token);
    // no data/ where it runs: the token can only come from the environment
    pb.directory(Files.createDirectories(dir.resolve("elsewhere")).toFile());
    Path output = dir.resolve("inject-from-env.out");
    Process p = pb.redirectOutput(output.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      throw new AssertionError("inject did not end within 90 s: " + Files.readString(output));
    }
    return new Injected(p.exitValue(), Files.readString(output));
  }

  @Test
  @Order(5)
  void theNodeListensOnLoopbackOnly() throws Exception {
    URI url = URI.create(node.url());
    assertEquals("127.0.0.1", url.getHost());
    Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .filter(i -> isUp(i) && !isLoopback(i)).flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> a instanceof Inet4Address).findFirst();
    if (other.isEmpty()) {
      return; // no other address on this machine to try
    }
    URI there = URI.create("http://" + other.get().getHostAddress() + ":" + url.getPort() + "/health");
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(there).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      throw new AssertionError("the node answered on " + there + ": " + r.statusCode());
    } catch (ConnectException e) {
      // refused: nothing listens there
    }
  }

  private static boolean isUp(NetworkInterface i) {
    try {
      return i.isUp();
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isLoopback(NetworkInterface i) {
    try {
      return i.isLoopback();
    } catch (IOException e) {
      return true;
    }
  }

  // ---------------------------------------------------------------- resources

  static JsonNode page(String path) throws Exception {
    HttpResponse<String> r = get(path);
    assertEquals(200, r.statusCode(), path + " -> " + r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""), path);
    JsonNode p = JSON.readTree(r.body());
    assertEquals(p.get("items").size(), Math.min(p.get("limit").asInt(), p.get("total").asInt() - p.get("offset").asInt()), path + " -> " + p);
    return p;
  }

  static List<String> texts(JsonNode page, String field) {
    List<String> out = new java.util.ArrayList<>();
    page.get("items").forEach(i -> out.add(i.get(field).asText()));
    return out;
  }

  static int status(String path) throws Exception {
    return get(path).statusCode();
  }

  @Test
  @Order(10)
  void aPriceRiseIsDecidedAndMigratedAsTheResourcesShow() throws Exception {
    await().atMost(PATIENCE).until(() -> page("/api/vms?app=cg&site=lyon").get("total").asInt() == 4);
    try (LiveEvents stream = LiveEvents.open(node.url() + "/api/stream", node::log)) {
      stream.next(e -> e.get("type").asText().equals("subscribed"), Duration.ofSeconds(30));
      Cli.Run rise = Cli.run("inject", "--node", node.url(), "--data-dir", node.dataDir(), "price", "--site", "lyon", "--per-vm-hour", "0.50");
      assertEquals(ExitCode.OK, rise.exitCode(), rise.err());
      // the site's change first, then the decision it led to, then its migrations, as they happen
      JsonNode price = stream.next(e -> e.get("type").asText().equals("site"), PATIENCE);
      assertEquals("lyon", price.get("site").asText(), price.toString());
      assertEquals(0.50, price.get("change").get("pricePerVmHour").asDouble(), 1e-9, price.toString());
      JsonNode decision = stream.next(e -> e.get("type").asText().equals("decision") && e.get("kind").asText().equals("migrate"), PATIENCE);
      assertEquals("cg", decision.get("application").asText(), decision.toString());
      assertTrue(decision.get("reason").asText().contains("nancy"), decision.toString());
      JsonNode started = stream.next(e -> e.get("type").asText().equals("migration"), PATIENCE);
      assertEquals("started", started.get("phase").asText(), started.toString());
      assertEquals("lyon", started.get("from").asText());
      assertEquals(decision.get("id").asLong(), started.get("decision").asLong());
      java.util.Set<String> completed = new java.util.TreeSet<>();
      java.util.Set<String> phases = new java.util.TreeSet<>();
      while (completed.size() < 4) {
        JsonNode m = stream.next(e -> e.get("type").asText().equals("migration"), PATIENCE);
        phases.add(m.get("phase").asText());
        if (m.get("phase").asText().equals("completed")) {
          completed.add(m.get("vm").asText());
          assertEquals("nancy", m.get("to").asText(), m.toString());
        }
      }
      assertEquals(java.util.Set.of("cg-vm1", "cg-vm2", "cg-vm3", "cg-vm4"), completed);
      assertTrue(phases.contains("step"), "the steps' progress: " + phases);
    }
    try {
      await().atMost(PATIENCE.multipliedBy(2)).until(() -> page("/api/migrations?app=cg&status=completed").get("total").asInt() == 4);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the migrations: " + get("/api/migrations").body() + "\ndecisions: " + get("/api/decisions").body()
          + "\nnode: " + String.join("\n", node.log()), e);
    }
  }

  @Test
  @Order(11)
  void everyResourceAnswersABoundedFilteredPage() throws Exception {
    assertEquals(List.of("lyon", "nancy"), texts(page("/api/sites"), "name"));
    JsonNode first = page("/api/sites?limit=1");
    assertEquals(List.of("lyon"), texts(first, "name"));
    assertEquals(1, first.get("nextOffset").asInt());
    assertEquals(List.of("nancy"), texts(page("/api/sites?offset=1&limit=1"), "name"));
    assertEquals("nancy", JSON.readTree(get("/api/sites/nancy").body()).get("name").asText());
    assertEquals(404, status("/api/sites/atlantis"));
    assertTrue(JSON.readTree(get("/api/sites/atlantis").body()).get("error").asText().contains("atlantis"));

    assertEquals(List.of("cg"), texts(page("/api/applications"), "name"));
    assertEquals(4, page("/api/applications?status=running").get("items").get(0).get("vmsPerSite").get("nancy").asInt());
    assertEquals(0, page("/api/applications?status=finished").get("total").asInt());
    assertEquals(0, page("/api/applications?site=lyon").get("total").asInt());
    HttpResponse<String> badStatus = get("/api/applications?status=asleep");
    assertEquals(400, badStatus.statusCode());
    assertTrue(badStatus.body().contains("submitted, running, finished"), badStatus.body());
    assertEquals(4, JSON.readTree(get("/api/applications/cg").body()).get("placement").size());
    assertEquals(404, status("/api/applications/nope"));

    JsonNode vms = page("/api/vms?app=cg");
    assertEquals(List.of("cg-vm1", "cg-vm2", "cg-vm3", "cg-vm4"), texts(vms, "vm"));
    assertEquals(List.of("nancy", "nancy", "nancy", "nancy"), texts(vms, "site"));
    JsonNode half = page("/api/vms?app=cg&limit=2");
    assertEquals(List.of("cg-vm1", "cg-vm2"), texts(half, "vm"));
    assertEquals(2, half.get("nextOffset").asInt());
    JsonNode rest = page("/api/vms?app=cg&offset=2&limit=2");
    assertEquals(List.of("cg-vm3", "cg-vm4"), texts(rest, "vm"));
    assertTrue(rest.get("nextOffset") == null, rest.toString());
    assertEquals(0, page("/api/vms?site=lyon").get("total").asInt());
    for (String bad : List.of("/api/vms?limit=501", "/api/vms?limit=0", "/api/vms?offset=-1", "/api/vms?limit=many", "/api/decisions?kind=sleep",
        "/api/migrations?status=flying")) {
      HttpResponse<String> r = get(bad);
      assertEquals(400, r.statusCode(), bad + " -> " + r.body());
      assertTrue(JSON.readTree(r.body()).get("error").asText().length() > 10, r.body());
    }

    JsonNode groups = page("/api/groups?app=cg");
    groups.get("items").forEach(g -> g.get("vms").forEach(vm -> assertTrue(vm.asText().startsWith("cg-vm"), g.toString())));

    JsonNode migrations = page("/api/migrations?site=lyon");
    assertEquals(4, migrations.get("total").asInt());
    migrations.get("items").forEach(m -> {
      assertEquals("nancy", m.get("to").asText());
      assertTrue(m.get("observedSeconds").asDouble() > 0, m.toString());
    });
    assertEquals(0, page("/api/migrations?status=running").get("total").asInt());

    JsonNode moves = page("/api/decisions?app=cg&kind=migrate");
    assertTrue(moves.get("total").asInt() >= 1, moves.toString());
    assertTrue(moves.get("items").get(0).get("reason").asText().contains("nancy"), moves.toString());
    JsonNode all = page("/api/decisions?limit=500");
    List<Long> ids = new java.util.ArrayList<>();
    all.get("items").forEach(d -> ids.add(d.get("id").asLong()));
    List<Long> newestFirst = new java.util.ArrayList<>(ids);
    newestFirst.sort(java.util.Comparator.reverseOrder());
    assertEquals(newestFirst, ids, "the newest first");

    JsonNode lyonEvents = page("/api/events?site=lyon");
    JsonNode newest = lyonEvents.get("items").get(0);
    assertEquals("lyon", newest.get("site").asText());
    assertEquals("price", newest.get("change").get("change").asText(), newest.toString());
    assertEquals(0.50, newest.get("change").get("pricePerVmHour").asDouble(), 1e-9);
    assertTrue(newest.get("number").asLong() > 1, "the site's definition came first: " + lyonEvents);
    assertTrue(texts(page("/api/events"), "site").containsAll(List.of("lyon", "nancy")));
    assertEquals(404, status("/api/events?site=atlantis"));
  }

  // ---------------------------------------------------------------- the API described

  @Test
  @Order(12)
  void everyPathOfTheOpenApiDocumentAnswersAndTheReadmesAreInIt() throws Exception {
    HttpResponse<String> r = get("/api/openapi.json");
    assertEquals(200, r.statusCode());
    JsonNode doc = JSON.readTree(r.body());
    assertEquals("3.0.3", doc.get("openapi").asText());
    JsonNode paths = doc.get("paths");
    java.util.Set<String> documented = new java.util.TreeSet<>();
    paths.fieldNames().forEachRemaining(path -> paths.get(path).fieldNames().forEachRemaining(method -> {
      documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path);
    }));
    for (String route : documented) {
      String documentedPath = route.substring(route.indexOf(' ') + 1);
      String path = documentedPath.replace("{site}", "lyon").replace("{app}", "cg");
      if (route.startsWith("GET ") && paths.get(documentedPath).get("get").get("responses").get("200").get("content").has("text/event-stream")) {
        try (LiveEvents stream = LiveEvents.open(node.url() + path, node::log)) {
          stream.next(e -> e.get("type").asText().equals("subscribed"), Duration.ofSeconds(30));
        }
      } else if (route.startsWith("GET ")) {
        HttpResponse<String> answer = get(path);
        assertEquals(200, answer.statusCode(), route + " -> " + answer.body());
      } else {
        assertEquals("POST /api/events", route, "the only request that changes the node");
        assertEquals(401, post("{}", Optional.empty()).statusCode(), "documented as needing the token");
      }
    }
    // every request the README's endpoint table names is documented
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\| `(GET|POST) (/[^`\\[ ]*)").matcher("");
    List<String> inReadme = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(Path.of("README.md"))) {
      if (m.reset(line).find()) {
        inReadme.add(m.group(1) + " " + m.group(2).replaceAll("\\{[a-z]+}", "{x}"));
      }
    }
    assertTrue(inReadme.size() >= 10, "the README's table: " + inReadme);
    java.util.Set<String> generic = new java.util.TreeSet<>();
    documented.forEach(d -> generic.add(d.replaceAll("\\{[a-z]+}", "{x}")));
    for (String route : inReadme) {
      assertTrue(generic.contains(route), route + " of the README is not in the OpenAPI document: " + generic);
    }
    HttpResponse<String> ui = get("/api/docs");
    assertEquals(200, ui.statusCode());
    assertTrue(ui.body().contains("/api/openapi.json") && ui.body().contains("swagger-ui-bundle.js"), ui.body());
    HttpResponse<String> bundle = get("/api/docs/swagger-ui-bundle.js");
    assertEquals(200, bundle.statusCode());
    assertTrue(bundle.body().length() > 1_000_000 && bundle.body().contains("SwaggerUIBundle"), "the bundle from the webjar");
    assertEquals(404, status("/api/docs/nothing.js"));
  }

  // ---------------------------------------------------------------- metrics and health

  static double metric(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no " + series + " in /metrics");
  }

  @Test
  @Order(13)
  void metricsCountWhatTheManagerDidAndHealthSaysTheNodeIsReady() throws Exception {
    HttpResponse<String> m = get("/metrics");
    assertEquals(200, m.statusCode());
    assertTrue(m.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), m.headers().toString());
    String text = m.body();
    assertTrue(metric(text, "vmflock_decisions_total{kind=\"migrate\"}") >= 1, text);
    assertEquals(4, metric(text, "vmflock_migrations_total{outcome=\"completed\"}"), 0);
    assertEquals(4, metric(text, "vmflock_migration_seconds_count{outcome=\"completed\"}"), 0);
    assertEquals(4, metric(text, "vmflock_migration_time_error_ratio_count"), 0);
    assertTrue(metric(text, "vmflock_mape_cycle_seconds_count") > 0);
    assertTrue(metric(text, "vmflock_journal_write_seconds_count") > 0);
    assertTrue(text.contains("vmflock_monitor_answers_total{answer="), text);
    assertTrue(text.contains("vmflock_sensor_frames_total"), text);
    assertTrue(text.contains("jvm_memory_used_bytes"), text);

    assertEquals(200, get("/health/live").statusCode());
    HttpResponse<String> ready = get("/health/ready");
    assertEquals(200, ready.statusCode(), ready.body());
    JsonNode checks = JSON.readTree(ready.body()).get("checks");
    assertEquals("up", checks.get("cluster").asText(), ready.body());
    assertTrue(checks.get("journal").asText().startsWith("ok: an event written in"), ready.body());
  }
}
