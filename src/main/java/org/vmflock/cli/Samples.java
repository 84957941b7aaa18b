package org.vmflock.cli;

import java.nio.file.Path;

/** The sample data shipped with vmflock ({@code samples/} of the installation). */
final class Samples {

  private Samples() {}

  /** {@code samples/npb/NAME} under the installation ({@code vmflock.home}), else under the working directory. */
  static Path file(String name) {
    return installed("samples", "npb", name);
  }

  /** A file of the installation ({@code vmflock.home}), else under the working directory. */
  static Path installed(String first, String... more) {
    String home = System.getProperty("vmflock.home");
    Path root = home != null ? Path.of(home) : Path.of("");
    return root.resolve(Path.of(first, more));
  }
}
