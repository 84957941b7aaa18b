package org.vmflock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kills a `run` node (kill -9) at seeded random moments — during bursts of events (prices that
 * make its applications move back and forth, submissions, capacity changes) and the migrations they
 * start, or while the node is starting again — restarts it on the same data directory each time,
 * and checks after each restart, once migrations have settled: every VM in exactly one place, the
 * same, in the manager ({@code /api/status}), the site actors' books ({@code /api/sites/S/books})
 * and the simulated hypervisors ({@code /api/run/world}); no reservation leaked; the running
 * applications progressing; no accepted event lost (every submission answered 200 known, every
 * accepted site change and every scheduled one due reflected); no decision taken twice (each
 * decision id and migration id always the same decision and migration).
 */
public final class CrashTrial {

  private static final Duration LISTEN = Duration.ofSeconds(120);
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final Duration PROGRESS = Duration.ofSeconds(60);
  private static final Duration REFLECTED = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(300);
  private static final Instant START = Instant.parse("2026-06-01T00:00:00Z");
  private static final List<String> MOVING = List.of("lyon", "nancy");
  /** The site whose price only the scenario's timeline changes: every 15 minutes, a distinct price. */
  private static final String TIMED = "rennes";
  private static final Duration TIMELINE_STEP = Duration.ofMinutes(15);
  private static final int TIMELINE_EVENTS = 400;
  /** Share of kill points that strike a node while it starts again (the others strike during a burst). */
  private static final double DURING_START = 0.2;

  /**
   * @param kills kill points (kill -9 of the node)
   * @param dir where the scenario and the node's data directory go
   * @param timeScale how much faster than real time the node's scenario runs
   * @param nodeSettings more settings of the node ({@code KEY=VALUE}, as {@code --set})
   */
  public record Settings(int kills, long seed, Path dir, double timeScale, List<String> nodeSettings) {
    public Settings {
      nodeSettings = List.copyOf(nodeSettings);
    }

    public Settings(int kills, long seed, Path dir, double timeScale) {
      this(kills, seed, dir, timeScale, List.of());
    }
  }

  /**
   * What was checked after a restart: {@code violations} says what did not hold; {@code
   * journalLosses} the accepted events lost that were answered within {@link #JOURNAL_WINDOW} of the
   * kill (counted in {@code eventsLost} too): what a journal that acknowledges a write before it is on
   * disk loses. A VM misplaced (or an application stalled) counts once, at the first check that
   * finds it so, until a check finds it right again; {@code violations} names it at every check.
   */
  public record Checked(int vms, int vmsLost, int reservationsLeaked, int appsRunning, int appsStalled, int migrationsUnsettled, int eventsAccepted,
      int eventsLost, int decisions, int decisionsDoubled, int migrations, int migrationsDoubled, Duration restart, Duration settled,
      List<String> violations, List<String> journalLosses) {
    public Checked {
      violations = List.copyOf(violations);
      journalLosses = List.copyOf(journalLosses);
    }

    public boolean clean() {
      return violations.isEmpty() && journalLosses.isEmpty();
    }
  }

  /** An event answered this shortly before a kill and lost is told apart: the journal may not have had it on disk yet. */
  public static final Duration JOURNAL_WINDOW = Duration.ofSeconds(1);

  /**
   * One kill -9: when it struck, how many migrations were in flight just before (-1: unknown), and
   * what the check after the restart that followed found (none when that restart was killed too).
   */
  public record KillPoint(int number, String when, int inFlightBeforeKill, Optional<Checked> checked) {}

  /** The whole trial. */
  public record Result(List<KillPoint> points, Checked first) {
    public int vmsLost() {
      return all().stream().mapToInt(Checked::vmsLost).sum();
    }

    public int decisionsDoubled() {
      return all().stream().mapToInt(c -> c.decisionsDoubled() + c.migrationsDoubled()).sum();
    }

    public int eventsLost() {
      return all().stream().mapToInt(Checked::eventsLost).sum();
    }

    public int reservationsLeaked() {
      return all().stream().mapToInt(Checked::reservationsLeaked).sum();
    }

    public int appsStalled() {
      return all().stream().mapToInt(Checked::appsStalled).sum();
    }

    public int migrationsUnsettled() {
      return all().stream().mapToInt(Checked::migrationsUnsettled).sum();
    }

    /** What did not hold, but the events lost within {@link #JOURNAL_WINDOW} of a kill. */
    public List<String> violations() {
      return all().stream().flatMap(c -> c.violations().stream()).toList();
    }

    /** The accepted events lost that were answered within {@link #JOURNAL_WINDOW} of a kill. */
    public List<String> journalLosses() {
      return all().stream().flatMap(c -> c.journalLosses().stream()).toList();
    }

    private List<Checked> all() {
      List<Checked> out = new ArrayList<>(List.of(first));
      points.forEach(p -> p.checked().ifPresent(out::add));
      return out;
    }
  }

  private final Settings settings;
  private final PrintWriter out;
  /** When the kills strike: drawn from the seed alone, so a seed gives the same kill moments whatever the node does. */
  private final SplittableRandom kills;
  /** The events of the bursts (how many fit before a kill depends on how fast the node answers). */
  private final SplittableRandom random;
  private final Path scenario;
  private final Path data;
  private final List<String> runArgs;
  private RunProcess node;

  // what was accepted, over the whole trial
  /** Each submission answered 200, and how long before the kill that followed it was answered (ms; until the kill, when it was answered). */
  private final Map<String, Long> submitted = new LinkedHashMap<>();
  private final java.util.Set<String> lostSubmissions = new java.util.HashSet<>();
  /** Per site and kind of change (price, capacity): the values sent since the last one accepted, that one first. */
  private final Map<String, List<Double>> lastChanges = new TreeMap<>();
  /** When the last accepted change of each site and kind was answered (ms before the kill that followed it). */
  private final Map<String, Long> lastChangeBeforeKill = new TreeMap<>();
  private final Map<String, Instant> answeredAt = new HashMap<>();
  private int accepted;
  private int inFlightBeforeKill = -1;
  private int nextApplication = 1;
  private int moves;
  // every decision and migration seen, by id, as first seen
  private final Map<Long, String> decisions = new HashMap<>();
  private final Map<String, String> migrations = new HashMap<>();
  // VMs found misplaced and applications found stalled, until found right again: each counts once
  private final java.util.Set<String> misplaced = new java.util.HashSet<>();
  private final java.util.Set<String> stalledApps = new java.util.HashSet<>();

  public CrashTrial(Settings settings, PrintWriter out) throws IOException {
    this.settings = settings;
    this.out = out;
    this.kills = new SplittableRandom(settings.seed());
    this.random = kills.split();
    Files.createDirectories(settings.dir());
    this.scenario = settings.dir().resolve("crash.conf");
    this.data = settings.dir().resolve("data");
    Files.writeString(scenario, scenarioText());
    List<String> args = new ArrayList<>(List.of("--scenario", scenario.toString(), "--time-scale", fmt(settings.timeScale()), "--seed",
        String.valueOf(settings.seed()), "--set", "vmflock.data-dir=" + data,
        // moves back and forth within a burst: a short cool-down
        "--set", "vmflock.planner.cooldown=2m"));
    settings.nodeSettings().forEach(kv -> args.addAll(List.of("--set", kv)));
    this.runArgs = List.copyOf(args);
  }

  /** Two sites the applications move between over a slow link (migrations last seconds), a third whose price the timeline changes. */
  private static String scenarioText() {
    StringBuilder timeline = new StringBuilder();
    for (int i = 1; i <= TIMELINE_EVENTS; i++) {
      timeline.append(String.format(Locale.ROOT, "  { at = \"%s\", price { site = %s, per-vm-hour = %s } }%n", START.plus(TIMELINE_STEP.multipliedBy(i)),
          TIMED, fmt(timedPrice(i))));
    }
    return """
        # bench crash: written by vmflock, run by its `run` nodes
        start = "%s"
        sites {
          lyon   { capacity { slots = 16, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
          nancy  { capacity { slots = 16, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.06, transfer-price-per-gb = 0 }
          %s { capacity { slots = 4, cores = 16, memory = 32GiB }, price-per-vm-hour = %s, transfer-price-per-gb = 0 }
        }
        links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 300Mbps } ]
        default-link { latency = 10ms, bandwidth = 300Mbps }
        applications {
          cg { profile = "cg.A.4", work = 500h, objective = cost, placement = lyon }
          mg { profile = "mg.A.4", work = 500h, objective = cost, placement = nancy }
        }
        timeline = [
        %s]
        """.formatted(START, TIMED, fmt(timedPrice(0)), timeline);
  }

  private static double timedPrice(int i) {
    return 0.9 + (i % 97) / 1000.0;
  }

  /**
   * Whether the journal a `run` node on this installation opens keeps an acknowledged write through a
   * kill -9: H2 writes each event before acknowledging it ({@code vmflock.journal.h2.durability}
   * written or synced), or the journal is PostgreSQL. With {@code delayed} (H2's own 500 ms write
   * delay), the last writes before a kill are lost, and a node cannot come back as the one that crashed.
   */
  public static boolean journalDurable() {
    com.typesafe.config.Config c = org.vmflock.node.NodeConfig.load(Optional.empty(), Map.of());
    String url = c.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    return !url.startsWith("jdbc:h2:") || !c.getString("vmflock.journal.h2.durability").equalsIgnoreCase("delayed");
  }

  /** Runs the trial: the first start, then each kill point; prints a line per kill point. */
  public Result run() throws Exception {
    if (!journalDurable()) {
      out.println("warning: this journal acknowledges writes before they are on disk (vmflock.journal.h2.durability = delayed): a kill loses its last writes");
    }
    node = RunProcess.start(runArgs);
    Instant started = Instant.now();
    node.awaitListening(LISTEN);
    Checked first = check(Duration.between(started, Instant.now()));
    out.println("first start: " + describe(first));
    out.flush();
    List<KillPoint> points = new ArrayList<>();
    boolean starting = false;
    for (int k = 1; k <= settings.kills(); k++) {
      String when;
      if (starting) {
        when = killDuringStart();
      } else {
        when = killDuringBurst();
      }
      int inFlight = starting ? -1 : inFlightBeforeKill;
      node = RunProcess.start(runArgs);
      started = Instant.now();
      starting = k < settings.kills() && kills.nextDouble() < DURING_START;
      Optional<Checked> checked = Optional.empty();
      if (!starting) {
        node.awaitListening(LISTEN);
        checked = Optional.of(check(Duration.between(started, Instant.now())));
      }
      KillPoint p = new KillPoint(k, when, inFlight, checked);
      points.add(p);
      out.printf(Locale.ROOT, "kill %d/%d %s; %s%n", k, settings.kills(), when, checked.map(this::describe).orElse("restarted, to be killed while it starts"));
      out.flush();
    }
    node.stop(Duration.ofSeconds(60));
    return new Result(points, first);
  }

  /** Kills the node that is starting (it may not listen yet, or be recovering its journal). */
  private String killDuringStart() throws Exception {
    long ms = 300 + kills.nextLong(7_000);
    Thread.sleep(ms); // the node is another process: its start runs meanwhile
    boolean listening = node.listening();
    node.kill();
    return String.format(Locale.ROOT, "%.1f s into a restart (%s)", ms / 1000.0, listening ? "listening, recovering" : "not listening yet");
  }

  /** Sends a burst of events to the node and kills it at a random moment of it. */
  private String killDuringBurst() throws Exception {
    long killAfterMs = 300 + kills.nextLong(6_000);
    Instant kill = Instant.now().plusMillis(killAfterMs);
    int sent = 0;
    int ok = 0;
    while (Instant.now().isBefore(kill)) {
      double pick = random.nextDouble();
      if (pick < 0.6) {
        // the applications go where hosting is cheaper: one site dear, the other cheap
        String dear = MOVING.get(moves % 2);
        String cheap = MOVING.get((moves + 1) % 2);
        moves++;
        ok += change(dear, "price", 0.40 + random.nextInt(100) / 1000.0, kill) + change(cheap, "price", 0.04 + random.nextInt(10) / 1000.0, kill);
        sent += 2;
      } else if (pick < 0.85) {
        String name = "s" + nextApplication++;
        int code = post("{\"type\":\"submit\",\"application\":{\"name\":\"" + name + "\",\"vms\":2,\"size\":\"small\",\"work\":\"20m\","
            + "\"objective\":\"cost\"}}", kill);
        if (code == 200) {
          submitted.put(name, -1L);
          answeredAt.put(name, Instant.now());
          ok++;
        }
        sent++;
      } else {
        ok += change("nancy", "capacity", 15 + random.nextInt(2), kill);
        sent++;
      }
      long pause = 100 + random.nextLong(700);
      long left = Duration.between(Instant.now(), kill).toMillis();
      if (left > 0) {
        Thread.sleep(Math.min(pause, left));
      }
    }
    int inFlight = -1;
    try {
      inFlight = node.get("/api/status?limit=0&recent=0").get("totals").get("migrationsInFlight").asInt();
    } catch (IOException e) {
      // the node is busy: unknown
    }
    node.kill();
    Instant killed = Instant.now();
    answeredAt.forEach((what, at) -> {
      long before = Duration.between(at, killed).toMillis();
      if (submitted.containsKey(what)) {
        submitted.put(what, before);
      } else {
        lastChangeBeforeKill.put(what, before);
      }
    });
    answeredAt.clear();
    inFlightBeforeKill = inFlight;
    accepted += ok;
    return String.format(Locale.ROOT, "%.1f s into a burst (%d events sent, %d accepted; %s migration(s) in flight just before)", killAfterMs / 1000.0,
        sent, ok, inFlight < 0 ? "?" : String.valueOf(inFlight));
  }

  /** Sends a site change; 1 if accepted. A change without an answer may have been applied: it counts among the possible outcomes. */
  private int change(String site, String kind, double value, Instant deadline) throws Exception {
    String body = kind.equals("price") ? "{\"type\":\"price\",\"site\":\"" + site + "\",\"perVmHour\":" + fmt(value) + "}"
        : "{\"type\":\"capacity\",\"site\":\"" + site + "\",\"slots\":" + (int) value + ",\"cores\":64,\"memory\":\"128GiB\"}";
    String key = site + " " + kind;
    int code = post(body, deadline);
    List<Double> values = lastChanges.computeIfAbsent(key, x -> new ArrayList<>());
    if (code == 200) {
      values.clear();
      values.add(value);
      answeredAt.put(key, Instant.now());
      return 1;
    }
    if (code < 0) {
      values.add(value); // unanswered: may have been applied
    }
    return 0;
  }

  /** POST an event: its status code, or -1 if no answer came (the node was killed meanwhile, or it was slow). */
  private int post(String body, Instant deadline) throws InterruptedException {
    if (!Instant.now().isBefore(deadline)) {
      return -2; // not sent
    }
    try {
      return node.post(body);
    } catch (IOException e) {
      return -1;
    }
  }

  // ---------------------------------------------------------------- the checks

  /** The three views of the federation, read once no migration is in flight and none started or ended while they were read. */
  private record Views(JsonNode status, List<JsonNode> applications, Map<String, List<String>> books, int booksReservations,
      Map<String, List<JsonNode>> world, int worldReservations, Map<String, String> routes, boolean settled) {}

  private Checked check(Duration restart) throws Exception {
    Instant from = Instant.now();
    Views v = settle();
    Duration settled = Duration.between(from, Instant.now());
    List<String> violations = new ArrayList<>();
    int unsettled = 0;
    if (!v.settled()) {
      JsonNode inFlight = node.get("/api/status?limit=20&recent=0").get("migrations").get("inFlight");
      unsettled = inFlight.size();
      List<String> ids = new ArrayList<>();
      inFlight.forEach(m -> ids.add(m.get("id").asText() + " (" + m.get("status").asText() + " since " + m.path("startedAt").asText("-") + ")"));
      violations.add("migrations never settled within " + SETTLE.toSeconds() + " s: " + ids);
    }

    // where each VM is, in each view
    Map<String, String> manager = new TreeMap<>();
    List<String> running = new ArrayList<>();
    for (JsonNode a : v.applications()) {
      if (a.get("status").asText().equals("running")) {
        running.add(a.get("name").asText());
        a.get("placement").fields().forEachRemaining(e -> manager.put(e.getKey(), e.getValue().asText()));
      }
    }
    TreeSet<String> vms = new TreeSet<>(manager.keySet());
    vms.addAll(v.books().keySet());
    vms.addAll(v.world().keySet());
    int lost = 0;
    for (String vm : vms) {
      String site = manager.get(vm);
      List<String> booked = v.books().getOrDefault(vm, List.of());
      List<JsonNode> instances = v.world().getOrDefault(vm, List.of());
      boolean ok = site == null ? booked.isEmpty() && instances.isEmpty()
          : booked.equals(List.of(site)) && instances.size() == 1 && instances.get(0).get("site").asText().equals(site)
              && instances.get(0).get("state").asText().equals("running") && site.equals(v.routes().get(vm));
      if (ok) {
        misplaced.remove(vm);
      } else {
        lost += misplaced.add(vm) ? 1 : 0;
        violations.add("VM " + vm + ": manager " + (site == null ? "nowhere" : site) + ", books " + booked + ", hypervisors " + instances
            + ", route " + v.routes().get(vm));
      }
    }
    int leaked = v.booksReservations() + v.worldReservations();
    if (leaked > 0) {
      violations.add(leaked + " reservation(s) held with no migration in flight (books " + v.booksReservations() + ", hypervisors "
          + v.worldReservations() + ")");
    }

    // decisions and migrations: an id always names the same one
    int doubledDecisions = 0;
    int doubledMigrations = 0;
    for (JsonNode d : v.status().get("decisions")) {
      String seen = d.get("at").asText() + " " + d.get("application").asText() + " " + d.get("kind").asText() + " " + d.get("reason").asText();
      String before = decisions.putIfAbsent(d.get("id").asLong(), seen);
      if (before != null && !before.equals(seen)) {
        doubledDecisions++;
        violations.add("decision " + d.get("id").asLong() + " was '" + before + "', is now '" + seen + "'");
      }
    }
    List<JsonNode> ms = new ArrayList<>();
    v.status().get("migrations").get("done").forEach(ms::add);
    v.status().get("migrations").get("inFlight").forEach(ms::add);
    TreeSet<String> idsNow = new TreeSet<>();
    for (JsonNode m : ms) {
      String id = m.get("id").asText();
      String seen = m.get("vm").asText() + " " + m.get("from").asText() + "->" + m.get("to").asText() + " decision " + m.get("decision").asText();
      String before = migrations.putIfAbsent(id, seen);
      if (!idsNow.add(id) || (before != null && !before.equals(seen))) {
        doubledMigrations++;
        violations.add("migration " + id + " twice: '" + before + "' and '" + seen + "'");
      }
    }

    // accepted events: each submission known, each site's last accepted change (or a later unanswered one) and the timeline's due prices reflected
    int eventsLost = 0;
    List<String> journalLosses = new ArrayList<>();
    TreeSet<String> known = new TreeSet<>();
    v.applications().forEach(a -> known.add(a.get("name").asText()));
    for (Map.Entry<String, Long> e : submitted.entrySet()) {
      // each lost submission counts once, at the first check that misses it
      if (!known.contains(e.getKey()) && lostSubmissions.add(e.getKey())) {
        eventsLost++;
        (e.getValue() < JOURNAL_WINDOW.toMillis() ? journalLosses : violations).add("submission of " + e.getKey() + " was answered 200 ("
            + e.getValue() + " ms before the kill) but the manager does not know it");
      }
    }
    eventsLost += reflected(violations, journalLosses);

    int stalled = progressing(running, v.applications(), violations);
    return new Checked(vms.size(), lost, leaked, running.size(), stalled, unsettled, accepted, eventsLost, decisions.size(), doubledDecisions,
        migrations.size(), doubledMigrations, restart, settled, violations, journalLosses);
  }

  /** Waits until no migration is in flight; reads the three views; again if a migration started or ended meanwhile. */
  private Views settle() throws Exception {
    Instant deadline = Instant.now().plus(SETTLE);
    Views last = null;
    while (true) {
      JsonNode before = node.get("/api/status?limit=0&recent=100");
      if (before.get("totals").get("migrationsInFlight").asInt() == 0) {
        Views v = read();
        JsonNode after = node.get("/api/status?limit=0&recent=100");
        if (after.get("totals").get("migrationsInFlight").asInt() == 0 && after.get("totals").get("decisions").equals(before.get("totals")
            .get("decisions")) && after.get("migrations").get("done").equals(before.get("migrations").get("done"))) {
          return v;
        }
        last = v;
      }
      if (Instant.now().isAfter(deadline)) {
        Views v = last != null ? last : read();
        // never settled: what it shows is checked too
        return new Views(v.status(), v.applications(), v.books(), v.booksReservations(), v.world(), v.worldReservations(), v.routes(), false);
      }
      Thread.sleep(POLL.toMillis()); // the node is another process: its migrations run meanwhile
    }
  }

  private Views read() throws Exception {
    JsonNode status = node.get("/api/status?limit=200&recent=100");
    List<JsonNode> apps = new ArrayList<>();
    JsonNode page = status;
    while (true) {
      page.get("applications").forEach(apps::add);
      if (!page.has("nextOffset")) {
        break;
      }
      page = node.get("/api/status?limit=200&recent=0&offset=" + page.get("nextOffset").asInt());
    }
    Map<String, List<String>> books = new TreeMap<>();
    int booksReservations = 0;
    for (JsonNode site : status.get("sites")) {
      String name = site.get("name").asText();
      String after = "";
      while (true) {
        JsonNode b = node.get("/api/sites/" + name + "/books" + (after.isEmpty() ? "" : "?after=" + after));
        b.get("placed").forEach(p -> books.computeIfAbsent(p.get("vm").asText(), x -> new ArrayList<>()).add(name));
        if (after.isEmpty()) {
          booksReservations += b.get("reservations").size();
        }
        if (!b.has("next")) {
          break;
        }
        after = b.get("next").asText();
      }
    }
    Map<String, List<JsonNode>> world = new TreeMap<>();
    Map<String, String> routes = new TreeMap<>();
    int worldReservations = 0;
    String after = "";
    while (true) {
      JsonNode w = node.get("/api/run/world" + (after.isEmpty() ? "" : "?after=" + after));
      for (JsonNode vm : w.get("vms")) {
        List<JsonNode> instances = new ArrayList<>();
        vm.get("instances").forEach(instances::add);
        world.put(vm.get("vm").asText(), instances);
        if (vm.has("route")) {
          routes.put(vm.get("vm").asText(), vm.get("route").asText());
        }
      }
      if (after.isEmpty()) {
        worldReservations = w.get("reservations").size();
      }
      if (!w.has("next")) {
        break;
      }
      after = w.get("next").asText();
    }
    return new Views(status, apps, books, booksReservations, world, worldReservations, routes, true);
  }

  /** The last accepted change of each site (or one sent after it without an answer), and the timeline's last due price, in the status; the count not reflected. */
  private int reflected(List<String> violations, List<String> journalLosses) throws Exception {
    Instant deadline = Instant.now().plus(REFLECTED);
    while (true) {
      JsonNode status = node.get("/api/status?limit=0&recent=0");
      List<String> missing = new ArrayList<>();
      List<String> missingKeys = new ArrayList<>();
      List<Boolean> nearKill = new ArrayList<>();
      Map<String, JsonNode> sites = new LinkedHashMap<>();
      status.get("sites").forEach(s -> sites.put(s.get("name").asText(), s));
      for (Map.Entry<String, List<Double>> e : lastChanges.entrySet()) {
        if (e.getValue().isEmpty()) {
          continue;
        }
        String[] siteAndKind = e.getKey().split(" ");
        JsonNode s = sites.get(siteAndKind[0]);
        double now = siteAndKind[1].equals("price") ? s.get("pricePerVmHour").path("*").asDouble(Double.NaN) : s.get("capacity").get("slots").asDouble();
        if (e.getValue().stream().noneMatch(x -> Math.abs(x - now) < 1e-9)) {
          missing.add(e.getKey() + " is " + fmt(now) + ", not " + e.getValue().get(0) + " (answered " + lastChangeBeforeKill.get(e.getKey())
              + " ms before the kill)" + (e.getValue().size() > 1 ? " (or " + e.getValue().subList(1, e.getValue().size())
              + ", sent without an answer)" : ""));
          missingKeys.add(e.getKey());
          Long before = lastChangeBeforeKill.get(e.getKey());
          nearKill.add(before != null && before < JOURNAL_WINDOW.toMillis());
        }
      }
      Instant at = Instant.parse(status.get("at").asText());
      int due = (int) Math.min(TIMELINE_EVENTS, Duration.between(START, at).toSeconds() / TIMELINE_STEP.toSeconds());
      double timed = sites.get(TIMED).get("pricePerVmHour").path("*").asDouble(Double.NaN);
      if (Math.abs(timed - timedPrice(due)) > 1e-9) {
        missing.add("site " + TIMED + " costs " + fmt(timed) + " at " + at + ", not " + fmt(timedPrice(due)) + " (its scheduled price " + due + ")");
        nearKill.add(false);
      }
      if (missing.isEmpty()) {
        return 0;
      }
      if (Instant.now().isAfter(deadline)) {
        for (int i = 0; i < missing.size(); i++) {
          (nearKill.get(i) ? journalLosses : violations).add("accepted change lost: " + missing.get(i));
        }
        missingKeys.forEach(k -> lastChanges.get(k).clear()); // counted once
        return missing.size();
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Waits until every running application has done more work than it had; the count that did not. */
  private int progressing(List<String> running, List<JsonNode> applications, List<String> violations) throws Exception {
    Map<String, Double> before = new HashMap<>();
    applications.forEach(a -> before.put(a.get("name").asText(), a.get("doneWork").asDouble()));
    TreeSet<String> waiting = new TreeSet<>(running);
    Instant deadline = Instant.now().plus(PROGRESS);
    while (!waiting.isEmpty() && Instant.now().isBefore(deadline)) {
      Thread.sleep(POLL.toMillis());
      for (String app : List.copyOf(waiting)) {
        JsonNode a = node.get("/api/status?app=" + app + "&recent=0").get("applications").get(0);
        if (a.get("doneWork").asDouble() > before.get(app) || a.get("status").asText().equals("finished")) {
          waiting.remove(app);
        }
      }
    }
    waiting.forEach(app -> violations.add("application " + app + " does not progress (done work " + before.get(app) + ")"));
    stalledApps.retainAll(waiting);
    int stalledNow = 0;
    for (String app : waiting) {
      stalledNow += stalledApps.add(app) ? 1 : 0;
    }
    return stalledNow;
  }

  private String describe(Checked c) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "restart %.1f s, settled %.1f s: %d VMs, %d lost (manager, books, hypervisors); %d reservation(s) leaked; %d application(s) running, %d stalled;"
            + " %d events accepted, %d lost; %d decisions, %d doubled; %d migrations, %d doubled",
        c.restart().toMillis() / 1000.0, c.settled().toMillis() / 1000.0, c.vms(), c.vmsLost(), c.reservationsLeaked(), c.appsRunning(),
        c.appsStalled(), c.eventsAccepted(), c.eventsLost(), c.decisions(), c.decisionsDoubled(), c.migrations(), c.migrationsDoubled()));
    c.violations().forEach(v -> b.append("\n    ").append(v));
    c.journalLosses().forEach(v -> b.append("\n    ").append(v).append(" [within ").append(JOURNAL_WINDOW.toMillis()).append(" ms of the kill]"));
    return b.toString();
  }

  private static String fmt(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? String.valueOf((long) x) : String.valueOf(x);
  }
}
