package org.vmflock.emulate.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.model.InvalidInputException;

/**
 * Each real program on 4 ranks over 2 sites (2 VMs each, 1 ms one way, 1 Gbit/s): it runs,
 * verifies, its progress rises to 1 and its ranks' traffic crosses the link; a broken input is an
 * error with the program's own reason. One lab for the class.
 */
class MpiProgramInTheLabTest {

  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(100);
  private static EmulatedFederation lab;
  private static List<EmulatedVm> ranks;
  private static Path dir;

  @BeforeAll
  static void lab() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    String missing = MpiPrograms.unavailableReason();
    assumeTrue(missing.isEmpty(), missing);
    dir = Files.createTempDirectory("vmflock-apps-");
    lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(1), 1_000_000_000L)).build());
    ranks = List.of(lab.addVm("vm1", "a"), lab.addVm("vm2", "a"), lab.addVm("vm3", "b"), lab.addVm("vm4", "b"));
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
    if (dir != null) {
      WorkDirs.deleteTree(dir);
    }
    try {
      assertEquals(List.of(), MeasurementCampaignTest.ourNamespaces(), "the lab is gone");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lammps", "hpcc", "meep"})
  void runsOnFourRanksOverTwoSitesAndVerifies(String name) throws Exception {
    MpiProgram program = MpiPrograms.lookupOrThrow(name);
    long wanBefore = lab.link("a", "b").counters().bytes();
    List<Double> seen = new ArrayList<>();
    try (MpiRun run = MpiRun.start(lab, program, ranks, dir.resolve(name))) {
      long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      while (!run.finished() && System.nanoTime() < deadline) {
        double p = run.progress();
        if (seen.isEmpty() || p != seen.get(seen.size() - 1)) {
          seen.add(p);
        }
        run.waitFor(Duration.ofMillis(200));
      }
      MpiOutcome outcome = run.await(RUN_TIMEOUT);
      long wan = lab.link("a", "b").counters().bytes() - wanBefore;
      System.out.printf("%s: %.1f s, %s; progress seen %s; %.1f MB over the link%n", name, outcome.wallSeconds(), outcome.reason(), seen, wan / 1e6);
      assertTrue(outcome.verified(), outcome.reason() + " (" + outcome.stdout() + ")");
      assertEquals(0, outcome.exitCode());
      assertEquals(1.0, run.progress());
      for (int i = 1; i < seen.size(); i++) {
        assertTrue(seen.get(i) >= seen.get(i - 1), "progress never falls: " + seen);
      }
      assertTrue(seen.stream().anyMatch(p -> p > 0 && p < 1), "progress seen between 0 and 1 while it ran: " + seen);
      assertTrue(wan > 1_000_000, "its ranks talked over the link: " + wan + " bytes");
    }
    assertTrue(ranks.stream().allMatch(vm -> vm.pids().isEmpty()), "no process left in the VMs");
  }

  @Test
  void progressIsReadWhileAnotherThreadAwaitsTheRun() throws Exception {
    try (MpiRun run = MpiRun.start(lab, MpiPrograms.lookupOrThrow("lammps"), ranks, dir.resolve("awaited"))) {
      java.util.concurrent.CompletableFuture<MpiOutcome> awaited = new java.util.concurrent.CompletableFuture<>();
      Thread waiter = new Thread(() -> {
        try {
          awaited.complete(run.await(RUN_TIMEOUT));
        } catch (Throwable t) {
          awaited.completeExceptionally(t);
        }
      }, "awaiting");
      waiter.start();
      long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertEquals(Thread.State.TIMED_WAITING, waiter.getState(), "the other thread waits in await");
      List<String> reads = new ArrayList<>();
      boolean readWhileRunning = false;
      while (!readWhileRunning && !run.finished() && System.nanoTime() < deadline) {
        double p = run.progress();
        boolean running = !run.finished();
        reads.add(p + (running ? " running" : " ended"));
        readWhileRunning = p > 0 && p < 1 && running;
        run.waitFor(Duration.ofMillis(100));
      }
      assertTrue(readWhileRunning, "progress read between 0 and 1 while the run ran and another thread awaited it: " + reads);
      assertTrue(awaited.get(RUN_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).verified(), "the awaited run verified");
      assertEquals(1.0, run.progress());
    }
  }

  @Test
  void aBrokenInputIsAnErrorWithTheProgramsReason() throws Exception {
    MpiProgram broken = new LammpsMelt(ProgramInputs.text(LammpsMelt.DECK).replace("pair_style      lj/cut 2.5", "pair_style      no_such_style 2.5"));
    try (MpiRun run = MpiRun.start(lab, broken, ranks, dir.resolve("broken"))) {
      MpiOutcome outcome = run.await(RUN_TIMEOUT);
      System.out.println("broken lammps: " + outcome.reason());
      assertFalse(outcome.verified());
      assertTrue(outcome.reason().startsWith("lammps: ERROR") && outcome.reason().contains("no_such_style"), outcome.reason());
      assertTrue(run.progress() < 1, "a broken run never reaches 1");
    }
    assertTrue(ranks.stream().allMatch(vm -> vm.pids().isEmpty()), "no process left in the VMs");
  }

  @Test
  void aStoppedRunLeavesNothingAndSaysSo() throws Exception {
    MpiRun run = MpiRun.start(lab, MpiPrograms.lookupOrThrow("lammps"), ranks, dir.resolve("stopped"));
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (ranks.stream().anyMatch(vm -> vm.pids().isEmpty()) && System.nanoTime() < deadline) {
      run.waitFor(Duration.ofMillis(50));
    }
    assertTrue(ranks.stream().noneMatch(vm -> vm.pids().isEmpty()), "a rank in every VM");
    run.close();
    MpiOutcome outcome = run.await(RUN_TIMEOUT);
    assertFalse(outcome.verified());
    assertEquals("lammps was stopped", outcome.reason());
    assertTrue(ranks.stream().allMatch(vm -> vm.pids().isEmpty()), "no process left in the VMs: " + ranks.stream().map(EmulatedVm::pids).toList());
  }

  /**
   * Open MPI's launch sometimes hangs for good: one VM's daemon never comes up and mpirun waits
   * without a word. Here the rsh agent hangs on its first call for vm3: the launch is given up
   * after its timeout, with every process it started, mpirun is started again, and the run
   * verifies, its reason saying so.
   */
  @Test
  void aLaunchThatHangsIsGivenUpAndTriedAgain() throws Exception {
    Path work = dir.resolve("relaunched");
    Files.createDirectories(work);
    Path firstCall = work.resolve("first-call-for-vm3");
    String vm3 = ranks.get(2).ip().toString();
    try (MpiRun run = MpiRun.start(lab, MpiPrograms.lookupOrThrow("lammps"), ranks, work, Duration.ofSeconds(20), agent -> {
      Path hanging = work.resolve("hanging-agent");
      try {
        Files.writeString(hanging, "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = '" + vm3 + "' ] && mkdir '" + firstCall
            + "' 2>/dev/null; then exec sleep 1000; fi\ndone\nexec '" + agent + "' \"$@\"\n");
        hanging.toFile().setExecutable(true);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return hanging;
    })) {
      MpiOutcome outcome = run.await(RUN_TIMEOUT);
      System.out.println("relaunched: " + outcome.reason());
      assertTrue(Files.isDirectory(firstCall), "the agent was called for vm3 and hung");
      assertTrue(outcome.verified(), outcome.reason());
      // the first launch given up with vm3 empty (on a loaded machine other VMs' daemons may not be up yet either)
      java.util.regex.Matcher empty = java.util.regex.Pattern.compile("launch 1: [^;]*no process at all in \\[([^]]*)]").matcher(outcome.reason());
      assertTrue(outcome.reason().contains("(launched 2 times") && empty.find() && List.of(empty.group(1).split(", ")).contains("vm3"),
          outcome.reason());
      assertTrue(outcome.wallSeconds() < RUN_TIMEOUT.toSeconds(), "the wall time is the last launch's: " + outcome.wallSeconds());
    }
    assertTrue(ranks.stream().allMatch(vm -> vm.pids().isEmpty()), "no process left in the VMs");
  }

  @Test
  void tooManyRanksIsInvalidInput() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> MpiRun.start(lab, MpiPrograms.lookupOrThrow("hpcc"), ranks.subList(0, 2), dir.resolve("two")));
    assertTrue(e.getMessage().contains("runs on [4] ranks, not 2"), e.getMessage());
  }
}
