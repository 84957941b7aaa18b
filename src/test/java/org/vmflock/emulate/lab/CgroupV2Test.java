package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cgroup v2 path, on whatever cgroup2 mount the machine has: on a v1 machine that is the
 * hybrid "unified" hierarchy, which has no controllers but freezes (cgroup.freeze is built in).
 * A pure v2 machine runs all the lab's tests on v2 anyway.
 */
class CgroupV2Test {

  @Test
  void aV2CgroupHoldsAProcessFreezesThawsAndIsDestroyed() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), EmulatedFederation.unavailableReason());
    Path root = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.contains(" - cgroup2 ")).map(l -> Path.of(l.split(" ")[4])).findFirst().orElse(null);
    assumeTrue(root != null, "no cgroup2 mount here");
    CgroupHierarchy v2 = new CgroupHierarchy.V2(root);
    String id = LabNames.newLabId(ProcessHandle.current().pid());
    v2.createLab(id);
    CgroupHierarchy.Cgroup cgroup = v2.cgroup(id, "vm-test");
    try {
      cgroup.create();
      Process sleeper = new ProcessBuilder(LabTool.path().toString(), "--cgroup", cgroup.dirs().get(0).toString(), "exec", "--", "sleep", "600")
          .start();
      HostCommands.await(Duration.ofSeconds(10), "the sleeper in " + cgroup, () -> cgroup.pids().contains(sleeper.pid()));
      cgroup.freeze();
      assertTrue(cgroup.frozen());
      cgroup.thaw();
      assertFalse(cgroup.frozen());
      if (CgroupHierarchy.controllers(root).contains("memory")) {
        assertTrue(cgroup.residentBytes() > 0);
      }
      cgroup.destroy();
      assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS), "destroying the cgroup killed its process");
      assertFalse(Files.exists(cgroup.dirs().get(0)));
    } finally {
      LabSweeper.sweep(List.of(id), v2);
    }
    assertFalse(Files.exists(root.resolve(id)));
  }
}
