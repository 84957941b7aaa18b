package org.vmflock.emulate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What labs whose id starts with a prefix left on this machine: namespaces, run directories, cgroups, processes. */
final class Leftovers {

  private Leftovers() {}

  /** Everything of labs whose id starts with {@code prefix} (e.g. {@code vmfl-<pid in base 36>-}). */
  static List<String> of(String prefix) throws IOException {
    List<String> left = new ArrayList<>();
    names(Path.of("/var/run/netns"), prefix).forEach(n -> left.add("netns " + n));
    names(Path.of("/run"), prefix).forEach(n -> left.add("run directory /run/" + n));
    try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path root : roots.toList()) {
        Path dir = Files.exists(root.resolve("vmflock")) ? root.resolve("vmflock") : root;
        names(dir, prefix).forEach(n -> left.add("cgroup " + dir.resolve(n)));
        names(root, prefix).forEach(n -> left.add("cgroup " + root.resolve(n)));
      }
    }
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          if (Files.readString(p.resolve("cgroup")).contains(prefix)) {
            left.add("process " + p.getFileName() + " (" + Files.readString(p.resolve("comm")).strip() + ")");
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    }
    return left;
  }

  private static List<String> names(Path dir, String prefix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).sorted().toList();
    }
  }
}
