package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.vmflock.http.ApiToken;
import org.vmflock.testing.JvmProcess;
import org.vmflock.testing.TestPostgresql;

/**
 * A vmflock cluster of processes for the chaos tests (issue 15): simulated hypervisors in a process
 * of their own ({@code vmflock hypervisors}) and three cluster nodes in JVMs of their own ({@code
 * vmflock node --hypervisors URL}) on one PostgreSQL journal, their logs in a directory; each node's
 * cluster port fixed and every node a seed, so that any may start again and join. Where the
 * processes run and how they reach each other is its {@link Network}: all on loopback, or each node
 * in a network namespace of its own ({@link NodeNamespaces}). Its checks: {@link #check}.
 */
final class ProcessCluster implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final Duration START = Duration.ofSeconds(90);
  static final Duration TAKEOVER = Duration.ofSeconds(120);
  static final List<String> NAMES = List.of("a", "b", "c");
  /** The sites whose sensors each node runs (vmflock.node.sites): a east, b west, c none. */
  static final List<String> SENSES = List.of("east", "west", "");
  private static final Pattern NODE_URL = Pattern.compile("(https?://[0-9.]+:\\d+)/api/status");
  private static final Pattern HYPERVISORS_URL = Pattern.compile("(http://[0-9.]+:\\d+)/world");
  /** What the manager logs of each decision it takes. */
  private static final Pattern DECISION = Pattern.compile("MigrationManager\\S* - decision (\\d+): (.*)");

  /** Two sites; east cheap at first. A VM's pre-copy (2 GiB over 4 Gb/s) takes about 5 s. */
  static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      currency = "EUR"
      sites {
        east { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0.01 }
        west { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.10, transfer-price-per-gb = 0.01 }
      }
      links = [ { between = [east, west], latency = 2ms, bandwidth = 4Gbps } ]
      """;

  /** Where the processes run and how they reach each other and the journal. */
  interface Network {
    /** The address the hypervisors listen on, which every node reaches. */
    String hypervisorsHost();

    /** Node {@code i}'s address: its cluster (artery) hostname and its HTTP endpoint's. */
    String nodeHost(int i);

    /** The command node {@code i}'s JVM is started under (e.g. {@code ip netns exec NS}); empty for none. */
    List<String> prefix(int i);

    /** The JDBC URL by which the nodes reach {@code db}. */
    String journalUrl(TestPostgresql db);

    /** Everything on this machine's loopback. */
    Network LOOPBACK = new Network() {
      @Override
      public String hypervisorsHost() {
        return "127.0.0.1";
      }

      @Override
      public String nodeHost(int i) {
        return "127.0.0.1";
      }

      @Override
      public List<String> prefix(int i) {
        return List.of();
      }

      @Override
      public String journalUrl(TestPostgresql db) {
        return db.url();
      }
    };
  }

  static String application(String name) {
    return """
        {"type": "submit", "application": {"name": "%s", "vms": 4, "size": "small", "work": "8h", "objective": "cost",
         "placement": "east", "dirty-rate": "20MB/s"}}""".formatted(name);
  }

  /** A node process and where it answers. */
  record Node(String name, JvmProcess process, String url, Path dataDir) {
    String token() {
      return ApiToken.ofClient(Map.of(), dataDir).authorization();
    }
  }

  final Path dir;
  final TestPostgresql db;
  final Network network;
  final String extraConfig;
  final Path scenario;
  final List<JvmProcess> processes = new ArrayList<>();
  final JvmProcess hypervisorsProcess;
  final String hypervisors;
  final List<Integer> ports = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();

  /**
   * Every node's monitoring at test pace: 5 s statistics periods (30 s shipped), so that a test
   * waiting for periods waits seconds, not minutes; closed 10 s after their end, as shipped: a VM's
   * sensing moving with it (its monitor retired, a new one registered, through shards that may be
   * moving with a restart) has the time it has in production. With 2 s, periods closed before
   * their late reports came and the rolling restart lost one (twice in a row here).
   */
  static final String TEST_PERIODS = "vmflock { monitor.period = 5s, collector.grace = 10s }";

  /**
   * On loopback, with the shipped cluster settings but a split-brain resolver that decides after 7
   * s of stable membership (20 s shipped, and the singleton's down-removal-margin with it): a kill's
   * takeover in about 20 s instead of 46, the same steps. {@code bench cluster} measures the shipped
   * timings.
   */
  ProcessCluster(Path dir, TestPostgresql db) throws Exception {
    this(dir, db, Network.LOOPBACK, "pekko.cluster.split-brain-resolver.stable-after = 7s");
  }

  /** On {@code network}, each node's configuration ending with {@code extraConfig} (HOCON). */
  ProcessCluster(Path dir, TestPostgresql db, Network network, String extraConfig) throws Exception {
    this.dir = dir;
    this.db = db;
    this.network = network;
    this.extraConfig = extraConfig;
    this.scenario = Files.writeString(dir.resolve("sites.conf"), SITES);
    hypervisorsProcess = JvmProcess.start("hypervisors", dir.resolve("hypervisors.log"), "hypervisors", "--scenario", scenario,
        "--host", network.hypervisorsHost(), "--port", 0);
    processes.add(hypervisorsProcess);
    try {
      hypervisors = hypervisorsProcess.await(HYPERVISORS_URL, START);
      for (String ignored : NAMES) {
        ports.add(freePort());
      }
      // all three at once: the first seed forms the cluster, the others join it when it is up; each
      // defines the scenario's sites unless another did first
      List<JvmProcess> started = new ArrayList<>();
      for (int i = 0; i < NAMES.size(); i++) {
        started.add(launch(i));
      }
      for (int i = 0; i < NAMES.size(); i++) {
        nodes.add(awaitNode(i, started.get(i)));
      }
      awaitWhole();
    } catch (Exception | AssertionError e) {
      // no process left running (in a namespace about to be deleted) when the cluster never formed
      printLogs();
      close();
      throw e;
    }
  }

  String world() {
    return hypervisors + "/world";
  }

  /** The roles of node {@code i}: every node may run sites' entities and the manager; a and b serve the site they sense. */
  private static String roles(int i) {
    String senses = SENSES.get(i);
    return senses.isEmpty() ? "\"site\", \"manager\"" : "\"site\", \"site-" + senses + "\", \"manager\"";
  }

  /** {@code vmflock node} number {@code i} with a configuration file of its own; its log a new file at each start. */
  JvmProcess launch(int i) throws IOException {
    String name = NAMES.get(i);
    Path config = dir.resolve(name + ".conf");
    List<String> seeds = new ArrayList<>();
    for (int s = 0; s < NAMES.size(); s++) {
      seeds.add("\"pekko://vmflock@" + network.nodeHost(s) + ":" + ports.get(s) + "\"");
    }
    Files.writeString(config, String.format(Locale.ROOT, """
        pekko {
          remote.artery.canonical { hostname = "%s", port = %d }
          cluster { seed-nodes = [%s], roles = [%s] }
        }
        vmflock {
          data-dir = "%s"
          node.sites = [%s]
          http.host = "%s"
          journal { kind = postgresql, postgresql { url = "%s", user = "%s", password = "%s" } }
        }
        %s
        %s
        """, network.nodeHost(i), ports.get(i), String.join(", ", seeds), roles(i), dir.resolve(name), SENSES.get(i), network.nodeHost(i), network.journalUrl(db),
        TestPostgresql.ROLE, db.journal().get("vmflock.journal.postgresql.password"), TEST_PERIODS, extraConfig));
    long starts = processes.stream().filter(p -> p.name().startsWith(name)).count();
    String incarnation = starts == 0 ? name : name + "-" + (starts + 1);
    JvmProcess p = JvmProcess.startUnder(network.prefix(i), incarnation, dir.resolve(incarnation + ".log"), "node", "--config", config,
        "--hypervisors", hypervisors, "--scenario", scenario, "--http-port", 0);
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
   * {@code before} kept with its outcome final, none taken twice (by the manager's status and by
   * every node process's log); every VM of the world in one place, running where the knowledge
   * says; no reservation, no step left.
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
    loggedDecisions();
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

  /** Each decision number the nodes' logs show, with the process that took it; fails on a number taken twice. */
  Map<String, String> loggedDecisions() {
    Map<String, String> logged = new HashMap<>();
    for (JvmProcess p : processes) {
      Matcher m = DECISION.matcher(p.log());
      while (m.find()) {
        assertEquals(null, logged.put(m.group(1), p.name()), "decision " + m.group(1) + " taken on " + logged.get(m.group(1)) + " and " + p.name());
      }
    }
    return logged;
  }

  /** The periods of {@code site}'s collector, the last hundred, as {@code node} reads them. */
  Map<Long, JsonNode> periods(Node node, String site) {
    Map<Long, JsonNode> out = new TreeMap<>();
    get(node.url() + "/api/sites/" + site + "/periods?last=100").ifPresent(a -> a.get("periods").forEach(p -> out.put(p.get("period").asLong(), p)));
    return out;
  }

  /**
   * Whether no period {@code from..to} was lost: each complete at east and west where it exists, and
   * together they hold one report of each of {@code vms} (the site where the VM was at the period's
   * end), and no VM reported twice.
   */
  boolean noPeriodLost(Node node, long from, long to, Set<String> vms) {
    Map<Long, JsonNode> east = periods(node, "east");
    Map<Long, JsonNode> west = periods(node, "west");
    for (long q = from; q <= to; q++) {
      List<String> reported = new ArrayList<>();
      for (Map<Long, JsonNode> site : List.of(east, west)) {
        JsonNode p = site.get(q);
        if (p != null) {
          if (!p.get("state").asText().equals("complete")) {
            return false;
          }
          p.get("reported").forEach(vm -> reported.add(vm.asText()));
        }
      }
      Set<String> once = new TreeSet<>(reported);
      if (once.size() != reported.size() || !once.containsAll(vms)) {
        return false;
      }
    }
    return true;
  }

  /** The last lines of every process's log on the test's output, and the whole logs kept under target/chaos-logs (the test's directory goes). */
  void printLogs() {
    Path kept = Path.of("target", "chaos-logs", dir.getFileName() + "-" + System.currentTimeMillis());
    for (JvmProcess p : processes) {
      System.out.println("---- " + p.name() + " ----\n" + tail(p.log(), 60));
      try {
        Files.createDirectories(kept);
        Files.copy(p.logFile(), kept.resolve(p.logFile().getFileName()));
      } catch (IOException e) {
        System.out.println("(" + p.name() + "'s log not kept: " + e + ")");
      }
    }
    System.out.println("logs kept in " + kept.toAbsolutePath());
  }

  /** The lines of {@code log} that contain {@code text}, at most {@code max} of them, the last ones. */
  static List<String> lines(String log, String text, int max) {
    List<String> found = java.util.Arrays.stream(log.split("\n")).filter(l -> l.contains(text)).toList();
    return found.subList(Math.max(0, found.size() - max), found.size());
  }

  @Override
  public void close() throws InterruptedException {
    for (JvmProcess p : processes) {
      p.close();
    }
  }

  /** When the split-brain resolver took a decision, after {@code since}, as the first of {@code nodes}' logs that shows one says. */
  static String downed(List<Node> nodes, java.time.LocalTime since) {
    for (Node n : nodes) {
      for (String line : n.process().log().split("\n")) {
        if (line.contains("SBR took decision") && line.length() > 12) {
          try {
            return "the split-brain resolver on " + n.name() + " took its decision after "
                + Duration.between(since, java.time.LocalTime.parse(line.substring(0, 12))).toMillis() + " ms";
          } catch (java.time.format.DateTimeParseException e) {
            return line;
          }
        }
      }
    }
    return "(no decision of the split-brain resolver in the logs of " + nodes.stream().map(Node::name).toList() + ")";
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** GET {@code url}'s JSON; empty when it does not answer 200 (a node killed, a manager not there yet). */
  static Optional<JsonNode> get(String url) {
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

  static HttpResponse<String> post(Node n, String event) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.url() + "/api/events")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").header("Authorization", n.token())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static Set<String> ids(JsonNode migrations) {
    Set<String> ids = new TreeSet<>();
    migrations.forEach(m -> ids.add(m.get("id").asText()));
    return ids;
  }

  static boolean all(JsonNode array, java.util.function.Predicate<JsonNode> p) {
    for (JsonNode n : array) {
      if (!p.test(n)) {
        return false;
      }
    }
    return true;
  }

  static boolean any(JsonNode array, java.util.function.Predicate<JsonNode> p) {
    for (JsonNode n : array) {
      if (p.test(n)) {
        return true;
      }
    }
    return false;
  }

  static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  static String tail(String log, int lines) {
    String[] all = log.split("\n");
    return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
  }
}
