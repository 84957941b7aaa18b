package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.Capacity;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.PostgresqlJournal;
import org.vmflock.node.VmflockNode;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "journal",
    mixinStandardHelpOptions = true,
    description = {
      "Times the H2 journal's writes as the node makes them: site actors persisting price changes, each",
      "answered once persisted; one writer, then --writers at once, each sending its next change when the",
      "last is answered. Three journals in the same run, one per vmflock.journal.h2.durability: written",
      "(the default: every event in the file before it is answered), synced (also fsync'ed), and the",
      "reference, delayed (H2's own write delay, which lost answered events to a kill -9). Each is run twice,",
      "in turn, and the second round kept (the first warms the JIT up). Last line:",
      "journal: N events/s durable (X of H2's default)."
    })
public final class JournalBench implements java.util.concurrent.Callable<Integer> {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  private static final long GIB = 1L << 30;
  private static final String POSTGRESQL = "postgresql";

  @Option(names = "--events", defaultValue = "400", description = "Timed changes per writer (default ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--writers", defaultValue = "8", description = "Site actors writing at once in the second pass (default ${DEFAULT-VALUE}).")
  int writers;

  @Option(names = "--warmup", defaultValue = "100", description = "Untimed changes per writer first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--postgresql", description = {"Also times the PostgreSQL journal of vmflock.journal.postgresql (a local server set up",
      "as a node would); the bench's sites are deleted from it afterwards."})
  boolean postgresql;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  // when the first writer began its timed changes
  private final java.util.concurrent.atomic.AtomicLong firstTimed = new java.util.concurrent.atomic.AtomicLong();

  /** Events per second and the latency of one change, for a number of writers. */
  record Pass(int writers, double eventsPerSecond, double medianMillis, double p99Millis) {}

  @Override
  public Integer call() throws Exception {
    if (events < 1 || writers < 1 || warmup < 0 || writers > 1000) {
      throw new InvalidInputException("--events/--writers/--warmup", "need at least one event, 1 to 1000 writers and no negative warm-up");
    }
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = new Progress(false);
    Map<String, List<Pass>> passes = new java.util.LinkedHashMap<>();
    // each journal twice, in turn: the first round warms the JIT up for all, the second is kept
    List<String> journals = new ArrayList<>(List.of("delayed", "written", "synced"));
    if (postgresql) {
      journals.add(POSTGRESQL);
    }
    journals.addAll(List.copyOf(journals));
    // the bench's sites in a PostgreSQL journal, which outlives the bench: named for this run, deleted after
    String run = "bench-" + Long.toString(System.nanoTime(), 36) + "-";
    for (String durability : journals) {
      Path journal = Files.createTempDirectory("vmflock-bench-journal");
      Config config = null;
      try {
        Map<String, Object> overrides = new HashMap<>(NodeConfig.h2JournalAt(journal));
        if (durability.equals(POSTGRESQL)) {
          overrides.put("vmflock.journal.kind", POSTGRESQL);
        } else {
          overrides.put("vmflock.journal.h2.durability", durability);
        }
        overrides.put("pekko.remote.artery.canonical.port", 0);
        config = node.load(overrides);
        try (VmflockNode n = VmflockNode.start("vmflock-bench", config, new ManualClock(START))) {
          SiteActor.initSharding(n.sharding(), n.clock(), new SiteActor.Settings(Duration.ofHours(1), SiteActor.Settings.DEFAULTS.minBackoff(),
              SiteActor.Settings.DEFAULTS.maxBackoff()));
          List<Pass> results = new ArrayList<>();
          for (int w : writers == 1 ? List.of(1) : List.of(1, writers)) {
            progress.line(String.format(Locale.ROOT, "journal bench: %s, %d writer(s), %d + %d changes each", durability, w, warmup, events));
            results.add(pass(n, run + "w" + w + "-", w));
          }
          passes.put(durability, results);
        }
      } finally {
        OutputDirectory.deleteTree(journal);
        if (config != null && durability.equals(POSTGRESQL)) {
          deleteSites(config, run);
        }
      }
    }
    for (Map.Entry<String, List<Pass>> e : passes.entrySet()) {
      String what = switch (e.getKey()) {
        case "written" -> "written (vmflock's default: in the file before answered)";
        case "synced" -> "synced (on the disk before answered)";
        case POSTGRESQL -> "postgresql (committed by the server before answered)";
        default -> "delayed (H2's write delay, the reference)";
      };
      for (Pass p : e.getValue()) {
        out.printf(Locale.ROOT, "%s, %d writer(s): %,.0f events/s, a change answered in median %.2f ms, p99 %.2f ms%n", what, p.writers(),
            p.eventsPerSecond(), p.medianMillis(), p.p99Millis());
      }
    }
    List<Pass> durable = passes.get("written");
    List<Pass> reference = passes.get("delayed");
    for (String d : postgresql ? List.of("written", "synced", POSTGRESQL) : List.of("written", "synced")) {
      for (int i = 0; i < durable.size(); i++) {
        Pass p = passes.get(d).get(i);
        out.printf(Locale.ROOT, "%s / delayed, %d writer(s): events/s %.2f, median latency %.2f%n", d, p.writers(),
            p.eventsPerSecond() / reference.get(i).eventsPerSecond(), p.medianMillis() / reference.get(i).medianMillis());
      }
    }
    Pass last = durable.get(durable.size() - 1);
    out.printf(Locale.ROOT, "journal: %.0f events/s durable (%.2f of H2's default)%n", last.eventsPerSecond(),
        last.eventsPerSecond() / reference.get(reference.size() - 1).eventsPerSecond());
    out.flush();
    return ExitCode.OK;
  }

  /** {@code count} site actors, each sent its next price change when the last is answered. */
  private Pass pass(VmflockNode n, String prefix, int count) throws Exception {
    List<String> sites = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = prefix + i;
      Site s = new Site(name, new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(0.1), 0.0, Map.of(),
          new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
      VmflockNode.await(change(n, name, new EnvironmentChange.Define(s, List.of(), Optional.empty())), "defining " + name, WAIT);
      sites.add(name);
    }
    double[] latency = new double[count * events];
    AtomicInteger next = new AtomicInteger();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    firstTimed.set(Long.MAX_VALUE);
    for (String site : sites) {
      done.add(writer(n, site, 0, latency, next).toCompletableFuture());
    }
    CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds() * 10, java.util.concurrent.TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - firstTimed.get()) / 1e9;
    Arrays.sort(latency);
    return new Pass(count, latency.length / seconds, ManagerBench.percentile(latency, 50), ManagerBench.percentile(latency, 99));
  }

  /** Sends change {@code i} and, once answered, the next one; the timed ones record their latency. */
  private CompletionStage<Void> writer(VmflockNode n, String site, int i, double[] latency, AtomicInteger next) {
    if (i == warmup + events) {
      return CompletableFuture.completedFuture(null);
    }
    long t0 = System.nanoTime();
    if (i == warmup) {
      firstTimed.accumulateAndGet(t0, Math::min);
    }
    return change(n, site, new EnvironmentChange.Price("*", START, 0.1 + i * 1e-6)).thenCompose(reply -> {
      if (reply instanceof SiteActor.Rejected r) {
        throw new IllegalStateException("site " + site + " refused: " + r.reason());
      }
      if (i >= warmup) {
        latency[next.getAndIncrement()] = (System.nanoTime() - t0) / 1e6;
      }
      return writer(n, site, i + 1, latency, next);
    });
  }

  /** Deletes the events and snapshots of the site actors named {@code prefix...} from a PostgreSQL journal. */
  private static void deleteSites(Config config, String prefix) throws java.sql.SQLException {
    try (java.sql.Connection c = PostgresqlJournal.connect(config)) {
      for (String table : List.of("event_journal", "snapshot")) {
        try (java.sql.PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE persistence_id LIKE ?")) {
          // the prefix is letters, digits and dashes: no LIKE wildcard in it
          s.setString(1, SiteActor.TYPE_KEY.name() + "|" + prefix + "%");
          s.executeUpdate();
        }
      }
    }
  }

  private static CompletionStage<SiteActor.Reply> change(VmflockNode n, String site, EnvironmentChange c) {
    return AskPattern.ask(n.sites().apply(site), (ActorRef<SiteActor.Reply> r) -> new SiteActor.Change(c, r), WAIT, n.system().scheduler());
  }
}
