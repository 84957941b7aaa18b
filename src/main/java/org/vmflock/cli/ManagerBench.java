package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.StepResult;
import org.vmflock.execute.PacedActuator;
import org.vmflock.execute.StepProgress;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.vmflock.control.ManagerSettings;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.VmflockNode;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "manager",
    mixinStandardHelpOptions = true,
    description = {
      "Times price event -> migration command on one node.",
      "A node (cluster provider, sharding, the manager singleton, an H2 journal in a temporary directory)",
      "with two sites and one application of NPB CG's 4 VMs, objective cost, over a simulated federation.",
      "Each timed event triples the price of the site the application runs at (an untimed one first brings",
      "the other site back to the low price, and its cycle keeps the application where it is); the time is",
      "taken from the event sent to the site actor to the first command the actuator receives for the",
      "resulting migration (its reservation), through publication, the debounce, the MAPE cycle and the",
      "saga's start. Simulated time jumps an hour between events (past the cool-down). Reference in the",
      "same run: a persisted site change answered by its site actor. Last line: event->command p99: N ms."
    })
public final class ManagerBench implements Callable<Integer> {

  private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long GIB = 1L << 30;
  private static final String APP = "bench";
  private static final List<String> SITES = List.of("east", "west");
  private static final double LOW = 0.10;
  private static final double HIGH = 0.30;

  @Option(names = "--events", defaultValue = "200", description = "Timed events (default ${DEFAULT-VALUE}).")
  int events;

  @Option(names = "--warmup", defaultValue = "20", description = "Untimed events first, for the JIT (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--scenario", paramLabel = "FILE", description = {
      "Also a whole scenario's federation on the node (e.g. simulations/large.conf): every application submitted, then one",
      "planning round over all of them while the status is asked again and again. Every message and event goes through",
      "the actor system's own serializer, which records the largest; prints the largest message and event and the",
      "status's p99 during the round."})
  Path scenario;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (events < 1 || warmup < 0) {
      throw new org.vmflock.model.InvalidInputException("--events/--warmup", "need at least one event and no negative warm-up");
    }
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = new Progress(false);
    Optional<ManagerScaleRun.Figures> scale = Optional.empty();
    if (scenario != null) {
      org.vmflock.scenario.Scenario s = org.vmflock.scenario.ScenarioFile.load(scenario);
      // timed as a node runs; then again, every message serialized as if it crossed the network, to weigh them
      ManagerScaleRun.Figures timed = scaleRun(s, false, progress);
      ManagerScaleRun.Figures weighed = scaleRun(s, true, progress);
      out.printf(Locale.ROOT, "scale: %d applications, %d VMs; planning round %.0f ms (%d decisions); status during planning: median %.1f ms,"
          + " p99 %.1f ms (%d answers); largest snapshot %s%n", timed.applications(), timed.vms(), timed.planningMillis(), timed.decisions(),
          timed.statusPercentile(0.5), timed.statusPercentile(0.99), timed.statusMillis().size(),
          ManagerScaleRun.describe(timed.largest().get(ManagerScaleRun.Kind.SNAPSHOT)));
      out.flush();
      scale = Optional.of(new ManagerScaleRun.Figures(timed.applications(), timed.vms(), weighed.largest(), timed.statusMillis(),
          timed.planningMillis(), timed.decisions()));
    }
    Path journal = Files.createTempDirectory("vmflock-bench-manager");
    Map<String, Object> overrides = new HashMap<>(NodeConfig.h2JournalAt(journal));
    overrides.put("vmflock.http.port", 0);
    overrides.put("pekko.remote.artery.canonical.port", 0);
    // the bench swaps two sites' prices at every event and times the reaction: each new price is
    // taken as lasting (a price swapped that often would otherwise be expected back at its mean)
    overrides.put("vmflock.planner.price-forecast.kind", "last");
    Config config = node.load(overrides);
    ManualClock clock = new ManualClock(START);
    try (VmflockNode n = VmflockNode.start("vmflock", config, clock)) {
      ManagerSettings settings = ManagerSettings.from(config);
      NetworkPath wan = new NetworkPath(Duration.ofMillis(5), 10e9 / 8);
      SimulatedFederation federation = new SimulatedFederation(clock, settings.planning().migration(), (a, b) -> wan, FaultPlan.none(), 1);
      FirstCommand recorder = new FirstCommand(new PacedActuator(federation.actuator(), 1000));
      // migrations run at 1000 times their simulated speed: the bench times the decision, not the copy
      ActorRef<MigrationManager.Command> manager = n.startController(settings, recorder, federation, 1000, Duration.ofHours(1),
          List.of("bench"));
      for (String s : SITES) {
        define(n, federation, s, Optional.empty());
      }
      define(n, federation, "reference", Optional.of(0)); // takes none of our VMs: its changes move nothing

      VmflockNode.await(AskPattern.ask(manager, (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.WatchSites(SITES, r), WAIT,
          n.system().scheduler()), "telling the manager the sites", WAIT);
      Application app = application();
      Map<String, String> placement = new HashMap<>();
      app.vmNames().forEach(vm -> placement.put(vm, SITES.get(0)));
      MigrationManager.Reply submitted = VmflockNode.await(AskPattern.ask(manager,
          (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.Submit(app, placement, r), WAIT, n.system().scheduler()), "submitting", WAIT);
      if (submitted instanceof MigrationManager.Rejected r) {
        throw new IllegalStateException("the bench application was refused: " + r.reason());
      }
      settle(n, manager, app, SITES.get(0));
      progress.line(String.format(Locale.ROOT, "manager bench: %d warm-up + %d timed events, journal in %s", warmup, events, journal));

      double[] reference = new double[warmup + events];
      for (int i = 0; i < reference.length; i++) {
        long t0 = System.nanoTime();
        accept(n, "reference", new EnvironmentChange.Price("*", clock.now(), LOW + i * 1e-4));
        reference[i] = (System.nanoTime() - t0) / 1e6;
      }

      double[] latency = new double[events];
      int total = warmup + events;
      for (int i = 0; i < total; i++) {
        String from = SITES.get(i % 2);
        String to = SITES.get((i + 1) % 2);
        clock.advance(Duration.ofHours(1)); // past the cool-down of the last move
        // untimed: the destination's price back to the application's, a cycle that keeps it where it is
        if (i > 0) {
          long decided = lastDecisionId(n, manager);
          accept(n, to, new EnvironmentChange.Price("*", clock.now(), LOW));
          awaitCycle(n, manager, decided);
        }
        // timed: the application's site gets three times dearer
        CompletableFuture<Long> command = recorder.expect(to);
        long t0 = System.nanoTime();
        accept(n, from, new EnvironmentChange.Price("*", clock.now(), HIGH));
        long t1;
        try {
          t1 = command.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          throw new IllegalStateException("no migration to " + to + " within " + WAIT.toSeconds() + " s of event " + (i + 1)
              + "; last decision: " + lastDecision(n, manager));
        }
        if (i >= warmup) {
          latency[i - warmup] = (t1 - t0) / 1e6;
        }
        settle(n, manager, app, to);
        if ((i + 1) % Math.max(1, total / 10) == 0) {
          progress.line(String.format(Locale.ROOT, "manager bench: %d/%d events", i + 1, total));
        }
      }
      double[] ref = Arrays.copyOfRange(reference, warmup, reference.length);
      Arrays.sort(ref);
      Arrays.sort(latency);
      double refMedian = percentile(ref, 50);
      out.printf(Locale.ROOT, "reference: persisted site change answered: median %.1f ms, p99 %.1f ms (%d changes)%n", refMedian,
          percentile(ref, 99), ref.length);
      out.printf(Locale.ROOT, "event->command: median %.1f ms, p99 %.1f ms, max %.1f ms (%d events; debounce %d ms included)%n",
          percentile(latency, 50), percentile(latency, 99), latency[latency.length - 1], events, settings.debounce().toMillis());
      out.printf(Locale.ROOT, "event->command / reference: median %.1f, p99 %.1f%n", percentile(latency, 50) / refMedian,
          percentile(latency, 99) / refMedian);
      if (scale.isPresent()) {
        ManagerScaleRun.Figures f = scale.get();
        out.printf(Locale.ROOT, "largest message: %s%n", ManagerScaleRun.describe(f.largest().get(ManagerScaleRun.Kind.MESSAGE)));
        out.printf(Locale.ROOT, "largest event: %s%n", ManagerScaleRun.describe(f.largest().get(ManagerScaleRun.Kind.EVENT)));
        out.printf(Locale.ROOT, "status during planning p99: %d ms%n", Math.round(f.statusPercentile(0.99)));
      }
      out.printf(Locale.ROOT, "event->command p99: %d ms%n", Math.round(percentile(latency, 99)));
      out.flush();
    } finally {
      deleteQuietly(journal);
    }
    return ExitCode.OK;
  }

  private ManagerScaleRun.Figures scaleRun(org.vmflock.scenario.Scenario s, boolean everyMessage, Progress progress) throws Exception {
    Path journal = Files.createTempDirectory("vmflock-bench-manager-scale");
    try {
      return ManagerScaleRun.run(node.load(Map.of()), s, journal, everyMessage,
          line -> progress.line("manager bench: " + line + (everyMessage ? " (every message serialized)" : "")));
    } finally {
      deleteQuietly(journal);
    }
  }

  /** The nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static void define(VmflockNode n, SimulatedFederation federation, String name, Optional<Integer> quota) {
    Capacity cap = new Capacity(8, 32, 64 * GIB);
    Site s = new Site(name, cap, 1.0, PriceSchedule.flat(LOW), 0.0, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    SiteActor.Reply r = change(n, name, new EnvironmentChange.Define(s, List.of(), quota));
    if (r instanceof SiteActor.Rejected rej) {
      throw new IllegalStateException("site " + name + " refused: " + rej.reason());
    }
    federation.site(name, cap);
  }

  private static void accept(VmflockNode n, String site, EnvironmentChange c) {
    if (change(n, site, c) instanceof SiteActor.Rejected rej) {
      throw new IllegalStateException("change at " + site + " refused: " + rej.reason());
    }
  }

  /** Waits (untimed) until the manager has made a decision after decision {@code last}. */
  private static void awaitCycle(VmflockNode n, ActorRef<MigrationManager.Command> manager, long last) throws InterruptedException {
    poll(() -> lastDecisionId(n, manager) > last, "no cycle after a price change");
  }

  /** The id of the manager's last decision (ids grow; the knowledge keeps only the recent decisions). */
  private static long lastDecisionId(VmflockNode n, ActorRef<MigrationManager.Command> manager) {
    return status(n, manager, StatusQuery.SITES).totals().decisions();
  }

  private static void poll(java.util.function.BooleanSupplier done, String failure) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(failure + " within " + WAIT.toSeconds() + " s");
      }
      Thread.sleep(5);
    }
  }

  private static SiteActor.Reply change(VmflockNode n, String site, EnvironmentChange c) {
    return VmflockNode.await(AskPattern.ask(n.sites().apply(site), (ActorRef<SiteActor.Reply> r) -> new SiteActor.Change(c, r), WAIT,
        n.system().scheduler()), "changing site " + site, WAIT);
  }

  /** NPB CG class A on 4 VMs, long enough to outlast the bench, objective cost. */
  private static Application application() {
    TrafficMatrix captured = MatrixCsv.read(Samples.file("cg.A.4.bytes.csv"), TrafficMetric.BYTES);
    int size = captured.size();
    List<String> vms = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      vms.add(APP + "-vm" + i);
    }
    double[][] perSecond = new double[size][size];
    for (int i = 0; i < size; i++) {
      for (int j = 0; j < size; j++) {
        perSecond[i][j] = captured.bytes(i, j) / 2.1; // the capture covers 2.1 s of work
      }
    }
    List<Vm> specs = vms.stream().map(v -> new Vm(v, "small", 1, 2 * GIB, 20e6)).toList();
    return new Application(APP, specs, new Workload(10_000 * 3600.0, 0, 10, new TrafficMatrix(vms, new double[size][size], perSecond)),
        Objective.COST, Optional.empty(), Optional.empty(), 0);
  }

  private static StatusPage status(VmflockNode n, ActorRef<MigrationManager.Command> manager, StatusQuery q) {
    return VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(q, r), WAIT,
        n.system().scheduler()), "status", WAIT);
  }

  private static String lastDecision(VmflockNode n, ActorRef<MigrationManager.Command> manager) {
    List<StatusPage.DecisionLine> ds = status(n, manager, StatusQuery.FIRST_PAGE).decisions();
    return ds.isEmpty() ? "none" : ds.get(ds.size() - 1).reason();
  }

  /** Waits (untimed) until every VM of the application runs at {@code site} and no migration is in flight. */
  private static void settle(VmflockNode n, ActorRef<MigrationManager.Command> manager, Application app, String site)
      throws InterruptedException {
    poll(() -> {
      StatusPage p = status(n, manager, StatusQuery.of(app.name()));
      return p.totals().migrationsInFlight() == 0 && p.applications().size() == 1
          && app.vmNames().stream().allMatch(vm -> site.equals(p.applications().get(0).placement().get(vm)));
    }, "the application did not settle at " + site);
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temporary directory: the system cleans it eventually
    }
  }

  /** Passes every command on, and notes when the first one for a migration to the expected site arrives. */
  private static final class FirstCommand implements Actuator {
    private final Actuator actuator;
    private final AtomicReference<Expectation> expected = new AtomicReference<>();

    private record Expectation(String to, CompletableFuture<Long> at) {}

    FirstCommand(Actuator actuator) {
      this.actuator = actuator;
    }

    CompletableFuture<Long> expect(String to) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      expected.set(new Expectation(to, f));
      return f;
    }

    @Override
    public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
      long now = System.nanoTime();
      Expectation e = expected.get();
      if (e != null && step == MigrationStep.RESERVE && order.to().equals(e.to())) {
        e.at().complete(now);
      }
      return actuator.perform(order, step, attempt, progress);
    }

    @Override
    public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
      return actuator.compensate(order, step, attempt);
    }
  }
}
