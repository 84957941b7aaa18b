package org.vmflock.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Data the tests share with the product: the NAS Parallel Benchmark captures shipped in {@code samples/npb}. */
public final class TestData {

  private TestData() {}

  /** A file of {@code samples/npb} (tests run from the project's root). */
  public static Path npb(String name) {
    Path p = Path.of("samples", "npb", name);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing test data " + p.toAbsolutePath());
    }
    return p;
  }
}
