package org.vmflock.manager;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.ManualClock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.execute.PacedActuator;
import org.vmflock.execute.FaultPlan;
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
import org.vmflock.node.VmflockNode;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.testing.TestConfigs;
import org.vmflock.testing.TestData;

/**
 * A whole controller on one real node (cluster provider, sharding, singleton, H2 journal), over a
 * simulated federation, with a manual clock. Migrations run at 1000 times their speed.
 */
final class ControllerFixture implements AutoCloseable {

  static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  static final long GIB = 1L << 30;
  static final double TIME_SCALE = 1000;

  final ManualClock clock = new ManualClock(START);
  final VmflockNode node;
  final SimulatedFederation federation;
  final ActorRef<MigrationManager.Command> manager;
  final ManagerSettings settings;
  final org.apache.pekko.actor.testkit.typed.javadsl.TestProbe<Object> probe;

  ControllerFixture(String name, Path journal, Map<String, Object> overrides) {
    java.util.Map<String, Object> o = new java.util.HashMap<>(Map.of("vmflock.manager.debounce", "1h"));
    o.putAll(overrides);
    var config = TestConfigs.node(journal, o);
    node = VmflockNode.start(name, config, clock);
    settings = ManagerSettings.from(config);
    NetworkPath wan = new NetworkPath(Duration.ofMillis(2), 10e9 / 8);
    federation = new SimulatedFederation(clock, settings.planning().migration(), (a, b) -> wan, FaultPlan.none(), 1);
    manager = node.startController(settings, new PacedActuator(federation.actuator(), TIME_SCALE), federation, TIME_SCALE, Duration.ofHours(1));
    probe = org.apache.pekko.actor.testkit.typed.javadsl.TestProbe.create(node.system());
  }

  /** Defines a site (capacity in small VMs) at the site actor and in the simulated world, and tells the manager. */
  void site(String name, int slots, double speed, double price) {
    Capacity cap = new Capacity(slots, slots * 4, slots * 8 * GIB);
    Site s = new Site(name, cap, speed, PriceSchedule.flat(price), 0.01, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
    change(name, new EnvironmentChange.Define(s, List.of(), Optional.empty()));
    federation.site(name, cap);
    manager.tell(new MigrationManager.WatchSites(List.of(name), node.system().ignoreRef()));
    awaitAssert(() -> {
      org.junit.jupiter.api.Assertions.assertTrue(status().sites().stream().anyMatch(x -> x.name().equals(name)), "the manager knows site " + name);
    });
  }

  /** Retries {@code check} until it passes (the testkit's polling; no sleeping in tests). */
  void awaitAssert(Runnable check) {
    probe.awaitAssert(TIMEOUT, () -> {
      check.run();
      return null;
    });
  }

  SiteActor.Reply change(String site, EnvironmentChange c) {
    return VmflockNode.await(AskPattern.ask(node.sites().apply(site), (ActorRef<SiteActor.Reply> r) -> new SiteActor.Change(c, r), TIMEOUT,
        node.system().scheduler()), "site change", TIMEOUT);
  }

  /** An application of 4 small VMs exchanging NPB CG's traffic, {@code hours} of work long. */
  static Application cg(String name, double hours, Objective objective) {
    TrafficMatrix bytes = MatrixCsv.read(TestData.npb("cg.A.4.bytes.csv"), TrafficMetric.BYTES);
    List<String> vms = List.of(name + "-vm1", name + "-vm2", name + "-vm3", name + "-vm4");
    double[][] b = new double[4][4];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        b[i][j] = bytes.bytes(i, j) / 2.1;
      }
    }
    List<Vm> specs = vms.stream().map(v -> new Vm(v, "small", 1, 2 * GIB, 20e6)).toList();
    return new Application(name, specs, new Workload(hours * 3600, 0, 10, new TrafficMatrix(vms, new double[4][4], b)), objective,
        Optional.empty(), Optional.empty(), 0);
  }

  MigrationManager.Reply submit(Application app, Map<String, String> placement) {
    return VmflockNode.await(AskPattern.ask(manager, (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.Submit(app, placement, r),
        TIMEOUT, node.system().scheduler()), "submit", TIMEOUT);
  }

  static Map<String, String> all(Application app, String site) {
    return app.vmNames().stream().collect(java.util.stream.Collectors.toMap(Function.identity(), v -> site));
  }

  MigrationManager.CycleReport cycle(String... apps) {
    return VmflockNode.await(AskPattern.ask(manager, (ActorRef<MigrationManager.CycleReport> r) -> new MigrationManager.RunCycle(java.util.Set.of(apps), r),
        TIMEOUT, node.system().scheduler()), "cycle", TIMEOUT);
  }

  /** The manager's status, all of it (as many applications and recent decisions as a page holds). */
  StatusPage status() {
    return status(node, manager);
  }

  static StatusPage status(VmflockNode node, ActorRef<MigrationManager.Command> manager) {
    StatusQuery all = new StatusQuery(Optional.empty(), 0, StatusQuery.MAX_LIMIT, StatusQuery.MAX_RECENT);
    return VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(all, r), TIMEOUT,
        node.system().scheduler()), "status", TIMEOUT);
  }

  /** Where each VM runs, as the status says. */
  static Map<String, String> placement(StatusPage p) {
    Map<String, String> m = new java.util.TreeMap<>();
    p.applications().forEach(a -> m.putAll(a.placement()));
    return m;
  }

  static StatusPage.DecisionLine decision(StatusPage p, long id) {
    return p.decisions().stream().filter(d -> d.id() == id).findFirst().orElseThrow(() -> new AssertionError("no decision " + id));
  }

  @Override
  public void close() {
    node.close();
  }
}
