package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A VM's processes live in its namespace and cgroup: the cgroup says how much memory they hold,
 * freezing stops them and thawing resumes them, removing the VM kills them.
 */
class VmCgroupTest {

  /** What the memory hog keeps: tail -c N of an endless pipe holds its last N bytes (and it spins, with cat). */
  private static final long HOG_BYTES = 64L << 20;

  /** How long a frozen process is watched for progress; a running one gets CPU ticks well within it. */
  private static final Duration WATCH = Duration.ofMillis(500);

  @Test
  void freezeStopsTheVmsProcessesThawResumesThemAndTheCgroupCountsTheirMemory() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").build())) {
      EmulatedVm vm = lab.addVm("vm1", "a");
      CommandResult inside = vm.run(Duration.ofSeconds(10), "ip", "-o", "-4", "addr", "show");
      assertTrue(inside.output().contains(vm.ipWithPrefix()) && !inside.output().contains("vmfl-br"), "runs in the VM's namespace: " + inside);

      Process hog = vm.processBuilder(List.of("sh", "-c", "cat /dev/zero | tail -c " + HOG_BYTES))
          .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
      try {
        HostCommands.await(Duration.ofSeconds(20), "the hog to fill its memory", () -> vm.residentBytes() >= HOG_BYTES);
        assertTrue(vm.pids().contains(hog.pid()), vm.pids() + " lacks " + hog.pid());
        assertTrue(vm.residentBytes() < 2 * HOG_BYTES, "resident " + vm.residentBytes());

        vm.freeze();
        assertTrue(vm.frozen());
        long frozenAt = cpuTicks(vm);
        // a frozen process does not run: its CPU time stays the same the whole time it is watched
        org.awaitility.Awaitility.await("a frozen process does not run").during(WATCH).atMost(WATCH.multipliedBy(3))
            .pollInterval(Duration.ofMillis(50)).until(() -> cpuTicks(vm) == frozenAt);
        assertEquals(frozenAt, cpuTicks(vm), "a frozen process does not run");
        assertTrue(hog.isAlive());

        vm.thaw();
        assertFalse(vm.frozen());
        HostCommands.await(Duration.ofSeconds(10), "the thawed hog to run again", () -> cpuTicks(vm) > frozenAt);
      } finally {
        lab.removeVm("vm1");
      }
      assertTrue(hog.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "removing the VM killed its processes");
    }
  }

  /** User plus system CPU time of the VM's processes, in clock ticks (/proc/PID/stat fields 14 and 15). */
  private static long cpuTicks(EmulatedVm vm) {
    long ticks = 0;
    for (long pid : vm.pids()) {
      try {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return ticks;
  }
}
