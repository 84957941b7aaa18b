package org.vmflock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.PostgresqlJournal;
import org.vmflock.node.VmflockNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = {
      "A cluster's figures on PostgreSQL (a database of its own, set up as a node would, dropped afterwards).",
      "Ingest: a node's sharded collector of one site fed its hosts' sensor reports, a host's VMs of one period in one",
      "message (Collector.Reports; the collector writes together those that arrive while a write is in flight), against",
      "the reference of one report per message, in the same run.",
      "Takeover: three `vmflock node` processes on loopback (simulated hypervisors in a fourth, the split-brain resolver",
      "on), sensing two sites; the node hosting the migration manager is killed with kill -9 --kills times (started",
      "again after each takeover), timed from the kill to the manager answering on a survivor; then the sites'",
      "periods across the kills (each complete, every VM reported once) and the decisions (none taken twice, by the",
      "manager's status and every node's log). Progress on stderr. Last lines:",
      "collector ingest: N reports/s per node; takeover p99: N ms; lost periods: N; double decisions: N.",
      "Exit 1 if a period was lost or a decision doubled."
    })
public final class ClusterBench implements java.util.concurrent.Callable<Integer> {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SITE = "bench";
  /** How long periods may take to be complete: the monitor's period, the collector's grace, a node's start. */
  private static final Duration PERIODS = Duration.ofMinutes(3);
  private static final String APPLICATION = """
      {"type": "submit", "application": {"name": "hpc", "vms": 4, "size": "small", "work": "8h", "objective": "cost",
       "placement": "east", "dirty-rate": "20MB/s"}}""";
  private static final String RETENTION = "vmflock.collector.retention-periods";
  private static final int DEFAULT_RETENTION = 10;
  private static final String SNAPSHOT_EVERY = "vmflock.collector.snapshot-every";
  private static final int DEFAULT_SNAPSHOT_EVERY = 20_000;

  @Option(names = "--kills", defaultValue = "20", paramLabel = "N", description = "Times the manager's node is killed (default ${DEFAULT-VALUE}); 0 skips the takeover part.")
  int kills;

  @Option(names = "--reports", defaultValue = "300000", paramLabel = "N", description = "Timed reports, batched (default ${DEFAULT-VALUE}).")
  int reports;

  @Option(names = "--single-reports", defaultValue = "3000", paramLabel = "N", description = "Timed reports of the reference, one per message (default ${DEFAULT-VALUE}).")
  int singleReports;

  @Option(names = "--hosts", defaultValue = "50", paramLabel = "N", description = "Hosts of the site (default ${DEFAULT-VALUE}).")
  int hosts;

  @Option(names = "--vms-per-host", defaultValue = "40", paramLabel = "N", description = "VMs per host: the reports of one message (default ${DEFAULT-VALUE}).")
  int vmsPerHost;

  @Option(names = "--in-flight", paramLabel = "N", description = "Messages sent and not yet answered (default: --hosts, every host's message "
      + "of a period at once, as a site's hosts send theirs when a period ends).")
  Integer inFlightOption;

  int inFlight;

  @Option(names = "--keep", description = "Keep the processes' logs and configurations (printed) and the database.")
  boolean keep;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** How many reports a run sent, and in how long. */
  record Ingest(long reports, double seconds) {
    double perSecond() {
      return reports / seconds;
    }
  }

  @Override
  public Integer call() throws Exception {
    if (kills < 0 || kills > 1000) {
      throw new InvalidInputException("--kills", "must be in 0..1000, not " + kills);
    }
    inFlight = inFlightOption != null ? inFlightOption : hosts;
    if (reports < 1 || singleReports < 1 || hosts < 1 || vmsPerHost < 1 || inFlight < 1 || hosts * (long) vmsPerHost > 1_000_000) {
      throw new InvalidInputException("--reports/--single-reports/--hosts/--vms-per-host/--in-flight",
          "must be at least 1 each, and the site at most 1,000,000 VMs");
    }
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = new Progress(false);
    String database = "vmflock_bench_" + Long.toString(System.currentTimeMillis(), 36);
    Config base = node.load(Map.of());
    String user = base.getString("vmflock.journal.postgresql.user");
    String password = base.getString("vmflock.journal.postgresql.password");
    PostgresqlJournal.Target server = PostgresqlJournal.Target.of(base.getString("vmflock.journal.postgresql.url"));
    String url = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database;
    Ingest batched;
    Ingest single;
    Takeovers takeovers = null;
    try {
      Map<String, Object> overrides = new HashMap<>();
      overrides.put("vmflock.journal.kind", "postgresql");
      overrides.put("vmflock.journal.postgresql.url", url);
      overrides.put("pekko.remote.artery.canonical.port", 0);
      // the periods a site keeps: all of them (the default) would grow the state, and each snapshot, without end
      if (!node.settings.containsKey(RETENTION)) {
        overrides.put(RETENTION, DEFAULT_RETENTION);
      }
      // a snapshot holds the whole site (its roster and kept periods): every 500 events (the default), it
      // would be written 200 times a second at 100,000 reports/s
      if (!node.settings.containsKey(SNAPSHOT_EVERY)) {
        overrides.put(SNAPSHOT_EVERY, DEFAULT_SNAPSHOT_EVERY);
      }
      Config config = node.load(overrides);
      Instant start = Instant.parse("2026-06-01T12:00:00Z");
      try (VmflockNode n = VmflockNode.start("vmflock-bench", config, new ManualClock(start))) {
        PeriodGrid grid = org.vmflock.monitor.MonitorSettings.from(config).collector().grid();
        long first = grid.periodOf(start);
        RecipientRef<Collector.Command> collector = n.collectors().apply(SITE);
        for (int h = 0; h < hosts; h++) {
          List<RosterEntry> vms = new ArrayList<>();
          for (int v = 0; v < vmsPerHost; v++) {
            int i = h * vmsPerHost + v;
            vms.add(new RosterEntry(vm(h, v), host(h), String.format(Locale.ROOT, "02:00:%02x:%02x:%02x:%02x", i >>> 24 & 0xff, i >>> 16 & 0xff,
                i >>> 8 & 0xff, i & 0xff), List.of(address(i)), first));
          }
          String name = host(h);
          answered(VmflockNode.await(ask(n, collector, r -> new Collector.Register(name, vms, r)), "registering " + name, WAIT), "registering " + name);
        }
        progress.line(String.format(Locale.ROOT, "cluster bench: ingest into the collector of a site of %d hosts x %d VMs on PostgreSQL (%s), "
            + "%d periods kept, a snapshot every %d events", hosts, vmsPerHost, database, config.getInt(RETENTION), config.getInt(SNAPSHOT_EVERY)));
        long[] period = {first};
        // warm-up, then the timed runs: batched, single, batched again (the last kept)
        ingest(n, collector, period, Math.min(reports, 20 * hosts * vmsPerHost), true);
        progress.line("cluster bench: ingest, a host's reports of a period per message");
        Ingest warm = ingest(n, collector, period, reports, true);
        progress.line(String.format(Locale.ROOT, "cluster bench: %,.0f reports/s; the reference, one report per message", warm.perSecond()));
        single = ingest(n, collector, period, singleReports, false);
        progress.line(String.format(Locale.ROOT, "cluster bench: %,.0f reports/s; a host's reports per message again", single.perSecond()));
        batched = ingest(n, collector, period, reports, true);
      }
      if (kills > 0) {
        Path dir = Files.createTempDirectory("vmflock-bench-cluster");
        try {
          takeovers = takeovers(dir, url, user, password, progress);
        } finally {
          if (keep) {
            out.println("kept: " + dir + " (the processes' logs and configurations)");
          } else {
            OutputDirectory.deleteTree(dir);
          }
        }
      }
    } finally {
      if (keep) {
        out.println("kept: the database " + database);
      } else {
        dropDatabase(server, database, user, password);
      }
    }
    out.printf(Locale.ROOT, "ingest, one report per message (the reference): %,.0f reports/s (%,d reports in %.1f s)%n", single.perSecond(),
        single.reports(), single.seconds());
    out.printf(Locale.ROOT, "ingest, %d reports per message (a host's VMs, one period): %,.0f reports/s (%,d reports in %.1f s), %.1f x the reference%n",
        vmsPerHost, batched.perSecond(), batched.reports(), batched.seconds(), batched.perSecond() / single.perSecond());
    out.printf(Locale.ROOT, "collector ingest: %.0f reports/s per node%n", batched.perSecond());
    if (takeovers == null) {
      out.flush();
      return ExitCode.OK;
    }
    double[] ms = takeovers.millis().stream().mapToDouble(Long::doubleValue).sorted().toArray();
    out.printf(Locale.ROOT, "takeovers: %d, kill -9 to the manager answering on a survivor: median %.0f ms, max %.0f ms; %d decisions taken meanwhile%n",
        ms.length, ManagerBench.percentile(ms, 50), ms[ms.length - 1], takeovers.decisions());
    takeovers.problems().forEach(p -> out.println("  " + p));
    out.printf(Locale.ROOT, "takeover p99: %.0f ms%n", ManagerBench.percentile(ms, 99));
    out.printf(Locale.ROOT, "lost periods: %d%n", takeovers.lostPeriods());
    out.printf(Locale.ROOT, "double decisions: %d%n", takeovers.doubleDecisions());
    out.flush();
    return takeovers.lostPeriods() == 0 && takeovers.doubleDecisions() == 0 ? ExitCode.OK : ExitCode.FAILURE;
  }

  /** What the kills showed: each takeover's time, the periods lost and decisions doubled, and what they were. */
  record Takeovers(List<Long> millis, int lostPeriods, int doubleDecisions, int decisions, List<String> problems) {}

  /**
   * Three node processes; an application on east, its VMs sensed; then {@link #kills} times: the
   * manager's node killed (kill -9), timed until a survivor's manager answers, a price change that
   * moves the application (a decision) sent to it, the killed node started again and the cluster
   * whole. Then the periods from before the first kill to after the last, and the decisions.
   */
  private Takeovers takeovers(Path dir, String url, String user, String password, Progress progress) throws Exception {
    progress.line("cluster bench: starting hypervisors and three nodes (logs in " + dir + ")");
    try (LocalCluster c = new LocalCluster(dir, url, user, password)) {
      try {
        return takeovers(c, progress);
      } catch (RuntimeException e) {
        System.err.println(c.tails(40));
        throw e;
      }
    }
  }

  private Takeovers takeovers(LocalCluster c, Progress progress) throws Exception {
    List<String> problems = new ArrayList<>();
    LocalCluster.Node entry = c.nodes.get(2);
    if (c.post(entry, APPLICATION) != 200) {
      throw new IllegalStateException("the application was not accepted by " + entry.url());
    }
    java.util.Set<String> vms = new java.util.TreeSet<>();
    LocalCluster.until("the application's 4 VMs booted at the hypervisors", LocalCluster.START, () -> {
      vms.clear();
      LocalCluster.get(c.hypervisors + "/world").ifPresent(w -> w.get("page").get("vms").forEach(v -> vms.add(v.get("vm").asText())));
      return vms.size() == 4;
    });
    progress.line("cluster bench: an application of 4 VMs running; waiting for a period of theirs complete");
    long[] from = {0};
    LocalCluster.until("a period of the application complete", PERIODS, () -> {
      for (long q : c.periods(entry, "east").keySet()) {
        if (c.lostPeriods(entry, q, q, vms).isEmpty()) {
          from[0] = q;
          return true;
        }
      }
      return false;
    });
    List<Long> millis = new ArrayList<>();
    for (int k = 1; k <= kills; k++) {
      List<LocalCluster.Node> hosts = c.managerHosts();
      if (hosts.size() != 1) {
        throw new IllegalStateException("before kill " + k + ", the manager is on " + hosts.stream().map(LocalCluster.Node::name).toList() + ", not one node");
      }
      int i = c.nodes.indexOf(hosts.get(0));
      List<LocalCluster.Node> survivors = c.nodes.stream().filter(n -> n != hosts.get(0)).toList();
      long killed = System.nanoTime();
      c.kill(i);
      LocalCluster.Node[] newHost = {null};
      LocalCluster.until("the manager answering on a survivor after kill " + k, LocalCluster.START, () -> {
        for (LocalCluster.Node n : survivors) {
          if (LocalCluster.get(n.url() + "/api/cluster").map(j -> j.get("manager").get("here").asBoolean()).orElse(false)
              && LocalCluster.get(n.url() + "/api/status").isPresent()) {
            newHost[0] = n;
            return true;
          }
        }
        return false;
      });
      long ms = (System.nanoTime() - killed) / 1_000_000;
      millis.add(ms);
      // a decision for the new manager: the application's site made dearer, in turn
      String dearer = k % 2 == 1 ? "east" : "west";
      String cheaper = k % 2 == 1 ? "west" : "east";
      for (String[] price : List.of(new String[] {cheaper, "0.05"}, new String[] {dearer, "0.5"})) {
        int status = c.post(newHost[0], "{\"type\": \"price\", \"site\": \"" + price[0] + "\", \"perVmHour\": " + price[1] + "}");
        if (status != 200) {
          problems.add("kill " + k + ": the price change was answered " + status + " by " + newHost[0].name());
        }
      }
      progress.line(String.format(Locale.ROOT, "cluster bench: kill %d/%d: %s killed, the manager answering on %s after %d ms; %s dearer; starting %s again",
          k, kills, hosts.get(0).name(), newHost[0].name(), ms, dearer, hosts.get(0).name()));
      c.restart(i);
    }
    // the periods from before the first kill to the one in which the last restart ended, once they could close
    LocalCluster.until("the manager on one node", PERIODS, () -> c.managerHosts().size() == 1);
    LocalCluster.Node last = c.managerHosts().get(0);
    long[] current = {0};
    LocalCluster.until("the current period, from east's collector", PERIODS, () -> LocalCluster.get(last.url() + "/api/sites/east/periods?last=1")
        .map(p -> current[0] = p.get("current").asLong()).isPresent());
    long to = current[0] - 1;
    progress.line(String.format(Locale.ROOT, "cluster bench: waiting for the periods %d..%d to close", from[0], to));
    List<Long> lost = new ArrayList<>();
    try {
      LocalCluster.until("periods " + from[0] + ".." + to + " complete", PERIODS, () -> {
        lost.clear();
        lost.addAll(c.lostPeriods(last, from[0], to, vms));
        return lost.isEmpty();
      });
    } catch (IllegalStateException e) {
      for (long q : lost) {
        long span = to - from[0] + 21;
        problems.add("period " + q + " lost: east " + c.periods(last, "east", span).get(q) + ", west " + c.periods(last, "west", span).get(q));
      }
    }
    // decisions: none twice in the manager's status, nor in the processes' logs
    List<String> twice = new ArrayList<>(c.decisionsLoggedTwice());
    JsonNode[] answer = {null};
    LocalCluster.until("the manager's status", PERIODS, () -> (answer[0] = LocalCluster.get(last.url() + "/api/status?recent=100").orElse(null)) != null);
    JsonNode status = answer[0];
    java.util.Set<Long> ids = new java.util.HashSet<>();
    status.get("decisions").forEach(d -> {
      if (!ids.add(d.get("id").asLong())) {
        twice.add("decision " + d.get("id").asLong() + " twice in the manager's status");
      }
    });
    problems.addAll(twice);
    return new Takeovers(millis, lost.size(), twice.size(), c.decisionsLogged(), problems);
  }

  /**
   * Sends {@code count} reports (rounded up to whole messages), period after period, every host's
   * VMs; at most {@link #inFlight} messages unanswered. Every report must be accepted.
   */
  private Ingest ingest(VmflockNode n, RecipientRef<Collector.Command> collector, long[] period, int count, boolean batched) throws Exception {
    List<Function<ActorRef<Collector.Reply>, Collector.Command>> messages = new ArrayList<>();
    long total = 0;
    int h = 0;
    while (total < count) {
      List<SensorReport> batch = new ArrayList<>();
      for (int v = 0; v < vmsPerHost; v++) {
        int i = h * vmsPerHost + v;
        batch.add(new SensorReport(SITE, host(h), new VmTraffic(vm(h, v), period[0],
            List.of(new PeerTraffic(address((i + 1) % (hosts * vmsPerHost)), 1000 + i, 1_000_000L + i)), List.of(), 3, 180), 0, 0, false));
      }
      if (batched) {
        messages.add(r -> new Collector.Reports(batch, r));
        total += batch.size();
      } else {
        for (SensorReport one : batch) {
          if (total < count) {
            messages.add(r -> new Collector.Report(one, r));
            total++;
          }
        }
      }
      h++;
      if (h == hosts) {
        h = 0;
        period[0]++;
      }
    }
    if (h != 0) {
      // the next run begins a period of its own
      period[0]++;
    }
    AtomicLong next = new AtomicLong();
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> lanes = new ArrayList<>();
    for (int i = 0; i < inFlight; i++) {
      lanes.add(lane(n, collector, messages, next).toCompletableFuture());
    }
    CompletableFuture.allOf(lanes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    return new Ingest(total, (System.nanoTime() - t0) / 1e9);
  }

  /** Sends the next message not sent yet, and again once it is answered, until none is left. */
  private CompletionStage<Void> lane(VmflockNode n, RecipientRef<Collector.Command> collector, List<Function<ActorRef<Collector.Reply>, Collector.Command>> messages,
      AtomicLong next) {
    int i = (int) next.getAndIncrement();
    if (i >= messages.size()) {
      return CompletableFuture.completedFuture(null);
    }
    // on the node's dispatcher: the ask's stage runs its dependents asynchronously, and without an
    // executor a 2-core machine's CompletableFuture starts a thread for each (common pool of 1)
    return ask(n, collector, messages.get(i)).thenComposeAsync(reply -> {
      answered(reply, "report message " + i);
      return lane(n, collector, messages, next);
    }, n.system().executionContext());
  }

  private static void answered(Collector.Reply reply, String what) {
    boolean ok = reply instanceof Collector.Accepted || reply instanceof Collector.Batch b && b.refused().isEmpty();
    if (!ok) {
      throw new IllegalStateException(what + ": the collector answered " + reply);
    }
  }

  private static CompletionStage<Collector.Reply> ask(VmflockNode n, RecipientRef<Collector.Command> collector,
      Function<ActorRef<Collector.Reply>, Collector.Command> message) {
    return AskPattern.ask(collector, message::apply, WAIT, n.system().scheduler());
  }

  private static String host(int h) {
    return "h" + h;
  }

  private static String vm(int h, int v) {
    return "vm" + h + "-" + v;
  }

  private static String address(int i) {
    return "10." + (i >>> 16 & 0xff) + "." + (i >>> 8 & 0xff) + "." + (i & 0xff);
  }

  /**
   * Drops the bench's database (its owner may). An autovacuum worker on it, which its owner may not
   * terminate (FORCE then fails: "must be a member of the role whose process is being terminated"),
   * is waited for: tried again, 10 times at most, a second apart.
   */
  private static void dropDatabase(PostgresqlJournal.Target server, String database, String user, String password) {
    for (int attempt = 1; ; attempt++) {
      try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres", user,
          password); java.sql.Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        return;
      } catch (java.sql.SQLException e) {
        if (attempt >= 10 || !"42501".equals(e.getSQLState()) || !String.valueOf(e.getMessage()).contains("being terminated")) {
          System.err.println("cluster bench: could not drop the database " + database + ": " + e.getMessage());
          return;
        }
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        System.err.println("cluster bench: interrupted while dropping the database " + database);
        return;
      }
    }
  }
}
