package org.vmflock.emulate.hypervisors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.Clock;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.simulate.SimulatedFederation;

/**
 * The simulated hypervisors served over HTTP and a node's remote actuator and provisioner: a
 * migration's steps done through them change the served world; a step asked again is found done;
 * requests that cannot be read are refused; hypervisors that do not answer make a step fail with
 * its effect unknown, never throw. The traffic the VMs exchange is metered and read at any instant
 * of the past, the same however often; each reading says whether the VM was at the site then.
 */
class RemoteHypervisorsTest {

  private static final long GIB = 1L << 30;
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  private static SimulatedFederation federation(double gbps) {
    NetworkPath wan = new NetworkPath(Duration.ofMillis(2), gbps * 1e9 / 8);
    SimulatedFederation f = new SimulatedFederation(Clock.system(), new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()),
        (a, b) -> wan, FaultPlan.none(), 1);
    f.site("east", new Capacity(8, 32, 64 * GIB));
    f.site("west", new Capacity(8, 32, 64 * GIB));
    return f;
  }

  private static Application app(String name, int n) {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      names.add(name + "-vm" + i);
    }
    List<Vm> vms = names.stream().map(v -> new Vm(v, "small", 1, 2 * GIB, 20e6)).toList();
    return new Application(name, vms, new Workload(3600, 0, 10, new TrafficMatrix(names, new double[n][n], new double[n][n])),
        Objective.COST, Optional.empty(), Optional.empty(), 0);
  }

  private static MigrationOrder order(Application app, String vm) {
    Vm spec = app.vms().stream().filter(v -> v.name().equals(vm)).findFirst().orElseThrow();
    return new MigrationOrder("m-" + vm, app.name(), vm, spec, "east", "west", new MigrationEstimate(3, 5, 0.1, 2e9, true), Instant.now());
  }

  private static RemoteHypervisors client(URI uri) {
    return new RemoteHypervisors(uri, Duration.ofSeconds(30), Duration.ofMillis(100), w -> {});
  }

  /** Polls the hypervisors' world until {@code ok} holds of it. */
  private static HypervisorsProtocol.World awaitWorld(RemoteHypervisors h, java.util.function.Predicate<HypervisorsProtocol.World> ok) {
    HypervisorsProtocol.World[] seen = new HypervisorsProtocol.World[1];
    org.awaitility.Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
      seen[0] = h.world(Optional.empty(), 100);
      return ok.test(seen[0]);
    });
    return seen[0];
  }

  @Test
  void aMigrationThroughTheRemoteActuatorMovesTheVmInTheServedWorld() throws Exception {
    try (HypervisorsServer server = HypervisorsServer.start(federation(10), 1000, "127.0.0.1", 0);
        RemoteHypervisors h = client(server.uri())) {
      Application app = app("hpc", 2);
      h.boot(app, Map.of("hpc-vm1", "east", "hpc-vm2", "east"));
      awaitWorld(h, w -> w.page().vms().size() == 2);
      MigrationOrder o = order(app, "hpc-vm1");
      List<StepProgress> progress = new ArrayList<>();
      for (MigrationStep step : MigrationStep.FORWARD) {
        StepResult r = h.perform(o, step, 1, progress::add).toCompletableFuture().join();
        StepResult.Done done = assertInstanceOf(StepResult.Done.class, r, step + ": " + r);
        assertFalse(done.details().alreadyDone(), step + " done now");
      }
      assertTrue(progress.stream().anyMatch(p -> p.step() == MigrationStep.PRECOPY && p.round() > 0), "the pre-copy's rounds: " + progress);
      // asked again (an answer lost in a crash): found done, nothing changed
      StepResult again = h.perform(o, MigrationStep.COMMIT, 2, Actuator.NO_PROGRESS).toCompletableFuture().join();
      assertTrue(assertInstanceOf(StepResult.Done.class, again).details().alreadyDone());
      HypervisorsProtocol.World w = h.world(Optional.empty(), 100);
      assertEquals(1, w.foundDone(), "one step asked again");
      List<SimulatedWorld.Instance> vm1 = w.page().vms().stream().filter(v -> v.vm().equals("hpc-vm1")).findFirst().orElseThrow().instances();
      assertEquals(1, vm1.size(), "hpc-vm1 runs in one place: " + vm1);
      assertEquals("west", vm1.get(0).site());
      assertEquals(SimulatedWorld.InstanceState.RUNNING, vm1.get(0).state());
      assertTrue(w.page().reservations().isEmpty(), "no reservation left: " + w.page().reservations());
      assertTrue(w.inFlight().isEmpty());
      assertEquals(server.federation().placement().siteOf("hpc-vm1"), Optional.of("west"));

      h.stop(app);
      awaitWorld(h, x -> x.page().vms().isEmpty());
    }
  }

  @Test
  void aStepInProgressIsInTheWorldUntilItIsAnswered() throws Exception {
    // 2 GiB over 1 Gb/s, at twice real time: a pre-copy of about 9 s answered in about 4.5 s
    try (HypervisorsServer server = HypervisorsServer.start(federation(1), 2, "127.0.0.1", 0); RemoteHypervisors h = client(server.uri())) {
      Application app = app("slow", 1);
      h.boot(app, Map.of("slow-vm1", "east"));
      awaitWorld(h, w -> w.page().vms().size() == 1);
      MigrationOrder o = order(app, "slow-vm1");
      assertInstanceOf(StepResult.Done.class, h.perform(o, MigrationStep.RESERVE, 1, Actuator.NO_PROGRESS).toCompletableFuture().join());
      CompletableFuture<StepResult> precopy = h.perform(o, MigrationStep.PRECOPY, 1, Actuator.NO_PROGRESS).toCompletableFuture();
      HypervisorsProtocol.World during = awaitWorld(h, w -> !w.inFlight().isEmpty());
      assertEquals(MigrationStep.PRECOPY, during.inFlight().get(0).step());
      assertEquals("m-slow-vm1", during.inFlight().get(0).migrationId());
      assertFalse(precopy.isDone(), "answered only once its time has passed");
      assertInstanceOf(StepResult.Done.class, precopy.join());
      assertTrue(h.world(Optional.empty(), 10).inFlight().isEmpty());
      // the rollback of a migration stopped here
      for (MigrationStep c : MigrationStep.compensationsFor(List.of(MigrationStep.RESERVE, MigrationStep.PRECOPY))) {
        assertInstanceOf(StepResult.Done.class, h.compensate(o, c, 1).toCompletableFuture().join(), c.toString());
      }
      HypervisorsProtocol.World after = h.world(Optional.empty(), 10);
      assertEquals(List.of("east"), after.page().vms().get(0).instances().stream().map(SimulatedWorld.Instance::site).toList());
      assertTrue(after.page().reservations().isEmpty());
    }
  }

  @Test
  void theTrafficIsReadAtInstantsOfThePastTheSameEveryTimeAndFollowsAVmThatMoves() throws Exception {
    org.vmflock.clock.ManualClock clock = new org.vmflock.clock.ManualClock(Instant.parse("2026-06-01T12:00:00Z"));
    NetworkPath wan = new NetworkPath(Duration.ofMillis(2), 10e9 / 8);
    org.vmflock.model.Infrastructure infra = new org.vmflock.model.Infrastructure(List.of(site("east"), site("west")),
        List.of(new org.vmflock.model.Link("east", "west", wan)), Optional.empty());
    SimulatedFederation federation = federation(10);
    List<String> names = List.of("talk-vm1", "talk-vm2");
    double[][] packets = {{0, 1000}, {0, 0}};
    double[][] bytes = {{0, 1e6}, {0, 0}};
    Application app = new Application("talk", names.stream().map(v -> new Vm(v, "small", 1, 2 * GIB, 20e6)).toList(),
        new Workload(3600, 0, 10, new TrafficMatrix(names, packets, bytes)), Objective.COST, Optional.empty(), Optional.empty(), 0);
    try (HypervisorsServer server = HypervisorsServer.start(federation, Optional.of(infra), clock, 1000, "127.0.0.1", 0);
        RemoteHypervisors h = client(server.uri())) {
      long t0 = micros(clock.now());
      h.boot(app, Map.of("talk-vm1", "east", "talk-vm2", "east"));
      org.awaitility.Awaitility.await("the VMs metered").atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
          .until(() -> h.traffic("east", List.of(t0)).toCompletableFuture().join().vms().size() == 2);
      double perSecond = org.vmflock.simulate.ApplicationRuntime.trafficRates(app, federation.secondsPerWork("talk", infra)).bytes(0, 1);
      assertTrue(perSecond > 0, "talk-vm2 receives from talk-vm1: " + perSecond);
      clock.advance(Duration.ofSeconds(10));
      long t5 = t0 + 5_000_000;
      long t10 = t0 + 10_000_000;
      HypervisorsProtocol.SiteTraffic east = h.traffic("east", List.of(t0, t5, t10)).toCompletableFuture().join();
      assertEquals(east, h.traffic("east", List.of(t0, t5, t10)).toCompletableFuture().join(), "read again: the same");
      HypervisorsProtocol.VmCounters vm2 = east.vms().stream().filter(v -> v.vm().equals("talk-vm2")).findFirst().orElseThrow();
      assertTrue(vm2.readings().stream().allMatch(HypervisorsProtocol.Reading::here), "talk-vm2 at east all along");
      assertEquals(List.of(), vm2.readings().get(0).received(), "nothing before it ran");
      TrafficMeter.Count at5 = vm2.readings().get(1).received().get(0);
      TrafficMeter.Count at10 = vm2.readings().get(2).received().get(0);
      assertEquals(SimulatedFederation.address(federation.nic("talk-vm1")).toString(), at10.senderAddress());
      assertEquals((long) Math.floor(perSecond * 10), at10.bytes(), "ten seconds at its rate");
      assertEquals((long) Math.floor(perSecond * 5), at5.bytes(), "five seconds at its rate");
      assertEquals(List.of(), east.vms().stream().filter(v -> v.vm().equals("talk-vm1")).findFirst().orElseThrow().readings().get(2).received(),
          "talk-vm1 receives nothing");

      // talk-vm2 moves to west at t10: east had it before, west after
      MigrationOrder o = new MigrationOrder("m-talk-vm2", "talk", "talk-vm2", app.vms().get(1), "east", "west",
          new MigrationEstimate(3, 5, 0.1, 2e9, true), clock.now());
      for (MigrationStep step : MigrationStep.FORWARD) {
        assertInstanceOf(StepResult.Done.class, h.perform(o, step, 1, Actuator.NO_PROGRESS).toCompletableFuture().join(), step.toString());
      }
      clock.advance(Duration.ofSeconds(10));
      long t20 = t10 + 10_000_000;
      HypervisorsProtocol.SiteTraffic eastAfter = h.traffic("east", List.of(t5, t20)).toCompletableFuture().join();
      HypervisorsProtocol.SiteTraffic westAfter = h.traffic("west", List.of(t5, t20)).toCompletableFuture().join();
      HypervisorsProtocol.VmCounters atEast = eastAfter.vms().stream().filter(v -> v.vm().equals("talk-vm2")).findFirst().orElseThrow();
      HypervisorsProtocol.VmCounters atWest = westAfter.vms().stream().filter(v -> v.vm().equals("talk-vm2")).findFirst().orElseThrow();
      assertEquals(List.of(true, false), atEast.readings().stream().map(HypervisorsProtocol.Reading::here).toList());
      assertEquals(List.of(false, true), atWest.readings().stream().map(HypervisorsProtocol.Reading::here).toList());
      assertTrue(atWest.readings().get(1).received().get(0).bytes() > at10.bytes(), "it goes on receiving at west");
      assertEquals(List.of("talk-vm2"), westAfter.vms().stream().map(HypervisorsProtocol.VmCounters::vm).toList());

      // what cannot be answered: refused, naming why
      HttpClient http = HttpClient.newHttpClient();
      for (String q : List.of("site=east&at=" + (t20 + 1_000_000), "site=north&at=" + t0, "site=east", "site=east&at=soon", "at=" + t0)) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/traffic?" + q)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), q + ": " + r.body());
        assertTrue(r.body().contains("\"error\""), r.body());
      }
    }
    try (HypervisorsServer server = HypervisorsServer.start(federation(10), 1000, "127.0.0.1", 0); RemoteHypervisors h = client(server.uri())) {
      java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.CompletionException.class,
          () -> h.traffic("east", List.of(0L)).toCompletableFuture().join());
      assertTrue(e.getCause().getMessage().contains("404") && e.getCause().getMessage().contains("meter no traffic"), e.getCause().getMessage());
    }
  }

  private static org.vmflock.model.Site site(String name) {
    return new org.vmflock.model.Site(name, new Capacity(8, 32, 64 * GIB), 1.0, org.vmflock.model.PriceSchedule.flat(0.1), 0.0, Map.of(),
        new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8), List.of());
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
  }

  @Test
  void whatCannotBeReadIsRefusedAndHypervisorsThatDoNotAnswerFailTheStepWithItsEffectUnknown() throws Exception {
    Application app = app("gone", 1);
    MigrationOrder o = order(app, "gone-vm1");
    URI uri;
    try (HypervisorsServer server = HypervisorsServer.start(federation(10), 1000, "127.0.0.1", 0); RemoteHypervisors h = client(server.uri())) {
      uri = server.uri();
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(uri + "/steps/perform")).POST(HttpRequest.BodyPublishers.ofString("{\"step\":"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("\"error\""), bad.body());
      assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(uri + "/nothing")).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      // a compensation asked as a step: refused, which the saga hears as a failure of unknown effect
      StepResult wrong = h.perform(o, MigrationStep.RELEASE_RESERVATION, 1, Actuator.NO_PROGRESS).toCompletableFuture().join();
      StepResult.Failed f = assertInstanceOf(StepResult.Failed.class, wrong);
      assertFalse(f.definite());
      assertTrue(f.reason().contains("400"), f.reason());
    }
    try (RemoteHypervisors h = client(uri)) {
      StepResult r = h.perform(o, MigrationStep.RESERVE, 1, Actuator.NO_PROGRESS).toCompletableFuture().join();
      StepResult.Failed f = assertInstanceOf(StepResult.Failed.class, r);
      assertFalse(f.definite(), "unknown: the hypervisors may have done it");
      assertTrue(f.reason().contains("did not answer"), f.reason());
    }
  }
}
