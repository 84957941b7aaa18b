package org.vmflock.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.ManualClock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.PacedActuator;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.Site;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.SizeRecordingSerializer;
import org.vmflock.node.VmflockNode;
import org.vmflock.scenario.Scenario;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;

/**
 * The controller of one node on a whole scenario (a large federation): its sites defined, every
 * application submitted, then one planning round over all of them, while the status is asked again
 * and again. Every message and event goes through the actor system's own serializer, which records
 * the largest of each class ({@link SizeRecordingSerializer}). The benchmark {@code bench manager
 * --scenario} prints the figures; a test holds them to a bound.
 */
final class ManagerScaleRun {

  private static final Duration WAIT = Duration.ofMinutes(10);
  private static final int SUBMITS_IN_FLIGHT = 32;

  /** Where a payload class belongs: persisted events, persisted states (snapshots), or messages. */
  enum Kind { EVENT, SNAPSHOT, MESSAGE }

  /**
   * What the run measured.
   *
   * @param largest per kind, the largest payload and its class
   * @param statusMillis the status answers' times while the planning round ran
   * @param planningMillis the round's time, from the request to the report
   */
  record Figures(int applications, int vms, Map<Kind, Map.Entry<String, Long>> largest, List<Double> statusMillis, double planningMillis,
      int decisions) {

    double statusPercentile(double p) {
      List<Double> sorted = statusMillis.stream().sorted().toList();
      return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
  }

  private ManagerScaleRun() {}

  static Kind kind(String className) {
    if (className.contains("Event$") || className.endsWith("Event")) {
      return Kind.EVENT;
    }
    if (className.equals("org.vmflock.knowledge.Knowledge") || className.equals("org.vmflock.site.SiteState")
        || className.equals("org.vmflock.execute.SagaState") || className.startsWith("org.vmflock.monitor.stats.SiteStatistics")) {
      return Kind.SNAPSHOT;
    }
    return Kind.MESSAGE;
  }

  /**
   * One run. With {@code everyMessage}, every message is serialized as if it crossed the network
   * (measured, and slower); without, only what the journal writes is (events and snapshots).
   */
  static Figures run(Config base, Scenario scenario, Path journal, boolean everyMessage, Consumer<String> progress) throws Exception {
    Map<String, Object> overrides = new HashMap<>(NodeConfig.h2JournalAt(journal));
    overrides.putAll(SizeRecordingSerializer.config());
    overrides.put("pekko.actor.serialize-messages", everyMessage ? "on" : "off");
    // cycles when asked only, and no periodic re-plan: the run times one round
    overrides.put("vmflock.manager.debounce", "1h");
    overrides.put("vmflock.manager.full-replan-every", 0);
    overrides.put("pekko.remote.artery.canonical.port", 0);
    Config config = NodeConfig.load(Optional.empty(), overrides).withFallback(base);
    ManualClock clock = new ManualClock(scenario.start());
    String name = "vmflock-scale";
    SizeRecordingSerializer.reset(name);
    try (VmflockNode n = VmflockNode.start(name, config, clock)) {
      ManagerSettings settings = ManagerSettings.from(config);
      SimulatedFederation federation = new SimulatedFederation(clock, settings.planning().migration(), scenario.infra()::path, FaultPlan.none(), 1);
      ActorRef<MigrationManager.Command> manager = n.startController(settings, new PacedActuator(federation.actuator(), 1000), federation, 1000,
          Duration.ofHours(1), Optional.empty());
      progress.accept("defining " + scenario.infra().sites().size() + " sites");
      for (Site s : scenario.infra().sites()) {
        EnvironmentChange.Define define = EnvironmentChange.Define.in(scenario.infra(), s.withHosting(s.hosting().knownAt(scenario.start())));
        SiteActor.Reply r = VmflockNode.await(AskPattern.ask(n.sites().apply(s.name()), (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(define, ref),
            WAIT, n.system().scheduler()), "defining " + s.name(), WAIT);
        if (r instanceof SiteActor.Rejected rej) {
          throw new IllegalStateException(rej.reason());
        }
        federation.site(s.name(), s.capacity());
      }
      VmflockNode.await(AskPattern.ask(manager, (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.WatchSites(
          scenario.infra().sites().stream().map(Site::name).toList(), r), WAIT, n.system().scheduler()), "telling the manager the sites", WAIT);
      List<Scenario.ScenarioApplication> apps = scenario.applications();
      progress.accept("submitting " + apps.size() + " applications");
      List<CompletableFuture<MigrationManager.Reply>> inFlight = new ArrayList<>();
      for (Scenario.ScenarioApplication a : apps) {
        if (inFlight.size() == SUBMITS_IN_FLIGHT) {
          inFlight.remove(0).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        CompletionStage<MigrationManager.Reply> reply = AskPattern.ask(manager, (ActorRef<MigrationManager.Reply> r) ->
            new MigrationManager.Submit(a.app(), a.placement().siteOfVm(), r), WAIT, n.system().scheduler());
        inFlight.add(reply.toCompletableFuture().thenApply(x -> {
          if (x instanceof MigrationManager.Rejected rej) {
            throw new IllegalStateException("application " + a.app().name() + " refused: " + rej.reason());
          }
          return x;
        }));
      }
      for (CompletableFuture<MigrationManager.Reply> f : inFlight) {
        f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      int vms = apps.stream().mapToInt(a -> a.app().vms().size()).sum();
      progress.accept("one planning round over " + apps.size() + " applications and " + vms + " VMs");
      Set<String> all = apps.stream().map(a -> a.app().name()).collect(Collectors.toSet());
      long t0 = System.nanoTime();
      CompletableFuture<MigrationManager.CycleReport> cycle = AskPattern.ask(manager,
          (ActorRef<MigrationManager.CycleReport> r) -> new MigrationManager.RunCycle(all, r), WAIT, n.system().scheduler()).toCompletableFuture();
      List<Double> status = new ArrayList<>();
      while (!cycle.isDone()) {
        long s0 = System.nanoTime();
        VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(StatusQuery.FIRST_PAGE, r), WAIT,
            n.system().scheduler()), "status", WAIT);
        status.add((System.nanoTime() - s0) / 1e6);
      }
      MigrationManager.CycleReport report = cycle.get();
      double planning = (System.nanoTime() - t0) / 1e6;
      // a few pages of the status after the round, each bounded
      for (int offset = 0; offset < apps.size(); offset += StatusQuery.DEFAULT_LIMIT) {
        int o = offset;
        StatusPage p = VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(
            new StatusQuery(Optional.empty(), o, StatusQuery.DEFAULT_LIMIT, StatusQuery.MAX_RECENT), r), WAIT, n.system().scheduler()), "status", WAIT);
        if (p.nextOffset().isEmpty()) {
          break;
        }
        offset = p.nextOffset().get() - StatusQuery.DEFAULT_LIMIT;
      }
      SortedMap<String, Long> largest = SizeRecordingSerializer.largest(name);
      Map<Kind, Map.Entry<String, Long>> byKind = new HashMap<>();
      largest.forEach((cls, size) -> byKind.merge(kind(cls), Map.entry(cls, size), (x, y) -> x.getValue() >= y.getValue() ? x : y));
      return new Figures(apps.size(), vms, byKind, status, planning, report.decisions().size());
    }
  }

  static String describe(Map.Entry<String, Long> e) {
    return e == null ? "0 bytes" : e.getValue() + " bytes (" + e.getKey().substring(e.getKey().lastIndexOf('.') + 1) + ")";
  }
}
