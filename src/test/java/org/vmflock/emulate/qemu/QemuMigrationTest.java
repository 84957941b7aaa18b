package org.vmflock.emulate.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.LinkProbe;
import org.vmflock.emulate.lab.OverlayFdb;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaEvent;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.execute.StepDetails;
import org.vmflock.execute.StepProgress;
import org.vmflock.model.Vm;
import org.vmflock.plan.MigrationEstimate;

/**
 * A running QEMU guest (TCG here: 128 MiB + 8 KiB, 16 MiB filled, an 8 MiB working set dirtied
 * at 4 MiB/s) moved between two emulated sites by the saga over QMP, its stream crossing their
 * 5 ms WAN link. The federation is a VXLAN one (E3): the guest and a namespace VM of its cluster on a
 * third site share a segment, and the network update points every site's FDB entry of the guest's
 * MAC at the destination. One guest serves both tests (a boot takes about a minute under TCG on
 * this machine): first a fault before the commit leaves it running at its source, forwarded to
 * there; then it moves, a TCP connection and a 10 ms ping from the VM on the third site open
 * across the move (their losses and longest silence printed), its memory intact, every site's FDB
 * pointing at its new site.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QemuMigrationTest {

  private static final GuestConfig GUEST = new GuestConfig(128, "10.77.200.1/16", "02:00:0a:4d:c8:01", 16, 8, 4, 7000, 7);
  private static final long CAP = 64L << 20;
  private static final String CLUSTER = "app";

  private static EmulatedFederation lab;
  private static QemuActuator actuator;
  private static final List<MigrationStep> FAULTED = new ArrayList<>();

  @TempDir
  static Path run;

  @BeforeAll
  static void boot() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    assumeTrue(GuestImage.unavailableReason().isEmpty(), GuestImage.unavailableReason().orElse(""));
    lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").site("c")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(5), 1_000_000_000L)).overlay(FederationSpec.Overlay.VXLAN).build());
    // m-fault fails at its stop-and-copy (rolled back); m-move's network update loses its first answer (asked again, found done)
    QemuActuator.Faults faults = (order, step, attempt) -> order.migrationId().equals("m-fault") && step == MigrationStep.STOP_AND_COPY
        ? record(step)
        : order.migrationId().equals("m-move") && step == MigrationStep.NETWORK_UPDATE && attempt == 1 ? QemuActuator.Fault.FAIL_AFTER
        : QemuActuator.Fault.NONE;
    actuator = new QemuActuator(lab, run, Map.of("a", 2, "b", 2, "c", 2), QemuActuator.Settings.defaults(CAP), faults);
    actuator.boot("g1", "a", CLUSTER, GUEST, Duration.ofMinutes(3));
  }

  private static QemuActuator.Fault record(MigrationStep step) {
    FAULTED.add(step);
    return QemuActuator.Fault.FAIL_BEFORE;
  }

  @AfterAll
  static void close() {
    if (actuator != null) {
      actuator.closeAll();
    }
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  @Order(1)
  void aFaultBeforeTheCommitLeavesTheGuestRunningAtItsSource() throws Exception {
    String fillBefore = actuator.vm("g1").check().get("fill");

    SagaRunner.SagaRun saga = new SagaRunner(actuator, new ManualClock(Instant.EPOCH)).run(order("m-fault"));

    assertEquals(SagaPhase.ROLLED_BACK, saga.state().phase(), () -> "the saga: " + saga.events());
    assertEquals(List.of(MigrationStep.STOP_AND_COPY), FAULTED);
    QemuVm g1 = actuator.vm("g1");
    assertEquals("a", g1.site());
    assertEquals("running", g1.runState());
    Map<String, String> check = g1.check();
    assertEquals(fillBefore, check.get("fill"), "the guest's memory: " + check);
    assertEquals("0", check.get("bad"), "every working-set page as written: " + check);
    assertEquals(List.of(), actuator.leftovers());
    assertEquals(1, qemuProcesses(), "one QEMU left: the source");
    assertForwardedTo("a", g1.tap());
    assertEquals(List.of(g1.tap()), taps(), "the destination's tap is gone");
  }

  @Test
  @Order(2)
  void aRunningGuestMovesWithItsConnectionAndMemory() throws Exception {
    QemuVm source = actuator.vm("g1");
    String fillBefore = source.check().get("fill");
    EmulatedVm peer = lab.addVm("peer", "c", CLUSTER);
    Process probe = peer.processBuilder(List.of(GuestImage.get().program().toString(), "probe", GUEST.ip(), "7000", "10"))
        .redirectErrorStream(true).start();
    BufferedReader probeOut = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.US_ASCII));
    assertEquals("probe connected", probeOut.readLine());
    LinkProbe.PingTrace ping = LinkProbe.startPings(peer, GUEST.ip(), Duration.ofMillis(10));
    List<StepProgress> progress = new ArrayList<>();
    SagaRunner.SagaRun saga = new SagaRunner(new ProgressTap(actuator, progress), new ManualClock(Instant.EPOCH)).run(order("m-move"));
    ping.awaitReply(Duration.ofSeconds(30)); // the guest answers again, so the trace holds the whole silence
    LinkProbe.Outcome pings = ping.stop();

    OutputStream toProbe = probe.getOutputStream();
    toProbe.write("q\n".getBytes(StandardCharsets.US_ASCII));
    toProbe.flush();
    String summary = probeOut.readLine();
    assertEquals(SagaPhase.COMPLETED, saga.state().phase(), () -> "the saga: " + saga.events());
    QemuVm moved = actuator.vm("g1");
    assertEquals("b", moved.site());
    assertEquals("running", moved.runState());
    Map<String, String> check = moved.check();
    assertEquals(fillBefore, check.get("fill"), "the guest's memory after the move: " + check);
    assertEquals("0", check.get("bad"), "every working-set page as written: " + check);
    StepDetails precopy = details(saga, MigrationStep.PRECOPY);
    StepDetails stopAndCopy = details(saga, MigrationStep.STOP_AND_COPY);
    System.out.printf("pre-copy %d rounds %.0f B, stop-and-copy %.0f B paused %s, network update %s; TCP %s; ICMP every 10 ms from c: %s;"
        + " %d progress reports%n", precopy.rounds(), precopy.bytesMoved(), stopAndCopy.bytesMoved(), stopAndCopy.pause(),
        took(saga, MigrationStep.NETWORK_UPDATE), summary, pings, progress.size());
    assertTrue(precopy.bytesMoved() >= (GUEST.fillMiB() + GUEST.workingSetMiB()) * (1 << 20), "the filled memory crossed: " + precopy);
    assertTrue(precopy.rounds() >= 2 && !progress.isEmpty(), "rounds reported: " + progress);
    assertTrue(summary.startsWith("probe ") && summary.endsWith("broken=0"), "the connection from c survived: " + summary);
    assertTrue(probe.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && probe.exitValue() == 0, summary);
    assertEquals(List.of(), actuator.leftovers());
    assertEquals(1, qemuProcesses(), "one QEMU left: the guest at b");
    assertForwardedTo("b", moved.tap());
    assertTrue(saga.events().stream().anyMatch(e -> e instanceof SagaEvent.StepSucceeded d && d.step() == MigrationStep.NETWORK_UPDATE
        && d.attempt() == 2 && d.details().equals(StepDetails.ALREADY_DONE)), () -> "the network update asked again: " + saga.events());
    assertEquals(List.of(moved.tap()), taps(), "the source's tap is gone");
    // the guest was silent while paused (from QEMU's pre-switchover to the network update), then answered again
    assertTrue(pings.answered() > 10, "pings answered across the move: " + pings);
    assertTrue(pings.longestGap().compareTo(Duration.ofSeconds(30)) < 0, "the silence ended: " + pings);
  }

  /** From the kernel: every site forwards the guest's MAC to {@code tap} at {@code site}. */
  private static void assertForwardedTo(String site, String tap) {
    OverlayFdb.assertForwardedTo(lab, CLUSTER, org.vmflock.model.MacAddress.parse(GUEST.mac()), site, tap);
  }

  /** The QEMU taps on every site now. */
  private static List<String> taps() {
    List<String> taps = new ArrayList<>();
    for (String s : lab.sites()) {
      command("ip", "-n", lab.siteNamespace(s), "-o", "link", "show", "type", "tun").lines()
          .map(l -> l.split(":")[1].strip()).forEach(taps::add);
    }
    return taps;
  }

  private static String command(String... words) {
    try {
      Process p = new ProcessBuilder(words).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), String.join(" ", words) + ": " + out);
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** How long {@code step}'s first attempt took (its answer, success or not, after its start; the runner's clock moves by each attempt's real time). */
  private static Duration took(SagaRunner.SagaRun saga, MigrationStep step) {
    Instant started = saga.events().stream().filter(e -> e instanceof SagaEvent.StepStarted s && s.step() == step && s.attempt() == 1)
        .map(SagaEvent::at).findFirst().orElseThrow();
    Instant answered = saga.events().stream().filter(e -> (e instanceof SagaEvent.StepSucceeded d && d.step() == step && d.attempt() == 1)
        || (e instanceof SagaEvent.StepFailed f && f.step() == step && f.attempt() == 1)).map(SagaEvent::at).findFirst().orElseThrow();
    return Duration.between(started, answered);
  }

  private static MigrationOrder order(String id) {
    Vm spec = new Vm("g1", "small", 1, GUEST.memoryBytes(), GUEST.dirtyMiBPerSecond() * (1 << 20));
    return new MigrationOrder(id, "app", "g1", spec, "a", "b", MigrationEstimate.NONE, Instant.EPOCH);
  }

  private static StepDetails details(SagaRunner.SagaRun saga, MigrationStep step) {
    return saga.events().stream().filter(e -> e instanceof SagaEvent.StepSucceeded d && d.step() == step)
        .map(e -> ((SagaEvent.StepSucceeded) e).details()).reduce((x, y) -> y).orElseThrow();
  }

  /** QEMU processes of this lab still running. */
  private static long qemuProcesses() {
    return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("qemu-system-x86_64 -name g1-")
        && p.info().commandLine().orElse("").contains(run.toString())).count();
  }

  /** The actuator, also telling {@code seen} each progress report (the SagaRunner follows none). */
  private record ProgressTap(QemuActuator inner, List<StepProgress> seen) implements org.vmflock.execute.Actuator {
    @Override
    public java.util.concurrent.CompletionStage<org.vmflock.execute.StepResult> perform(MigrationOrder o, MigrationStep s, int a,
        java.util.function.Consumer<StepProgress> p) {
      return inner.perform(o, s, a, x -> {
        seen.add(x);
        p.accept(x);
      });
    }

    @Override
    public java.util.concurrent.CompletionStage<org.vmflock.execute.StepResult> compensate(MigrationOrder o, MigrationStep s, int a) {
      return inner.compensate(o, s, a);
    }
  }
}
