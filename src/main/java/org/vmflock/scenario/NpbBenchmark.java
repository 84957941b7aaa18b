package org.vmflock.scenario;

import java.util.Locale;
import java.util.Optional;

/** The NAS Parallel Benchmarks vmflock has profiles for, each with its communication pattern. */
enum NpbBenchmark {
  BT(new MultiPartitionPattern(MultiPartitionPattern.Solver.BT)),
  CG(new CgPattern()),
  EP(new EpPattern()),
  FT(new FtPattern()),
  IS(new IsPattern()),
  LU(new LuPattern()),
  MG(new MgPattern()),
  SP(new MultiPartitionPattern(MultiPartitionPattern.Solver.SP));

  private final NpbPattern pattern;

  NpbBenchmark(NpbPattern pattern) {
    this.pattern = pattern;
  }

  NpbPattern pattern() {
    return pattern;
  }

  /** BT and SP run on a square number of ranks, the others on a power of two. */
  boolean onSquares() {
    return this == BT || this == SP;
  }

  /** As in profile names: {@code cg}. */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Optional<NpbBenchmark> parse(String text) {
    for (NpbBenchmark b : values()) {
      if (b.label().equals(text.toLowerCase(Locale.ROOT))) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }
}
