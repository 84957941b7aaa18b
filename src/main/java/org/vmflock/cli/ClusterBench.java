package org.vmflock.cli;

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
      "message (Collector.Reports, one journal write), against the reference of one report per message, in the same run.",
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
  private static final String RETENTION = "vmflock.collector.retention-periods";
  private static final int DEFAULT_RETENTION = 10;

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

  @Option(names = "--in-flight", defaultValue = "16", paramLabel = "N", description = "Messages sent and not yet answered (default ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(names = "--keep", description = "Keep the processes' logs and configurations (printed) and the database.")
  boolean keep;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Reports per second, and how many messages carried them. */
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
    try {
      Map<String, Object> overrides = new HashMap<>();
      overrides.put("vmflock.journal.kind", "postgresql");
      overrides.put("vmflock.journal.postgresql.url", url);
      overrides.put("pekko.remote.artery.canonical.port", 0);
      // the periods a site keeps: all of them (the default) would grow the state, and each snapshot, without end
      if (!node.settings.containsKey(RETENTION)) {
        overrides.put(RETENTION, DEFAULT_RETENTION);
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
        progress.line(String.format(Locale.ROOT, "cluster bench: ingest into the collector of a site of %d hosts x %d VMs on PostgreSQL (%s)",
            hosts, vmsPerHost, database));
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
    } finally {
      if (!keep) {
        dropDatabase(server, database, user, password);
      }
    }
    out.printf(Locale.ROOT, "ingest, one report per message (the reference): %,.0f reports/s (%,d reports in %.1f s)%n", single.perSecond(),
        single.reports(), single.seconds());
    out.printf(Locale.ROOT, "ingest, %d reports per message (a host's VMs, one period): %,.0f reports/s (%,d reports in %.1f s), %.1f x the reference%n",
        vmsPerHost, batched.perSecond(), batched.reports(), batched.seconds(), batched.perSecond() / single.perSecond());
    out.printf(Locale.ROOT, "collector ingest: %.0f reports/s per node%n", batched.perSecond());
    out.flush();
    return ExitCode.OK;
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
    return ask(n, collector, messages.get(i)).thenCompose(reply -> {
      answered(reply, "report message " + i);
      return lane(n, collector, messages, next);
    });
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

  /** Drops the bench's database (its owner may). */
  private static void dropDatabase(PostgresqlJournal.Target server, String database, String user, String password) {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres", user, password);
        java.sql.Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (java.sql.SQLException e) {
      System.err.println("cluster bench: could not drop the database " + database + ": " + e.getMessage());
    }
  }
}
