package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Everything a lab creates goes away: on close, on Ctrl-C (the shutdown hook), and after a crash
 * at the next sweep; a sweep touches nothing without the prefix, nor the lab of a live process.
 */
class LabCleanupTest {

  private static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);
  private CgroupHierarchy hierarchy;

  @BeforeEach
  void machineCanHostLabs() {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    hierarchy = CgroupHierarchy.detect();
  }

  @Test
  void closeLeavesNothing() throws Exception {
    Set<String> rootInterfaces = rootInterfaces();
    EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").site("c")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(1), 100_000_000L)).build());
    lab.addVm("vm1", "a");
    lab.addVm("vm2", "b").processBuilder(List.of("sleep", "600")).start();
    lab.addVm("vm3", "c").processBuilder(List.of("sh", "-c", "sleep 600 & sleep 600")).start();
    HostCommands.await(CHILD_TIMEOUT, "the VMs' processes started", () -> lab.vm("vm2").pids().size() == 1 && lab.vm("vm3").pids().size() == 3);
    lab.vm("vm3").freeze(); // a frozen VM is killed too
    List<Long> processes = new ArrayList<>();
    lab.vms().forEach(vm -> processes.addAll(vm.pids()));
    lab.links().forEach(l -> processes.add(l.pid()));
    assertFalse(leftovers(lab.id()).isEmpty());

    lab.close();
    lab.close(); // idempotent

    assertEquals(List.of(), leftovers(lab.id()));
    awaitGone(processes);
    assertEquals(rootInterfaces, rootInterfaces(), "the root namespace is never touched");
    assertTrue(lab.links().stream().allMatch(l -> l.counters() != null && !l.running()), "stopped links keep their counters");
  }

  @Test
  void ctrlCRemovesTheLabThroughTheShutdownHook() throws Exception {
    Process child = startLabProcess();
    String id = awaitReady(child);
    assertFalse(leftovers(id).isEmpty());
    HostCommands.check("kill", "-INT", Long.toString(child.pid()));
    assertTrue(child.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the lab's JVM exits on SIGINT");
    assertEquals(List.of(), leftovers(id));
  }

  @Test
  void aSweepAfterACrashRemovesEverythingOfTheDeadLabAndNothingElse() throws Exception {
    try (EmulatedFederation live = EmulatedFederation.create(FederationSpec.builder().site("x").build())) {
      live.addVm("alive", "x");
      List<Path> decoys = createDecoys();
      try {
        Process child = startLabProcess();
        String id = awaitReady(child);
        Set<Long> found = new TreeSet<>();
        for (Path root : hierarchy.roots()) {
          found.addAll(CgroupHierarchy.pidsBelow(root.resolve(id)));
        }
        List<Long> processes = List.copyOf(found);
        child.destroyForcibly(); // kill -9: no hook runs
        assertTrue(child.waitFor(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        assertFalse(leftovers(id).isEmpty(), "a crash leaves the lab behind");
        assertEquals(2, processes.size(), "the VM's sleep and the forwarder: " + processes);

        List<String> swept = EmulatedFederation.sweepOrphans();

        assertTrue(swept.contains(id), swept + " lacks " + id);
        assertFalse(swept.contains(live.id()), "the lab of a live process is not an orphan");
        assertEquals(List.of(), leftovers(id));
        awaitGone(processes);
        for (Path decoy : decoys) {
          assertTrue(Files.exists(decoy), decoy + " has no lab prefix and must stay");
        }
        assertFalse(leftovers(live.id()).isEmpty());
        assertTrue(live.vm("alive").run(Duration.ofSeconds(10), "true").succeeded(), "the live lab still works");
      } finally {
        removeDecoys(decoys);
      }
    }
  }

  /** Killed processes whose parent died are reaped by init, a moment later. */
  private static void awaitGone(List<Long> processes) {
    HostCommands.await(CHILD_TIMEOUT, "processes " + processes + " to be gone",
        () -> processes.stream().noneMatch(p -> ProcessHandle.of(p).isPresent()));
  }

  /** Everything named after lab {@code id}: namespaces, cgroups, the run directory. */
  private List<String> leftovers(String id) {
    List<String> found = new ArrayList<>();
    LabSweeper.namespaces().stream().filter(n -> n.startsWith(id + "-")).forEach(found::add);
    for (Path root : hierarchy.roots()) {
      if (Files.exists(root.resolve(id))) {
        found.add(root.resolve(id).toString());
      }
    }
    if (Files.exists(LabNames.runDirectory(id))) {
      found.add(LabNames.runDirectory(id).toString());
    }
    return found;
  }

  /** A namespace, a cgroup per hierarchy and a run directory whose names lack the prefix. */
  private List<Path> createDecoys() throws Exception {
    String name = "decoy-" + LabNames.newLabId(ProcessHandle.current().pid());
    HostCommands.check("ip", "netns", "add", name);
    List<Path> decoys = new ArrayList<>(List.of(Path.of("/var/run/netns", name)));
    for (Path root : hierarchy.roots()) {
      decoys.add(Files.createDirectory(root.resolve(name)));
    }
    decoys.add(Files.createDirectory(LabNames.RUN_ROOT.resolve(name)));
    return decoys;
  }

  private static void removeDecoys(List<Path> decoys) throws Exception {
    HostCommands.run(List.of("ip", "netns", "delete", decoys.get(0).getFileName().toString()), null, HostCommands.TIMEOUT);
    for (Path d : decoys.subList(1, decoys.size())) {
      Files.deleteIfExists(d);
    }
  }

  private static Process startLabProcess() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return new ProcessBuilder(java, "-cp", classPath, LabInAnotherProcess.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static String awaitReady(Process child) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    String ready = line.get(CHILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(ready != null && ready.startsWith("READY "), "the lab process said: " + ready);
    return ready.substring("READY ".length()).trim();
  }

  private static Set<String> rootInterfaces() {
    Set<String> names = new TreeSet<>();
    HostCommands.check("ip", "-o", "link", "show").lines().forEach(l -> names.add(l.split(":\\s+")[1].replaceAll("@.*", "")));
    return names;
  }
}
