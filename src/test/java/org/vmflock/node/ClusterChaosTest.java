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
 * --hypervisors URL}) on one PostgreSQL journal, an application's VMs migrating from east to west.
 *
 * <p>Kill: in the middle of a pre-copy the node hosting the migration manager (the cluster
 * singleton) is killed with SIGKILL. The split-brain resolver downs it (the two others are the
 * majority), a survivor takes the manager over, its sagas are resumed from the journal and every
 * migration ends, completed or rolled back. The takeover is measured (printed): kill to the
 * manager found on a survivor, to its first answer, to the last migration's end.
 *
 * <p>Rolling restart: from the middle of the migration, each node in turn is stopped (SIGTERM) and
 * started again on its configuration; the cluster is whole again before the next; then a new
 * application is placed and booted.
 *
 * <p>After either: every VM runs in exactly one place at the hypervisors, where the manager's
 * knowledge says, no reservation is left, no decision was lost or taken twice.
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
  private static final List<String> NAMES = List.of("a", "b", "c");

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

  private static String application(String name) {
    return """
        {"type": "submit", "application": {"name": "%s", "vms": 4, "size": "small", "work": "8h", "objective": "cost",
         "placement": "east", "dirty-rate": "20MB/s"}}""".formatted(name);
  }

  /** A node process and where it answers. */
  private record Node(String name, JvmProcess process, String url, Path dataDir) {
    String token() {
      return ApiToken.ofClient(Map.of(), dataDir).authorization();
    }
  }

  /**
   * The hypervisors' process and three node processes (their processes and logs in {@code dir}),
   * each node's cluster port fixed and every node a seed, so that any may start again and join.
   */
  private static final class Federation implements AutoCloseable {
    final Path dir;
    final TestPostgresql db;
    final Path scenario;
    final List<JvmProcess> processes = new ArrayList<>();
    final String hypervisors;
    final List<Integer> ports = new ArrayList<>();
    final List<Node> nodes = new ArrayList<>();

    Federation(Path dir, TestPostgresql db) throws Exception {
      this.dir = dir;
      this.db = db;
      this.scenario = Files.writeString(dir.resolve("sites.conf"), SITES);
      JvmProcess h = JvmProcess.start("hypervisors", dir.resolve("hypervisors.log"), "hypervisors", "--scenario", scenario, "--port", 0);
      processes.add(h);
      hypervisors = h.await(HYPERVISORS_URL, START);
      for (String ignored : NAMES) {
        ports.add(freePort());
      }
      // the first seed forms the cluster, the others join it once it is up (it defined the sites)
      nodes.add(awaitNode(0, launch(0)));
      JvmProcess b = launch(1);
      JvmProcess c = launch(2);
      nodes.add(awaitNode(1, b));
      nodes.add(awaitNode(2, c));
      awaitWhole();
    }

    String world() {
      return hypervisors + "/world";
    }

    /** {@code vmflock node} number {@code i} with a configuration file of its own; its log a new file at each start. */
    JvmProcess launch(int i) throws IOException {
      String name = NAMES.get(i);
      Path config = dir.resolve(name + ".conf");
      List<String> seeds = ports.stream().map(p -> "\"pekko://vmflock@127.0.0.1:" + p + "\"").toList();
      Files.writeString(config, String.format(Locale.ROOT, """
          pekko {
            remote.artery.canonical { hostname = "127.0.0.1", port = %d }
            cluster { seed-nodes = [%s], roles = ["site", "manager"] }
          }
          vmflock {
            data-dir = "%s"
            journal { kind = postgresql, postgresql { url = "%s", user = "%s", password = "%s" } }
          }
          """, ports.get(i), String.join(", ", seeds), dir.resolve(name), db.url(), TestPostgresql.ROLE,
          db.journal().get("vmflock.journal.postgresql.password")));
      long starts = processes.stream().filter(p -> p.name().startsWith(name)).count();
      String incarnation = starts == 0 ? name : name + "-" + (starts + 1);
      JvmProcess p = JvmProcess.start(incarnation, dir.resolve(incarnation + ".log"), "node", "--config", config, "--hypervisors", hypervisors,
          "--scenario", scenario, "--http-port", 0);
      processes.add(p);
      return p;
    }

    Node awaitNode(int i, JvmProcess p) {
      return new Node(NAMES.get(i), p, p.await(NODE_URL, START), dir.resolve(NAMES.get(i)));
    }

    /** Stops node {@code i} (SIGTERM), starts it again on its configuration, and waits until the cluster is whole again. */
    void restart(int i) throws Exception {
      Node old = nodes.get(i);
      // 143: the JVM ended by SIGTERM, its shutdown hook (the node's clean close) done; -1: it had to be killed
      int exit = old.process().stop(Duration.ofSeconds(60));
      assertTrue(exit == 0 || exit == 143, old.name() + " stops cleanly (exit " + exit + "):\n" + tail(old.process().log(), 30));
      nodes.set(i, awaitNode(i, launch(i)));
      awaitWhole();
    }

    /** Until every node sees the three as Up members, reachable. */
    void awaitWhole() {
      Awaitility.await("three Up members").atMost(START).pollInterval(Duration.ofMillis(200)).until(() -> nodes.stream().allMatch(n ->
          get(n.url() + "/api/cluster").map(c -> c.get("members").size() == 3
              && all(c.get("members"), m -> m.get("status").asText().equals("up") && m.get("reachable").asBoolean())).orElse(false)));
    }

    /** The node the migration manager runs on now: the one of the nodes that says so, exactly one. */
    Node managerHost() {
      List<Node> hosts = nodes.stream().filter(n -> get(n.url() + "/api/cluster").orElseThrow().get("manager").get("here").asBoolean()).toList();
      assertEquals(1, hosts.size(), "one node hosts the manager: " + hosts.stream().map(Node::name).toList());
      return hosts.get(0);
    }

    /** Submits an application on east, then makes east five times dearer; returns once a pre-copy runs at the hypervisors. */
    void startMigrating(Node entry) throws Exception {
      assertEquals(200, post(entry, application("hpc")).statusCode());
      Awaitility.await("the application's VMs booted at the hypervisors").atMost(START).pollInterval(Duration.ofMillis(100))
          .until(() -> get(world()).map(w -> w.get("page").get("vms").size() == 4).orElse(false));
      assertEquals(200, post(entry, "{\"type\": \"price\", \"site\": \"east\", \"perVmHour\": 0.5}").statusCode());
      Awaitility.await("a pre-copy in progress at the hypervisors").atMost(START).pollInterval(Duration.ofMillis(50))
          .until(() -> get(world()).map(w -> any(w.get("inFlight"), f -> f.get("step").asText().equals("PRECOPY"))).orElse(false));
    }

    /** Until {@code node}'s manager says no migration is in flight. */
    JsonNode awaitNoMigration(Node node) {
      Awaitility.await("every migration ended").atMost(TAKEOVER).pollInterval(Duration.ofMillis(100)).until(() -> get(node.url() + "/api/status")
          .map(s -> s.get("migrations").get("inFlight").isEmpty() && s.get("totals").get("migrationsInFlight").asInt() == 0).orElse(false));
      return get(node.url() + "/api/status?recent=100").orElseThrow();
    }

    /**
     * What must hold once migrations ended, against the manager's status {@code after} (from {@code
     * before}): the migrations in flight then ended, completed or rolled back; every decision of
     * {@code before} kept with its outcome final, none taken twice; every VM of the world in one
     * place, running where the knowledge says; no reservation, no step left.
     */
    void check(JsonNode before, JsonNode after, int vms) {
      Map<String, String> endedStatus = new TreeMap<>();
      after.get("migrations").get("done").forEach(m -> endedStatus.put(m.get("id").asText(), m.get("status").asText()));
      for (String id : ids(before.get("migrations").get("inFlight"))) {
        assertTrue(Set.of("completed", "rolled_back").contains(endedStatus.get(id)), id + " ended: " + endedStatus);
      }
      Map<Long, String> decided = new TreeMap<>();
      JsonNode decisions = after.get("decisions");
      decisions.forEach(d -> assertEquals(null, decided.put(d.get("id").asLong(), d.get("outcome").asText()), "decision id twice: " + decisions));
      before.get("decisions").forEach(d -> assertTrue(decided.containsKey(d.get("id").asLong()), "decision " + d + " kept: " + decided));
      before.get("migrations").get("inFlight").forEach(m -> assertTrue(Set.of("applied", "rolled_back", "partial")
          .contains(decided.get(m.get("decision").asLong())), "the outcome of decision " + m.get("decision") + ": " + decided));
      Map<String, String> logged = new HashMap<>();
      for (JvmProcess p : processes) {
        Matcher m = DECISION.matcher(p.log());
        while (m.find()) {
          assertEquals(null, logged.put(m.group(1), p.name()), "decision " + m.group(1) + " taken on " + logged.get(m.group(1)) + " and " + p.name());
        }
      }
      Map<String, String> placement = new TreeMap<>();
      after.get("applications").forEach(app -> app.get("placement").fields().forEachRemaining(e -> placement.put(e.getKey(), e.getValue().asText())));
      JsonNode w = get(world()).orElseThrow();
      assertEquals(vms, w.get("page").get("vms").size(), w.toString());
      for (JsonNode vm : w.get("page").get("vms")) {
        String name = vm.get("vm").asText();
        assertEquals(1, vm.get("instances").size(), name + " runs in exactly one place: " + vm);
        JsonNode only = vm.get("instances").get(0);
        assertEquals("RUNNING", only.get("state").asText(), name + ": " + vm);
        assertEquals(placement.get(name), only.get("site").asText(), name + " runs where the manager knows it: " + placement);
      }
      assertTrue(w.get("page").get("reservations").isEmpty(), "no reservation left: " + w);
      assertTrue(w.get("inFlight").isEmpty(), "no step left in progress: " + w);
    }

    void printLogs() {
      for (JvmProcess p : processes) {
        System.out.println("---- " + p.name() + " ----\n" + tail(p.log(), 60));
      }
    }

    @Override
    public void close() throws InterruptedException {
      for (JvmProcess p : processes) {
        p.close();
      }
    }
  }

  @Test
  void killingTheManagersNodeInTheMiddleOfAMigrationLeavesEveryVmInOnePlace(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "needs root: the nodes' PostgreSQL journal is set up as root (run bin/test as root)");
    try (TestPostgresql db = TestPostgresql.create("chaos"); Federation f = new Federation(dir, db)) {
      try {
        f.startMigrating(f.nodes.get(1));
        Node host = f.managerHost();
        JsonNode before = get(host.url() + "/api/status").orElseThrow();
        assertFalse(before.get("migrations").get("inFlight").isEmpty(), "migrations in flight when the node is killed");
        long foundDoneBefore = get(f.world()).orElseThrow().get("foundDone").asLong();
        long killed = System.nanoTime();
        java.time.LocalTime killedAt = java.time.LocalTime.now();
        host.process().kill();

        List<Node> survivors = f.nodes.stream().filter(n -> n != host).toList();
        long[] managerFound = {0};
        Node[] newHost = {null};
        Awaitility.await("the manager on a survivor").atMost(TAKEOVER).pollInterval(Duration.ofMillis(100)).until(() -> {
          for (Node n : survivors) {
            if (get(n.url() + "/api/cluster").map(c -> c.get("manager").get("here").asBoolean()).orElse(false)) {
              managerFound[0] = System.nanoTime();
              newHost[0] = n;
              return true;
            }
          }
          return false;
        });
        Awaitility.await("the new manager answering").atMost(TAKEOVER).pollInterval(Duration.ofMillis(100))
            .until(() -> get(newHost[0].url() + "/api/status").isPresent());
        long answered = System.nanoTime();
        JsonNode after = f.awaitNoMigration(newHost[0]);
        long ended = System.nanoTime();
        System.out.printf(Locale.ROOT, "takeover after kill -9 of the manager's node: manager running on %s after %d ms, answering after %d ms, "
            + "the %d migration(s) in flight ended after %d ms; %s%n", newHost[0].name(), ms(managerFound[0] - killed),
            ms(answered - killed), before.get("migrations").get("inFlight").size(), ms(ended - killed), downed(survivors, killedAt));

        System.out.println("steps asked again after the kill and found done at the hypervisors (sagas resumed on a survivor): "
            + (get(f.world()).orElseThrow().get("foundDone").asLong() - foundDoneBefore));
        for (Node n : survivors) {
          JsonNode c = get(n.url() + "/api/cluster").orElseThrow();
          assertEquals(2, c.get("members").size(), n.name() + " sees the killed node gone: " + c);
          assertEquals(n == newHost[0], c.get("manager").get("here").asBoolean(), n.name() + ": " + c);
          assertTrue(n.process().alive(), n.name() + " runs");
        }
        f.check(before, after, 4);
      } catch (AssertionError | RuntimeException e) {
        f.printLogs();
        throw e;
      }
    }
  }

  @Test
  void aRollingRestartOfEveryNodeLosesNoDecisionAndLeavesEveryVmInOnePlace(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "needs root: the nodes' PostgreSQL journal is set up as root (run bin/test as root)");
    try (TestPostgresql db = TestPostgresql.create("rolling"); Federation f = new Federation(dir, db)) {
      try {
        f.startMigrating(f.nodes.get(1));
        JsonNode before = get(f.managerHost().url() + "/api/status").orElseThrow();
        assertFalse(before.get("migrations").get("inFlight").isEmpty(), "migrations in flight when the restarts begin");
        List<String> hosts = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < NAMES.size(); i++) {
          f.restart(i);
          hosts.add(NAMES.get(i) + " restarted: the manager on " + f.managerHost().name());
        }
        System.out.printf(Locale.ROOT, "rolling restart of the 3 nodes: %d ms (%s)%n", ms(System.nanoTime() - started), String.join(", ", hosts));
        Node entry = f.managerHost();
        JsonNode after = f.awaitNoMigration(entry);
        f.check(before, after, 4);
        // the controller after the restarts: a new application placed, its VMs booted where it is placed
        assertEquals(200, post(f.nodes.get(2), application("late")).statusCode());
        Awaitility.await("the new application's VMs booted").atMost(START).pollInterval(Duration.ofMillis(100))
            .until(() -> get(f.world()).map(w -> w.get("page").get("vms").size() == 8).orElse(false));
        f.check(after, f.awaitNoMigration(entry), 8);
      } catch (AssertionError | RuntimeException e) {
        f.printLogs();
        throw e;
      }
    }
  }

  /** When the split-brain resolver downed the killed node, after {@code since}, as the survivors' logs say (the leader's). */
  private static String downed(List<Node> survivors, java.time.LocalTime since) {
    for (Node n : survivors) {
      for (String line : n.process().log().split("\n")) {
        if (line.contains("SBR took decision") && line.length() > 12) {
          try {
            return "the split-brain resolver on " + n.name() + " downed it after "
                + Duration.between(since, java.time.LocalTime.parse(line.substring(0, 12))).toMillis() + " ms";
          } catch (java.time.format.DateTimeParseException e) {
            return line;
          }
        }
      }
    }
    return "(no decision of the split-brain resolver in the survivors' logs)";
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
