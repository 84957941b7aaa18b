package org.vmflock.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.scenario.NpbProfiles;

/**
 * A durable simulated federation (what `vmflock run` keeps in its data directory): every step the
 * actuator answers is in the file before the answer, a reopened federation is the one that was
 * saved (hypervisors, applications' progress, network interfaces), and a damaged file is refused
 * naming it, never read in part.
 */
class DurableFederationTest {

  private static final Instant START = Instant.parse("2026-06-01T00:00:00Z");
  private static final long GIB = 1L << 30;
  private static final NetworkPath WAN = new NetworkPath(Duration.ofMillis(5), 10e9 / 8);
  private static final Consumer<StepProgress> IGNORE = p -> {};

  @TempDir Path dir;

  private static Site site(String name) {
    return new Site(name, new Capacity(8, 32, 64 * GIB), 1.0, PriceSchedule.flat(0.1), 0.0, Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8),
        List.of());
  }

  private static final Infrastructure INFRA = new Infrastructure(List.of(site("a"), site("b")), List.of(new Link("a", "b", WAN)), Optional.empty());

  private SimulatedFederation open(ManualClock clock) {
    return SimulatedFederation.durable(clock, new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated()), INFRA::path, FaultPlan.none(), 7, dir.resolve("world.json"));
  }

  private static Application cg() {
    return NpbProfiles.application(NpbProfiles.lookupOrThrow("cg.A.4"), "cg", 24 * 3600, Objective.TIME, Optional.of(START.plus(Duration.ofDays(2))),
        Optional.of(12.5));
  }

  private static MigrationOrder order(Application app, String vm) {
    Vm spec = app.vms().stream().filter(v -> v.name().equals(vm)).findFirst().orElseThrow();
    return new MigrationOrder("d1-1-" + vm, app.name(), vm, spec, "a", "b", new MigrationEstimate(3, 10, 0.1, 1e9, true), START);
  }

  private static StepResult step(SimulatedFederation f, MigrationOrder o, MigrationStep s) {
    return f.actuator().perform(o, s, 1, IGNORE).toCompletableFuture().join();
  }

  /** A federation with cg on a, one VM half-way to b (committed, not yet activated), and an hour of progress. */
  private SimulatedFederation halfWay(ManualClock clock) {
    SimulatedFederation f = open(clock);
    INFRA.sites().forEach(s -> f.site(s.name(), s.capacity()));
    Application cg = cg();
    Map<String, String> onA = new TreeMap<>();
    cg.vmNames().forEach(vm -> onA.put(vm, "a"));
    f.boot(cg, onA);
    clock.advance(Duration.ofHours(1));
    f.advance(START, Duration.ofHours(1), INFRA);
    MigrationOrder o = order(cg, "cg-vm2");
    for (MigrationStep s : List.of(MigrationStep.RESERVE, MigrationStep.PRECOPY, MigrationStep.STOP_AND_COPY, MigrationStep.COMMIT)) {
      assertInstanceOf(StepResult.Done.class, step(f, o, s), s.toString());
    }
    return f;
  }

  @Test
  void aReopenedFederationIsTheOneThatAnsweredLast() {
    ManualClock clock = new ManualClock(START);
    SimulatedFederation before = halfWay(clock);
    // no close, no shutdown: what the last answer said is on disk already
    SimulatedFederation after = open(clock);

    assertEquals(before.instances(), after.instances());
    assertEquals(before.reservations(), after.reservations());
    assertEquals(before.placement(), after.placement());
    assertEquals(before.page(Optional.empty(), 100), after.page(Optional.empty(), 100));
    assertEquals(before.run("cg"), after.run("cg"));
    assertEquals(Optional.of(START.plus(Duration.ofHours(1))), after.progressAt());
    assertTrue(after.run("cg").orElseThrow().done() > 0);
    for (String vm : cg().vmNames()) {
      assertEquals(before.nic(vm), after.nic(vm), vm);
    }
    // four VMs, and the retired source of the committed one, which holds its room until released
    assertEquals(5, after.page(Optional.empty(), 100).sites().stream().mapToInt(s -> s.used().slots()).sum(),
        "the hypervisors' books are recounted as they were");

    // the saga resumed after the crash finds its committed migration and finishes it
    MigrationOrder o = order(cg(), "cg-vm2");
    for (MigrationStep s : List.of(MigrationStep.COMMIT, MigrationStep.ACTIVATE, MigrationStep.NETWORK_UPDATE, MigrationStep.RELEASE_SOURCE)) {
      assertInstanceOf(StepResult.Done.class, step(after, o, s), s.toString());
    }
    assertEquals("b", after.placement().siteOf("cg-vm2").orElseThrow());
    assertEquals(List.of(SimulatedWorld.InstanceState.RUNNING),
        after.instances().stream().filter(i -> i.vm().name().equals("cg-vm2")).map(SimulatedWorld.Instance::state).toList());
    // and a third opening sees that too
    assertEquals(after.instances(), open(clock).instances());
  }

  @Test
  void aTruncatedFileIsRefusedNamingIt() throws IOException {
    halfWay(new ManualClock(START));
    Path file = dir.resolve("world.json");
    byte[] whole = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
    StateFile.DamagedStateException e = assertThrows(StateFile.DamagedStateException.class, () -> open(new ManualClock(START)));
    assertTrue(e.getMessage().startsWith(file.toString() + ": damaged run state: truncated"), e.getMessage());
    assertEquals(file, e.file());
  }

  @Test
  void anAlteredFileIsRefusedNamingIt() throws IOException {
    halfWay(new ManualClock(START));
    Path file = dir.resolve("world.json");
    byte[] bytes = Files.readAllBytes(file);
    int at = bytes.length - 40;
    bytes[at] = (byte) (bytes[at] == '1' ? '2' : '1');
    Files.write(file, bytes);
    StateFile.DamagedStateException e = assertThrows(StateFile.DamagedStateException.class, () -> open(new ManualClock(START)));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("checksum"), e.getMessage());
    Files.writeString(file, "");
    e = assertThrows(StateFile.DamagedStateException.class, () -> open(new ManualClock(START)));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  @Test
  void aWellFormedFileThatDoesNotHoldTogetherIsRefused() {
    // a hand-made state whose instance sits at a site the world does not have
    String body = """
        {"format":1,"progressAt":null,"world":{"sites":[],"vms":[{"name":"v","size":"small","cores":1,"memoryBytes":1,"dirtyBytesPerSecond":0}],
        "instances":[{"vm":{"name":"v","size":"small","cores":1,"memoryBytes":1,"dirtyBytesPerSecond":0},"site":"x","state":"RUNNING","migrationId":""}],
        "reservations":[],"routes":{}},"runs":[],"nics":{},"nextNic":1}
        """;
    Path file = dir.resolve("world.json");
    StateFile.write(file, SimulatedFederation.STATE_KIND, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    StateFile.DamagedStateException e = assertThrows(StateFile.DamagedStateException.class, () -> open(new ManualClock(START)));
    assertTrue(e.getMessage().contains("unknown site 'x'"), e.getMessage());
  }
}
