package org.vmflock.emulate.lab;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Removes what labs left: their processes, network namespaces, cgroups and run directories, found
 * by name ({@link LabNames}); nothing whose name does not start with a lab id is looked at twice.
 * {@link #sweepOrphans} removes the labs whose creating process is gone (a crash, a {@code kill
 * -9}); labs of live processes (another engineer's run) are left alone.
 */
final class LabSweeper {

  private static final String OWNER_FILE = "owner";

  /** What a sweep removed. */
  record Swept(List<String> labs, List<String> namespaces, List<Path> cgroups, List<Long> processes) {

    boolean isEmpty() {
      return labs.isEmpty();
    }
  }

  private LabSweeper() {}

  /** Sweeps every lab whose owner process no longer runs. */
  static Swept sweepOrphans(CgroupHierarchy hierarchy) {
    List<String> orphans = labIds(hierarchy).stream().filter(id -> !ownerAlive(id)).toList();
    return sweep(orphans, hierarchy);
  }

  /** Sweeps the labs {@code ids}, whoever owns them. */
  static Swept sweep(List<String> ids, CgroupHierarchy hierarchy) {
    List<String> namespaces = new ArrayList<>();
    List<Path> cgroups = new ArrayList<>();
    List<Long> processes = new ArrayList<>();
    List<String> allNamespaces = namespaces();
    for (String id : ids) {
      List<String> own = allNamespaces.stream().filter(n -> LabNames.labId(n).filter(id::equals).isPresent()).toList();
      // processes first: a namespace a process still holds would outlive its name
      for (Path root : hierarchy.roots()) {
        Path lab = root.resolve(id);
        processes.addAll(CgroupHierarchy.pidsBelow(lab));
        CgroupHierarchy.Cgroup.killAll(lab, hierarchy);
      }
      for (String namespace : own) {
        for (long pid : namespacePids(namespace)) {
          ProcessHandle.of(pid).ifPresent(p -> {
            processes.add(pid);
            p.destroyForcibly();
          });
        }
      }
      HostCommands.ipBatch(null, own.stream().map(n -> "netns delete " + n).toList(), true);
      namespaces.addAll(own);
      for (Path root : hierarchy.roots()) {
        Path lab = root.resolve(id);
        if (Files.isDirectory(lab)) {
          cgroups.add(lab);
          CgroupHierarchy.Cgroup.removeTree(lab);
        }
      }
      try {
        LabTool.deleteTree(LabNames.runDirectory(id));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Swept(List.copyOf(ids), List.copyOf(namespaces), List.copyOf(cgroups), List.copyOf(new TreeSet<>(processes)));
  }

  /** Every lab id with something on this machine: namespaces, cgroups, run directories. */
  static List<String> labIds(CgroupHierarchy hierarchy) {
    TreeSet<String> ids = new TreeSet<>();
    namespaces().forEach(n -> LabNames.labId(n).ifPresent(ids::add));
    for (Path root : hierarchy.roots()) {
      children(root).forEach(n -> LabNames.labId(n).filter(n::equals).ifPresent(ids::add));
    }
    children(LabNames.RUN_ROOT).forEach(n -> LabNames.labId(n).filter(n::equals).ifPresent(ids::add));
    return List.copyOf(ids);
  }

  /** Records who owns lab {@code id}, so that a later sweep can tell a reused pid. */
  static void writeOwner(String id) {
    ProcessHandle self = ProcessHandle.current();
    String start = self.info().startInstant().map(Instant::toString).orElse("");
    try {
      Files.writeString(LabNames.runDirectory(id).resolve(OWNER_FILE), self.pid() + " " + start + "\n", UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the process that created lab {@code id} still runs (the same process, not a reused pid). */
  static boolean ownerAlive(String id) {
    long pid = LabNames.ownerPid(id);
    Optional<ProcessHandle> owner = ProcessHandle.of(pid);
    if (owner.isEmpty()) {
      return false;
    }
    Path file = LabNames.runDirectory(id).resolve(OWNER_FILE);
    try {
      String[] recorded = Files.readString(file, UTF_8).trim().split(" ");
      Optional<Instant> started = owner.get().info().startInstant();
      return recorded.length < 2 || started.isEmpty() || started.get().toString().equals(recorded[1]);
    } catch (IOException e) {
      return true; // no record (a lab being created now): the live pid decides
    }
  }

  /** Names of the named network namespaces ({@code ip netns}). */
  static List<String> namespaces() {
    return children(Path.of("/var/run/netns"));
  }

  private static List<Long> namespacePids(String namespace) {
    CommandResult r = HostCommands.run(List.of("ip", "netns", "pids", namespace), null, HostCommands.TIMEOUT);
    return r.output().lines().filter(l -> l.matches("\\d+")).map(Long::parseLong).toList();
  }

  private static List<String> children(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
