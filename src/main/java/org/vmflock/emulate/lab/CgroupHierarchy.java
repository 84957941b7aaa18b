package org.vmflock.emulate.lab;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Where the lab puts processes so it can freeze them, read their memory and kill them all: cgroup
 * v1 (a cgroup in the freezer and in the memory hierarchy) or v2 (one cgroup in the unified
 * hierarchy), whichever the machine has ({@link #detect}). A lab's cgroups are {@code <root>/<lab
 * id>/<child>}.
 */
abstract sealed class CgroupHierarchy permits CgroupHierarchy.V1, CgroupHierarchy.V2 {

  /** How long freezing, thawing or emptying a cgroup may take. */
  static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(10);

  /** The hierarchy roots holding lab cgroups (one per controller on v1). */
  abstract List<Path> roots();

  /** v1 or v2, and where. */
  abstract String description();

  /** Creates lab {@code labId}'s cgroup, parent of its children. */
  abstract void createLab(String labId);

  /** The file that freezes and thaws {@code cgroup}. */
  abstract Path freezeControl(Cgroup cgroup);

  /** What to write into {@link #freezeControl} to freeze ({@code true}) or thaw. */
  abstract String freezeValue(boolean frozen);

  /** Whether every process of {@code cgroup} is frozen now. */
  abstract boolean frozen(Cgroup cgroup);

  /** Whether {@code cgroup} is thawed (not merely not frozen yet: on v1 a cgroup can be still FREEZING). */
  abstract boolean thawed(Cgroup cgroup);

  /** Freezes {@code cgroup}; returns once all its processes are frozen. */
  final void freeze(Cgroup cgroup) {
    write(freezeControl(cgroup), freezeValue(true));
    HostCommands.await(SETTLE_TIMEOUT, cgroup + " frozen", () -> frozen(cgroup));
  }

  /** Thaws {@code cgroup}; returns once it is. */
  final void thaw(Cgroup cgroup) {
    write(freezeControl(cgroup), freezeValue(false));
    HostCommands.await(SETTLE_TIMEOUT, cgroup + " thawed", () -> thawed(cgroup));
  }

  /** Anonymous plus mapped-file memory of the cgroup's processes, in bytes. */
  abstract long residentBytes(Cgroup cgroup);

  /** Lab {@code labId}'s child cgroup {@code child}, not created yet. */
  final Cgroup cgroup(String labId, String child) {
    return new Cgroup(this, roots().stream().map(r -> r.resolve(labId).resolve(child)).toList());
  }

  /** The machine's hierarchy: v1 when its freezer and memory controllers are mounted, else v2. */
  static CgroupHierarchy detect() {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/mountinfo"), UTF_8);
    } catch (IOException e) {
      throw new LabUnavailableException("cannot read /proc/self/mountinfo to find the cgroup hierarchy: " + e.getMessage(), e);
    }
    Path freezer = null;
    Path memory = null;
    Path unified = null;
    for (String line : lines) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] left = line.substring(0, dash).split(" ");
      String[] right = line.substring(dash + 3).split(" ");
      if (left.length < 5 || right.length < 3) {
        continue;
      }
      Path mountPoint = Path.of(left[4].replace("\\040", " "));
      List<String> options = List.of(right[2].split(","));
      if (right[0].equals("cgroup")) {
        if (options.contains("freezer")) {
          freezer = mountPoint;
        }
        if (options.contains("memory")) {
          memory = mountPoint;
        }
      } else if (right[0].equals("cgroup2")) {
        unified = mountPoint;
      }
    }
    if (freezer != null && memory != null) {
      return new V1(freezer, memory);
    }
    if (unified != null && controllers(unified).contains("memory")) {
      return new V2(unified);
    }
    throw new LabUnavailableException("the lab needs cgroups: v1 with the freezer and memory controllers mounted, or v2 with the memory"
        + " controller (found freezer " + (freezer == null ? "no" : freezer) + ", memory " + (memory == null ? "no" : memory)
        + ", unified " + (unified == null ? "no" : unified + " with controllers " + controllers(unified)) + ")");
  }

  static List<String> controllers(Path v2Root) {
    try {
      return List.of(Files.readString(v2Root.resolve("cgroup.controllers")).trim().split("\\s+"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Every process in {@code dir} and the cgroups below it. */
  static List<Long> pidsBelow(Path dir) {
    TreeSet<Long> pids = new TreeSet<>();
    for (Path d : directoriesBelow(dir)) {
      try {
        for (String line : Files.readAllLines(d.resolve("cgroup.procs"))) {
          if (!line.isBlank()) {
            pids.add(Long.parseLong(line.trim()));
          }
        }
      } catch (NoSuchFileException e) {
        // removed meanwhile
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return List.copyOf(pids);
  }

  /** {@code dir} and the cgroups below it, deepest first. */
  static List<Path> directoriesBelow(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isDirectory).sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
    } catch (IOException e) {
      // a cgroup removed during the walk: look again
      return List.of(dir);
    }
  }

  static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new LabException("cannot write '" + value.strip() + "' to " + file + ": " + e.getMessage(), e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new LabException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The named values of a {@code memory.stat} file. */
  static long sumOf(Path memoryStat, List<String> keys) {
    Map<String, Long> values = new java.util.HashMap<>();
    for (String line : read(memoryStat).split("\n")) {
      String[] kv = line.trim().split("\\s+");
      if (kv.length == 2) {
        values.put(kv[0], Long.parseLong(kv[1]));
      }
    }
    long sum = 0;
    for (String key : keys) {
      Long v = values.get(key);
      if (v == null) {
        throw new LabException(memoryStat + " has no " + key);
      }
      sum += v;
    }
    return sum;
  }

  /** cgroup v1: the freezer and the memory controllers, each in its own hierarchy. */
  static final class V1 extends CgroupHierarchy {
    private static final List<String> RESIDENT = List.of("total_rss", "total_mapped_file");
    private final Path freezer;
    private final Path memory;

    V1(Path freezer, Path memory) {
      this.freezer = freezer;
      this.memory = memory;
    }

    @Override
    List<Path> roots() {
      return List.of(freezer, memory);
    }

    @Override
    String description() {
      return "cgroup v1 (freezer " + freezer + ", memory " + memory + ")";
    }

    @Override
    void createLab(String labId) {
      for (Path root : roots()) {
        Cgroup.mkdir(root.resolve(labId));
      }
    }

    @Override
    Path freezeControl(Cgroup cgroup) {
      return cgroup.dirs().get(0).resolve("freezer.state");
    }

    @Override
    String freezeValue(boolean frozen) {
      return frozen ? "FROZEN\n" : "THAWED\n";
    }

    @Override
    boolean frozen(Cgroup cgroup) {
      return read(freezeControl(cgroup)).strip().equals("FROZEN");
    }

    @Override
    boolean thawed(Cgroup cgroup) {
      return read(freezeControl(cgroup)).strip().equals("THAWED");
    }

    @Override
    long residentBytes(Cgroup cgroup) {
      return sumOf(cgroup.dirs().get(1).resolve("memory.stat"), RESIDENT);
    }
  }

  /** cgroup v2: one unified hierarchy; freezing is built in, memory is a controller to enable. */
  static final class V2 extends CgroupHierarchy {
    private static final List<String> RESIDENT = List.of("anon", "file_mapped");
    private final Path root;

    V2(Path root) {
      this.root = root;
    }

    @Override
    List<Path> roots() {
      return List.of(root);
    }

    @Override
    String description() {
      return "cgroup v2 (" + root + ")";
    }

    @Override
    void createLab(String labId) {
      Path lab = root.resolve(labId);
      Cgroup.mkdir(lab);
      if (controllers(root).contains("memory")) {
        // the children get memory.stat only when every ancestor delegates the controller
        write(root.resolve("cgroup.subtree_control"), "+memory\n");
        write(lab.resolve("cgroup.subtree_control"), "+memory\n");
      }
    }

    @Override
    Path freezeControl(Cgroup cgroup) {
      return cgroup.dirs().get(0).resolve("cgroup.freeze");
    }

    @Override
    String freezeValue(boolean frozen) {
      return frozen ? "1\n" : "0\n";
    }

    @Override
    boolean frozen(Cgroup cgroup) {
      return read(cgroup.dirs().get(0).resolve("cgroup.events")).lines().anyMatch(l -> l.strip().equals("frozen 1"));
    }

    @Override
    boolean thawed(Cgroup cgroup) {
      return !frozen(cgroup);
    }

    @Override
    long residentBytes(Cgroup cgroup) {
      Path stat = cgroup.dirs().get(0).resolve("memory.stat");
      if (!Files.exists(stat)) {
        throw new LabException("no memory controller in " + root + " (" + stat + " missing)");
      }
      return sumOf(stat, RESIDENT);
    }
  }

  /** A cgroup: its directory in each hierarchy root (freezer first on v1). */
  record Cgroup(CgroupHierarchy hierarchy, List<Path> dirs) {

    Cgroup {
      dirs = List.copyOf(dirs);
    }

    void create() {
      dirs.forEach(Cgroup::mkdir);
    }

    void freeze() {
      hierarchy.freeze(this);
    }

    void thaw() {
      hierarchy.thaw(this);
    }

    boolean frozen() {
      return hierarchy.frozen(this);
    }

    boolean thawed() {
      return hierarchy.thawed(this);
    }

    long residentBytes() {
      return hierarchy.residentBytes(this);
    }

    List<Long> pids() {
      return pidsBelow(dirs.get(0));
    }

    /**
     * Kills every process in the cgroup and below, and removes the directories. Frozen first so
     * that nothing forks meanwhile, killed, then thawed so the kills are delivered.
     */
    void destroy() {
      killAll(dirs.get(0), hierarchy);
      for (Path dir : dirs) {
        removeTree(dir);
      }
    }

    static void mkdir(Path dir) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new LabException("cannot create cgroup " + dir + ": " + e.getMessage(), e);
      }
    }

    /** Kills every process in {@code dir} and below it (a cgroup of {@code hierarchy}). */
    static void killAll(Path dir, CgroupHierarchy hierarchy) {
      if (!Files.isDirectory(dir)) {
        return;
      }
      Cgroup whole = new Cgroup(hierarchy, List.of(dir));
      boolean canFreeze = Files.exists(hierarchy.freezeControl(whole)); // not the v1 memory hierarchy
      if (canFreeze && !pidsBelow(dir).isEmpty()) {
        try {
          whole.freeze();
        } catch (LabException e) {
          // a process stuck in the kernel: kill anyway
        }
      }
      for (long pid : pidsBelow(dir)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      if (canFreeze) {
        for (Path d : directoriesBelow(dir)) {
          new Cgroup(hierarchy, List.of(d)).thawQuietly();
        }
      }
      HostCommands.await(SETTLE_TIMEOUT, "the processes of cgroup " + dir + " to exit", () -> {
        List<Long> left = pidsBelow(dir);
        left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        return left.isEmpty();
      });
    }

    private void thawQuietly() {
      try {
        write(hierarchy.freezeControl(this), hierarchy.freezeValue(false));
      } catch (LabException e) {
        // already gone
      }
    }

    /** Removes {@code dir} and the cgroups below it (empty of processes), deepest first. */
    static void removeTree(Path dir) {
      List<Path> all = new ArrayList<>(directoriesBelow(dir));
      HostCommands.await(SETTLE_TIMEOUT, "cgroup " + dir + " to be removed", () -> {
        all.removeIf(d -> {
          try {
            Files.deleteIfExists(d);
            return true;
          } catch (IOException e) {
            return false; // still busy: a process has not quite left
          }
        });
        return all.isEmpty();
      });
    }

    @Override
    public String toString() {
      return "cgroup " + dirs.get(0).getFileName();
    }
  }
}
