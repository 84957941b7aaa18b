package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.LinkCounters;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaEvent;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.execute.StepDetails;
import org.vmflock.execute.StepProgress;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * One real migration through the saga: a VM whose process holds 64 MB and dirties 8 MB/s moves
 * from site a to site b over a 5 ms, 1 Gbit/s link. Its memory crosses the link (the link's
 * counters), its process keeps running (same pid, its counter going on), and it answers at its new
 * site with the same address and MAC. With the order's dirty rate instead of measured pages, the
 * rounds follow that rate.
 */
class EmulatedMigrationTest {

  private static final long MEMORY = 64L << 20;
  private static final long DIRTY_RATE = 8L << 20;
  private static final long RATE = 1_000_000_000L;
  private static final Duration DELAY = Duration.ofMillis(5);
  private static final Duration TARGET_DOWNTIME = Duration.ofMillis(20);

  private static EmulatedFederation lab;

  @TempDir
  static Path dir;

  @BeforeAll
  static void build() {
    lab = TestLabs.create(FederationSpec.builder().site("a").site("b").link("a", "b", WanLinkSpec.of(DELAY, RATE)).build());
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aRunningVmMovesWithItsMemoryOverTheLinkAndKeepsRunning() throws Exception {
    EmulatedVm vm = lab.addVm("vm1", "a");
    EmulatedVm peer = lab.addVm("peer", "b");
    Path counter = dir.resolve("counter");
    Process workload = vm.memoryWorkload(MEMORY, DIRTY_RATE, counter).redirectErrorStream(true).start();
    try {
      Polling.until(Duration.ofSeconds(20), "the workload's memory resident", () -> vm.residentBytes() >= MEMORY && count(counter) > 0);
      long resident = vm.residentBytes();
      String macBefore = vm.mac().toString();
      String ipBefore = vm.ip().toString();

      ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
      // a 20 ms target downtime: the 64 MB take 0.54 s to send, meanwhile 4.3 MB get dirtied, more than 20 ms of the link
      QemuPreCopyModel.Policy rules = new QemuPreCopyModel.Policy(1.0, TARGET_DOWNTIME);
      EmulatedActuator.Settings settings = new EmulatedActuator.Settings(rules, 30, EmulatedActuator.DirtyTracking.PAGE_CONTENTS,
          Duration.ofSeconds(10), 4, Duration.ofMinutes(1), 3, Duration.ofSeconds(10));
      EmulatedActuator actuator = new EmulatedActuator(lab, Map.of("a", 4, "b", 4), clock, settings, EmulatedActuator.Faults.NONE);
      Vm spec = new Vm("vm1", "small", 1, resident, DIRTY_RATE);
      NetworkPath path = new NetworkPath(DELAY, RATE / 8.0);
      MigrationOrder order = new MigrationOrder("m1", "app", "vm1", spec, "a", "b",
          new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 30), rules).estimate(spec, path), clock.now());
      LinkCounters before = lab.link("a", "b").counters();

      List<StepProgress> rounds = new ArrayList<>();
      SagaRunner.SagaRun run = new SagaRunner(actuator.reportingProgressTo(rounds::add), clock).run(order);

      LinkCounters after = lab.link("a", "b").counters();
      assertEquals(SagaPhase.COMPLETED, run.state().phase(), () -> "the saga: " + run.events());
      StepDetails precopy = details(run, MigrationStep.PRECOPY);
      StepDetails stopAndCopy = details(run, MigrationStep.STOP_AND_COPY);
      long sentA2b = after.aToB().bytes() - before.aToB().bytes();
      double moved = precopy.bytesMoved() + stopAndCopy.bytesMoved();
      System.out.printf("resident %d B; pre-copy %d rounds %.0f B; stop-and-copy %.0f B, paused %s; link a->b %d B; took %s%n",
          resident, precopy.rounds(), precopy.bytesMoved(), stopAndCopy.bytesMoved(), stopAndCopy.pause(), sentA2b,
          Duration.between(run.events().get(0).at(), run.events().get(run.events().size() - 1).at()));
      // the memory crossed the link: the first round is the whole resident memory, the others what was dirtied
      assertTrue(precopy.bytesMoved() >= resident, "pre-copy sent at least the resident memory: " + precopy);
      assertTrue(precopy.rounds() >= 2, "a VM dirtying memory needs more than one round: " + precopy);
      assertTrue(sentA2b >= moved && sentA2b <= moved * 1.06 + 100_000,
          "the link carried the migration's bytes plus headers: " + sentA2b + " on the link for " + moved + " sent");
      assertEquals(precopy.rounds(), rounds.size(), "progress after each round: " + rounds);
      // what the last round left dirty goes with the stop-and-copy, with what was dirtied since
      double leftByPrecopy = rounds.get(rounds.size() - 1).bytesLeft();
      assertTrue(leftByPrecopy > 0 && stopAndCopy.bytesMoved() >= leftByPrecopy, "stop-and-copy " + stopAndCopy + " after " + rounds);
      assertTrue(stopAndCopy.pause().compareTo(Duration.ZERO) > 0, "stop-and-copy: " + stopAndCopy);

      // the same process runs on, at site b, with the same address and MAC
      assertEquals("b", vm.site());
      assertTrue(workload.isAlive() && vm.pids().contains(workload.pid()), "the workload's process lives on in the VM");
      assertTrue(vm.thawed(), "the VM runs");
      long counted = count(counter);
      Polling.until(Duration.ofSeconds(5), "the workload's counter to go on", () -> count(counter) > counted);
      String link = vm.run(Duration.ofSeconds(10), "ip", "-o", "link", "show", "dev", "eth0").output();
      assertTrue(link.contains("link/ether " + macBefore), link);
      assertTrue(peer.run(Duration.ofSeconds(10), "ping", "-c", "1", "-W", "1", ipBefore).succeeded(), "VM reachable at b from b");
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    } finally {
      workload.destroyForcibly();
    }
  }

  @Test
  void withTheOrdersDirtyRateTheRoundsFollowIt() throws Exception {
    EmulatedVm vm = lab.addVm("still", "a");
    // holds 16 MiB but writes nothing: every dirty byte comes from the order's rate (64 MB/s)
    Process workload = vm.memoryWorkload(16L << 20, 0, dir.resolve("still")).start();
    try {
      Polling.until(Duration.ofSeconds(20), "the workload's memory resident", () -> vm.residentBytes() >= 16L << 20);
      long resident = vm.residentBytes();
      ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
      QemuPreCopyModel.Policy rules = new QemuPreCopyModel.Policy(1.0, TARGET_DOWNTIME);
      EmulatedActuator.Settings settings = new EmulatedActuator.Settings(rules, 30, EmulatedActuator.DirtyTracking.ORDER_RATE,
          Duration.ofSeconds(10), 4, Duration.ofMinutes(1), 3, Duration.ofSeconds(10));
      EmulatedActuator actuator = new EmulatedActuator(lab, Map.of("a", 4, "b", 4), clock, settings, EmulatedActuator.Faults.NONE);
      double rate = 64e6;
      Vm spec = new Vm("still", "small", 1, resident, rate);
      MigrationOrder order = new MigrationOrder("m-rate", "app", "still", spec, "a", "b",
          new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 30), rules).estimate(spec, new NetworkPath(DELAY, RATE / 8.0)), clock.now());
      List<StepProgress> rounds = new ArrayList<>();

      SagaRunner.SagaRun run = new SagaRunner(actuator.reportingProgressTo(rounds::add), clock).run(order);

      assertEquals(SagaPhase.COMPLETED, run.state().phase(), () -> "the saga: " + run.events());
      StepDetails precopy = details(run, MigrationStep.PRECOPY);
      assertTrue(precopy.rounds() >= 2 && precopy.bytesMoved() > resident, "rounds of modelled dirty pages: " + precopy + " " + rounds);
      for (StepProgress p : rounds) {
        assertEquals(rate, p.dirtyBytesPerSecond(), rate * 1e-6, "each round's dirty rate is the order's: " + rounds);
      }
      assertTrue(details(run, MigrationStep.STOP_AND_COPY).bytesMoved() >= rounds.get(rounds.size() - 1).bytesLeft(), rounds.toString());
      assertEquals(List.of(), LabInvariants.violations(lab, actuator));
    } finally {
      workload.destroyForcibly();
    }
  }

  private static StepDetails details(SagaRunner.SagaRun run, MigrationStep step) {
    List<StepDetails> found = new ArrayList<>();
    for (SagaEvent e : run.events()) {
      if (e instanceof SagaEvent.StepSucceeded s && s.step() == step) {
        found.add(s.details());
      }
    }
    assertEquals(1, found.size(), () -> step + " succeeded once: " + run.events());
    return found.get(0);
  }

  static long count(Path counter) {
    try {
      String text = Files.exists(counter) ? Files.readString(counter).strip() : "";
      return text.isEmpty() ? 0 : Long.parseLong(text);
    } catch (java.io.IOException | NumberFormatException e) {
      return 0;
    }
  }
}
