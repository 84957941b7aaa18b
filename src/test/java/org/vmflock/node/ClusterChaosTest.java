package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.http.ApiToken;
import org.vmflock.testing.JvmProcess;
import org.vmflock.testing.TestPostgresql;

/**
 * Chaos with real processes (issue 15): simulated hypervisors in a process of their own ({@code
 * vmflock hypervisors}), three cluster nodes in JVMs of their own ({@code vmflock node
 * --hypervisors URL}) on one PostgreSQL journal. An application's VMs start migrating; in the
 * middle of a pre-copy the node hosting the migration manager (the cluster singleton) is killed
 * with SIGKILL. The split-brain resolver downs it (the two others are the majority), a survivor
 * takes the manager over, its sagas are resumed from the journal and every migration ends,
 * completed or rolled back; then every VM runs in exactly one place at the hypervisors, where the
 * survivor's knowledge says, no reservation is left, and no decision was taken twice. The takeover
 * is measured (printed): kill to the manager found on a survivor, to its first answer, to the last
 * migration's end.
 */
class ClusterChaosTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration START = Duration.ofSeconds(90);
  private static final Duration TAKEOVER = Duration.ofSeconds(120);
  private static final Pattern NODE_URL = Pattern.compile("(https?://[0-9.]+:\\d+)/api/status");
  private static final Pattern HYPERVISORS_URL = Pattern.compile("(http://[0-9.]+:\\d+)/world");
  /** What the manager logs of each decision it takes. */
  private static final Pattern DECISION = Pattern.compile("MigrationManager\\S* - decision (\\d+): (.*)");

  /** Two sites; east cheap at first. A VM's pre-copy (2 GiB over 4 Gb/s) takes about 5 s. */
  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      currency = "EUR"
      sites {
        east { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0.01 }
        west { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.10, transfer-price-per-gb = 0.01 }
      }
      links = [ { between = [east, west], latency = 2ms, bandwidth = 4Gbps } ]
      """;

  /** A node process and where it answers. */
  private record Node(String name, JvmProcess process, String url, Path dataDir) {
    String token() {
      return ApiToken.ofClient(Map.of(), dataDir).authorization();
    }
  }

  @Test
  void killingTheManagersNodeInTheMiddleOfAMigrationLeavesEveryVmInOnePlace(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "needs root: the nodes' PostgreSQL journal is set up as root (run bin/test as root)");
    try (TestPostgresql db = TestPostgresql.create("chaos")) {
      Path scenario = Files.writeString(dir.resolve("sites.conf"), SITES);
      List<JvmProcess> processes = new ArrayList<>();
      try {
        JvmProcess hypervisors = JvmProcess.start("hypervisors", dir.resolve("hypervisors.log"), "hypervisors", "--scenario", scenario,
            "--port", 0);
        processes.add(hypervisors);
        String world = hypervisors.await(HYPERVISORS_URL, START) + "/world";

        int seedPort = freePort();
        Node a = node("a", seedPort, seedPort, scenario, hypervisors, dir, db, processes);
        // the others join once the first is up (it defined the sites)
        JvmProcess bp = startNode("b", 0, seedPort, scenario, world, dir, db);
        processes.add(bp);
        JvmProcess cp = startNode("c", 0, seedPort, scenario, world, dir, db);
        processes.add(cp);
        List<Node> nodes = List.of(a, awaitNode("b", bp, dir), awaitNode("c", cp, dir));
        Awaitility.await("three Up members").atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> {
          JsonNode c = get(a.url() + "/api/cluster").orElse(null);
          return c != null && c.get("members").size() == 3 && all(c.get("members"), m -> m.get("status").asText().equals("up"));
        });

        // an application on east; east's price rises fivefold: its VMs migrate to west
        Node entry = nodes.get(1);
        assertEquals(200, post(entry, """
            {"type": "submit", "application": {"name": "hpc", "vms": 4, "size": "small", "work": "8h", "objective": "cost",
             "placement": "east", "dirty-rate": "20MB/s"}}""").statusCode());
        Awaitility.await("the application's VMs booted at the hypervisors").atMost(START).pollInterval(Duration.ofMillis(100))
            .until(() -> get(world).map(w -> w.get("page").get("vms").size() == 4).orElse(false));
        assertEquals(200, post(entry, "{\"type\": \"price\", \"site\": \"east\", \"perVmHour\": 0.5}").statusCode());
        Awaitility.await("a pre-copy in progress at the hypervisors").atMost(START).pollInterval(Duration.ofMillis(50))
            .until(() -> get(world).map(w -> any(w.get("inFlight"), f -> f.get("step").asText().equals("PRECOPY"))).orElse(false));

        Node host = managerHost(nodes);
        JsonNode before = get(host.url() + "/api/status").orElseThrow();
        Set<String> inFlightAtKill = ids(before.get("migrations").get("inFlight"));
        assertFalse(inFlightAtKill.isEmpty(), "migrations in flight when the node is killed");
        long killed = System.nanoTime();
        java.time.LocalTime killedAt = java.time.LocalTime.now();
        host.process().kill();

        List<Node> survivors = nodes.stream().filter(n -> n != host).toList();
        long[] managerFound = {0};
        long[] answered = {0};
        Node[] newHost = {null};
        Awaitility.await("the manager on a survivor, and every migration ended").atMost(TAKEOVER).pollInterval(Duration.ofMillis(100))
            .until(() -> {
              for (Node n : survivors) {
                if (managerFound[0] == 0 && get(n.url() + "/api/cluster").map(c -> c.get("manager").get("here").asBoolean()).orElse(false)) {
                  managerFound[0] = System.nanoTime();
                  newHost[0] = n;
                }
              }
              if (newHost[0] == null) {
                return false;
              }
              Optional<JsonNode> status = get(newHost[0].url() + "/api/status");
              if (status.isPresent() && answered[0] == 0) {
                answered[0] = System.nanoTime();
              }
              return status.map(s -> s.get("migrations").get("inFlight").isEmpty() && s.get("totals").get("migrationsInFlight").asInt() == 0)
                  .orElse(false);
            });
        long ended = System.nanoTime();
        System.out.printf(Locale.ROOT, "takeover after kill -9 of the manager's node: manager running on %s after %d ms, answering after %d ms, "
            + "the %d migration(s) in flight ended after %d ms%n", newHost[0].name(), ms(managerFound[0] - killed), ms(answered[0] - killed),
            inFlightAtKill.size(), ms(ended - killed));
        System.out.println("in " + newHost[0].name() + "'s log: " + downed(newHost[0].process().log(), killedAt));

        // the survivors: two Up members, the manager on one of them only
        for (Node n : survivors) {
          JsonNode c = get(n.url() + "/api/cluster").orElseThrow();
          assertEquals(2, c.get("members").size(), n.name() + " sees the killed node gone: " + c);
          assertEquals(n == newHost[0], c.get("manager").get("here").asBoolean(), n.name() + ": " + c);
        }
        JsonNode after = get(newHost[0].url() + "/api/status?recent=100").orElseThrow();
        // the sagas in flight at the kill were resumed from the journal, and ended
        Map<String, String> endedStatus = new TreeMap<>();
        after.get("migrations").get("done").forEach(m -> endedStatus.put(m.get("id").asText(), m.get("status").asText()));
        for (String id : inFlightAtKill) {
          assertTrue(Set.of("completed", "rolled_back").contains(endedStatus.get(id)), id + " ended: " + endedStatus);
        }
        // the decision's outcome is recorded, and no decision was lost or taken twice
        JsonNode decisions = after.get("decisions");
        Map<Long, String> decided = new TreeMap<>();
        decisions.forEach(d -> assertEquals(null, decided.put(d.get("id").asLong(), d.get("outcome").asText()), "decision id twice: " + decisions));
        before.get("decisions").forEach(d -> assertTrue(decided.containsKey(d.get("id").asLong()), "decision " + d + " kept"));
        long move = before.get("migrations").get("inFlight").get(0).get("decision").asLong();
        assertTrue(Set.of("applied", "rolled_back", "partial").contains(decided.get(move)), "decision " + move + ": " + decided);
        System.out.printf(Locale.ROOT, "migrations in flight at the kill: %s; decision %d: %s%n",
            inFlightAtKill.stream().map(id -> id + " " + endedStatus.get(id)).toList(), move, decided.get(move));
        Map<String, String> logged = new HashMap<>();
        for (Node n : nodes) {
          Matcher m = DECISION.matcher(n.process().log());
          while (m.find()) {
            assertEquals(null, logged.put(m.group(1), n.name()), "decision " + m.group(1) + " taken on " + logged.get(m.group(1)) + " and " + n.name());
          }
        }
        // the hypervisors: each VM in exactly one place, running where the survivor's knowledge says; no reservation, no step left
        Map<String, String> placement = new TreeMap<>();
        after.get("applications").forEach(app -> app.get("placement").fields().forEachRemaining(e -> placement.put(e.getKey(), e.getValue().asText())));
        JsonNode w = get(world).orElseThrow();
        assertEquals(4, w.get("page").get("vms").size(), w.toString());
        for (JsonNode vm : w.get("page").get("vms")) {
          String name = vm.get("vm").asText();
          assertEquals(1, vm.get("instances").size(), name + " runs in exactly one place: " + vm);
          JsonNode only = vm.get("instances").get(0);
          assertEquals("RUNNING", only.get("state").asText(), name + ": " + vm);
          assertEquals(placement.get(name), only.get("site").asText(), name + " runs where the manager knows it: " + placement);
        }
        assertTrue(w.get("page").get("reservations").isEmpty(), "no reservation left: " + w);
        assertTrue(w.get("inFlight").isEmpty(), "no step left in progress: " + w);
        assertTrue(nodes.stream().filter(n -> n != host).allMatch(n -> n.process().alive()), "the survivors run");
        assertFalse(host.process().alive());
      } catch (AssertionError | RuntimeException e) {
        for (JvmProcess p : processes) {
          System.out.println("---- " + p.name() + " ----\n" + tail(p.log(), 60));
        }
        throw e;
      } finally {
        for (JvmProcess p : processes) {
          p.close();
        }
      }
    }
  }

  /** The node the migration manager runs on now: the one of {@code nodes} that says so, exactly one. */
  private static Node managerHost(List<Node> nodes) throws Exception {
    List<Node> hosts = new ArrayList<>();
    for (Node n : nodes) {
      if (get(n.url() + "/api/cluster").orElseThrow().get("manager").get("here").asBoolean()) {
        hosts.add(n);
      }
    }
    assertEquals(1, hosts.size(), "one node hosts the manager: " + hosts.stream().map(Node::name).toList());
    return hosts.get(0);
  }

  private static Node node(String name, int port, int seedPort, Path scenario, JvmProcess hypervisors, Path dir, TestPostgresql db,
      List<JvmProcess> processes) throws Exception {
    String world = hypervisors.await(HYPERVISORS_URL, START) + "/world";
    JvmProcess p = startNode(name, port, seedPort, scenario, world, dir, db);
    processes.add(p);
    return awaitNode(name, p, dir);
  }

  private static Node awaitNode(String name, JvmProcess p, Path dir) {
    return new Node(name, p, p.await(NODE_URL, START), dir.resolve(name));
  }

  /** {@code vmflock node} with a configuration file of its own: its port, the seed, the shared journal, its data directory. */
  private static JvmProcess startNode(String name, int port, int seedPort, Path scenario, String world, Path dir, TestPostgresql db)
      throws IOException {
    Path config = dir.resolve(name + ".conf");
    Files.writeString(config, String.format(Locale.ROOT, """
        pekko {
          remote.artery.canonical { hostname = "127.0.0.1", port = %d }
          cluster { seed-nodes = ["pekko://vmflock@127.0.0.1:%d"], roles = ["monitor", "manager"] }
        }
        vmflock {
          data-dir = "%s"
          journal { kind = postgresql, postgresql { url = "%s", user = "%s", password = "%s" } }
        }
        """, port, seedPort, dir.resolve(name), db.url(), TestPostgresql.ROLE, db.journal().get("vmflock.journal.postgresql.password")));
    return JvmProcess.start(name, dir.resolve(name + ".log"), "node", "--config", config, "--hypervisors", world.replace("/world", ""),
        "--scenario", scenario, "--http-port", 0);
  }

  /** When the split-brain resolver downed the killed node, as {@code log} says, after {@code since}. */
  private static String downed(String log, java.time.LocalTime since) {
    for (String line : log.split("\n")) {
      if (line.contains("SBR took decision") && line.length() > 12) {
        try {
          return "the split-brain resolver downed it after " + Duration.between(since, java.time.LocalTime.parse(line.substring(0, 12))).toMillis() + " ms";
        } catch (java.time.format.DateTimeParseException e) {
          return line;
        }
      }
    }
    return "(no decision of the split-brain resolver in its log)";
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** GET {@code url}'s JSON; empty when it does not answer 200 (a node killed, a manager not there yet). */
  private static Optional<JsonNode> get(String url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static HttpResponse<String> post(Node n, String event) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.url() + "/api/events")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").header("Authorization", n.token())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Set<String> ids(JsonNode migrations) {
    Set<String> ids = new TreeSet<>();
    migrations.forEach(m -> ids.add(m.get("id").asText()));
    return ids;
  }

  private static boolean all(JsonNode array, java.util.function.Predicate<JsonNode> p) {
    for (JsonNode n : array) {
      if (!p.test(n)) {
        return false;
      }
    }
    return true;
  }

  private static boolean any(JsonNode array, java.util.function.Predicate<JsonNode> p) {
    for (JsonNode n : array) {
      if (p.test(n)) {
        return true;
      }
    }
    return false;
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static String tail(String log, int lines) {
    String[] all = log.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
  }
}
