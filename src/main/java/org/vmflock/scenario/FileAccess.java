package org.vmflock.scenario;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the file names written in a scenario lead. A scenario file's own names are relative to its
 * folder (or absolute): its author runs vmflock. An application submitted to a node (HTTP, inject)
 * names files only under the directory the node's operator configured
 * ({@code vmflock.http.traffic-dir}), never above it; without one, it names none and gives its
 * traffic inline.
 */
record FileAccess(Optional<Path> dir, boolean confined) {

  /** The names of {@code scenario}: relative to its folder, or absolute. */
  static FileAccess besides(Path scenario) {
    return new FileAccess(Optional.of(scenario.toAbsolutePath().getParent()), false);
  }

  /** Names under {@code dir} only; none when empty. */
  static FileAccess under(Optional<Path> dir) {
    return new FileAccess(dir.map(d -> d.toAbsolutePath().normalize()), true);
  }

  /** The file {@code name} leads to; an IllegalArgumentException says why it may not be read. */
  Path resolve(String name) {
    Path p = Path.of(name);
    if (!confined) {
      return p.isAbsolute() ? p : dir.orElseThrow().resolve(p).normalize();
    }
    if (dir.isEmpty()) {
      throw new IllegalArgumentException("this node reads no file named in a request: give the matrix inline (traffic-csv), "
          + "or its operator sets vmflock.http.traffic-dir");
    }
    Path d = dir.get();
    Path f = d.resolve(p).normalize();
    if (p.isAbsolute() || name.isBlank() || !f.startsWith(d) || f.equals(d)) {
      throw new IllegalArgumentException("'" + org.vmflock.model.Limits.quoted(name) + "' is not a file name under the traffic directory");
    }
    try {
      if (Files.exists(f) && !f.toRealPath().startsWith(d.toRealPath())) {
        throw new IllegalArgumentException("'" + org.vmflock.model.Limits.quoted(name) + "' leads out of the traffic directory");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("'" + org.vmflock.model.Limits.quoted(name) + "' cannot be read: " + e.getMessage());
    }
    return f;
  }
}
