package org.vmflock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.vmflock.http.ApiToken;

/**
 * Three {@code vmflock node} processes on loopback for {@code bench cluster}, as the chaos tests
 * start them (ProcessCluster): simulated hypervisors in a process of their own, the nodes on one
 * PostgreSQL journal, every node a seed on a fixed port (so that a killed one starts again and
 * joins), the split-brain resolver of the shipped settings (keep-majority); node a senses site
 * east, b west, c none; each process's output in a log file of {@link #dir}.
 */
final class LocalCluster implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> NAMES = List.of("a", "b", "c");
  static final List<String> SENSES = List.of("east", "west", "");
  static final Duration START = Duration.ofSeconds(120);
  private static final Pattern NODE_URL = Pattern.compile("(https?://[0-9.]+:\\d+)/api/status");
  private static final Pattern HYPERVISORS_URL = Pattern.compile("(http://[0-9.]+:\\d+)/world");
  /** What the manager logs of each decision it takes. */
  private static final Pattern DECISION = Pattern.compile("MigrationManager\\S* - decision (\\d+): ");
  /** Periods asked beyond a range's last: those begun while the range is checked (minutes of them at most). */
  private static final int MARGIN_PERIODS = 20;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Two sites; east cheap at first. */
  static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      currency = "EUR"
      sites {
        east { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0.01 }
        west { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.10, transfer-price-per-gb = 0.01 }
      }
      links = [ { between = [east, west], latency = 2ms, bandwidth = 4Gbps } ]
      """;

  /** A process of the cluster: its name (a, b-2...), its log. */
  record Proc(String name, Process process, Path log) {
    String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }
  }

  /** A node and where it answers. */
  record Node(String name, Proc proc, String url, Path dataDir) {}

  final Path dir;
  private final String journalUrl;
  private final String user;
  private final String password;
  private final Path scenario;
  private final List<Proc> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  final List<Node> nodes = new ArrayList<>();
  final String hypervisors;

  LocalCluster(Path dir, String journalUrl, String user, String password) throws Exception {
    this.dir = dir;
    this.journalUrl = journalUrl;
    this.user = user;
    this.password = password;
    this.scenario = Files.writeString(dir.resolve("sites.conf"), SITES);
    // no process left running when the bench ends some other way (Ctrl-C, an error)
    Runtime.getRuntime().addShutdownHook(new Thread(this::killAll, "local-cluster-kill"));
    try {
      Proc h = start("hypervisors", "hypervisors", "--scenario", scenario.toString(), "--host", "127.0.0.1", "--port", "0");
      hypervisors = await(h, HYPERVISORS_URL);
      for (String ignored : NAMES) {
        ports.add(freePort());
      }
      // the first seed forms the cluster (it defines the sites), the others join one after the other:
      // on a busy machine, a node joining while a site's shard moves to the other may time out asking it
      for (int i = 0; i < NAMES.size(); i++) {
        nodes.add(startNode(i));
      }
      awaitWhole();
    } catch (Exception e) {
      System.err.println(tails(40));
      killAll();
      throw e;
    }
  }

  /** {@code vmflock node} number {@code i} on its configuration file; its log a new file at each start. */
  Proc launch(int i) throws IOException {
    String name = NAMES.get(i);
    Path config = dir.resolve(name + ".conf");
    List<String> seeds = new ArrayList<>();
    for (int s = 0; s < NAMES.size(); s++) {
      seeds.add("\"pekko://vmflock@127.0.0.1:" + ports.get(s) + "\"");
    }
    String senses = SENSES.get(i);
    String roles = senses.isEmpty() ? "\"site\", \"manager\"" : "\"site\", \"site-" + senses + "\", \"manager\"";
    Files.writeString(config, String.format(Locale.ROOT, """
        pekko {
          remote.artery.canonical { hostname = "127.0.0.1", port = %d }
          cluster { seed-nodes = [%s], roles = [%s] }
        }
        vmflock {
          data-dir = "%s"
          node.sites = [%s]
          http.host = "127.0.0.1"
          journal { kind = postgresql, postgresql { url = "%s", user = "%s", password = "%s" } }
        }
        """, ports.get(i), String.join(", ", seeds), roles, dir.resolve(name), senses, journalUrl, user, password));
    long starts = processes.stream().filter(p -> p.name().equals(name) || p.name().startsWith(name + "-")).count();
    String incarnation = starts == 0 ? name : name + "-" + (starts + 1);
    return start(incarnation, "node", "--config", config.toString(), "--hypervisors", hypervisors, "--scenario", scenario.toString(), "--http-port", "0");
  }

  /** Node {@code i} started and listening; started once more if its first start fails (said on stderr). */
  private Node startNode(int i) throws IOException {
    try {
      return awaitNode(i, launch(i));
    } catch (IllegalStateException e) {
      System.err.println("cluster bench: " + e.getMessage() + "; starting it once more");
      return awaitNode(i, launch(i));
    }
  }

  Node awaitNode(int i, Proc p) {
    return new Node(NAMES.get(i), p, await(p, NODE_URL), dir.resolve(NAMES.get(i)));
  }

  /** Until every node sees the three as Up members, reachable. */
  void awaitWhole() {
    until("three Up members, reachable, on every node", START, () -> nodes.stream().allMatch(n -> get(n.url() + "/api/cluster")
        .map(c -> c.get("members").size() == 3 && all(c.get("members"), m -> m.get("status").asText().equals("up") && m.get("reachable").asBoolean()))
        .orElse(false)));
  }

  /** The nodes that say they host the migration manager now. */
  List<Node> managerHosts() {
    return nodes.stream().filter(n -> get(n.url() + "/api/cluster").map(c -> c.get("manager").get("here").asBoolean()).orElse(false)).toList();
  }

  /** kill -9 of node {@code i}'s process. */
  void kill(int i) throws InterruptedException {
    Process p = nodes.get(i).proc().process();
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts node {@code i} again on its configuration and data directory; waits until the cluster is whole. */
  void restart(int i) throws Exception {
    nodes.set(i, startNode(i));
    awaitWhole();
  }

  /** Each decision number the processes' logs show; the numbers logged by more than one process, or twice. */
  List<String> decisionsLoggedTwice() {
    Map<String, String> logged = new HashMap<>();
    List<String> twice = new ArrayList<>();
    for (Proc p : processes) {
      Matcher m = DECISION.matcher(p.output());
      while (m.find()) {
        String before = logged.put(m.group(1), p.name());
        if (before != null) {
          twice.add("decision " + m.group(1) + " on " + before + " and " + p.name());
        }
      }
    }
    return twice;
  }

  /** How many decision numbers the processes' logs show. */
  int decisionsLogged() {
    TreeSet<String> all = new TreeSet<>();
    for (Proc p : processes) {
      Matcher m = DECISION.matcher(p.output());
      while (m.find()) {
        all.add(m.group(1));
      }
    }
    return all.size();
  }

  /** The periods of {@code site}'s collector, the last hundred, as {@code node} reads them. */
  Map<Long, JsonNode> periods(Node node, String site) {
    return periods(node, site, 100);
  }

  /** The periods of {@code site}'s collector, the last {@code last} (at most 1,000, as the API answers), as {@code node} reads them. */
  Map<Long, JsonNode> periods(Node node, String site, long last) {
    Map<Long, JsonNode> out = new TreeMap<>();
    get(node.url() + "/api/sites/" + site + "/periods?last=" + Math.max(1, Math.min(last, 1000)))
        .ifPresent(a -> a.get("periods").forEach(p -> out.put(p.get("period").asLong(), p)));
    return out;
  }

  /**
   * The periods {@code from..to} lost: not complete at east or west where the site has it, or not
   * holding, east and west together, one report of each of {@code vms}.
   */
  List<Long> lostPeriods(Node node, long from, long to, java.util.Set<String> vms) {
    // every period from..to, however long the kills took (the last hundred, 50 minutes of 30 s periods,
    // would not hold the older ones of a slower run, and they would count lost), and those begun since
    long last = to - from + 1 + MARGIN_PERIODS;
    return lostPeriods(List.of(periods(node, "east", last), periods(node, "west", last)), from, to, vms);
  }

  /**
   * The periods {@code from..to} lost, by the sites' periods as {@code GET /api/sites/S/periods}
   * lists them: a period is lost when it is not complete at a site that has it, or when the sites
   * together do not hold exactly one report of each of {@code vms} (none missing, none twice).
   */
  static List<Long> lostPeriods(List<Map<Long, JsonNode>> sites, long from, long to, java.util.Set<String> vms) {
    List<Long> lost = new ArrayList<>();
    for (long q = from; q <= to; q++) {
      List<String> reported = new ArrayList<>();
      boolean complete = true;
      for (Map<Long, JsonNode> site : sites) {
        JsonNode p = site.get(q);
        if (p != null) {
          complete &= p.get("state").asText().equals("complete");
          p.get("reported").forEach(vm -> reported.add(vm.asText()));
        }
      }
      if (!complete || reported.size() != vms.size() || !new TreeSet<>(reported).equals(vms)) {
        lost.add(q);
      }
    }
    return lost;
  }

  /** POST /api/events to {@code n} with its API token: the status code. */
  int post(Node n, String event) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.url() + "/api/events")).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json").header("Authorization", ApiToken.ofClient(Map.of(), n.dataDir()).authorization())
        .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  /** The last {@code lines} lines of every process's log. */
  String tails(int lines) {
    StringBuilder b = new StringBuilder();
    for (Proc p : processes) {
      String[] all = p.output().split("\n");
      b.append("---- ").append(p.name()).append(" (").append(p.log()).append(") ----\n")
          .append(String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length))).append('\n');
    }
    return b.toString();
  }

  @Override
  public void close() {
    killAll();
  }

  /** kill -9 of every process still running. */
  private void killAll() {
    List<Proc> all;
    synchronized (processes) {
      all = List.copyOf(processes);
    }
    for (Proc p : all) {
      if (p.process().isAlive()) {
        p.process().destroyForcibly();
        try {
          p.process().waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** {@code vmflock ARGS} in a small JVM of its own (as the chaos tests', JvmProcess), its output into NAME.log. */
  private Proc start(String name, String... args) throws IOException {
    Path home = Path.of(Optional.ofNullable(System.getProperty("vmflock.home")).orElse(Path.of("").toAbsolutePath().toString()));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dvmflock.home=" + home, "-cp", System.getProperty("java.class.path"),
        VmflockCommand.class.getName()));
    command.addAll(List.of(args));
    Path log = dir.resolve(name + ".log");
    Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Proc proc = new Proc(name, p, log);
    synchronized (processes) {
      processes.add(proc);
    }
    return proc;
  }

  /** The first group of {@code pattern} in {@code p}'s output once printed; fails if it ends first or within {@link #START}. */
  private static String await(Proc p, Pattern pattern) {
    String[] found = new String[1];
    until(p.name() + " printing " + pattern, START, () -> {
      Matcher m = pattern.matcher(p.output());
      if (m.find()) {
        found[0] = m.group(1);
        return true;
      }
      if (!p.process().isAlive()) {
        throw new IllegalStateException(p.name() + " ended (exit " + p.process().exitValue() + ") before listening: "
            + p.output().strip().lines().reduce((a, b) -> b).orElse("") + " (its log: " + p.log() + ")");
      }
      return false;
    });
    return found[0];
  }

  /** Polls {@code condition} every 100 ms until it holds; an {@link IllegalStateException} naming {@code what} after {@code patience}. */
  static void until(String what, Duration patience, BooleanSupplier condition) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not within " + patience.toSeconds() + " s: " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  /** GET {@code url}'s JSON; empty when it does not answer 200 (a node killed, a manager not there yet). */
  static Optional<JsonNode> get(String url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static boolean all(JsonNode array, java.util.function.Predicate<JsonNode> p) {
    for (JsonNode n : array) {
      if (!p.test(n)) {
        return false;
      }
    }
    return true;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
