package org.vmflock.scenario;

/**
 * One NAS Parallel Benchmark as its NPB 3.4 MPI source runs it: the messages and rounds of a run,
 * the operation count it reports its Mop/s with, and the memory of one rank. See
 * {@code simulations/PROFILES.md} for each pattern and where every number comes from.
 */
interface NpbPattern {

  /** Whether the benchmark runs class {@code c} on {@code ranks} ranks (its shape rule and size limits). */
  default boolean runsOn(NpbClass c, int ranks) {
    return ranks >= 2 && powerOfTwo(ranks);
  }

  /** The shape rule, for messages: e.g. "a power of two". */
  default String shape() {
    return "a power of two";
  }

  /** The messages and rounds of one whole run, untimed warm-up included. */
  MpiTraffic run(NpbClass c, int ranks);

  /** The operations NPB divides by the run time to print its Mop/s (the source's formula). */
  double operations(NpbClass c);

  /** Iterations (time steps) of a run, each rewriting the writable arrays once. */
  double iterations(NpbClass c, int ranks);

  /** The main arrays one rank allocates, bytes. */
  double memoryBytesPerRank(NpbClass c, int ranks);

  /** The part of them each iteration rewrites, bytes. */
  double writableBytesPerRank(NpbClass c, int ranks);

  /** Whether {@code n} is a power of two. */
  static boolean powerOfTwo(int n) {
    return n > 0 && Integer.bitCount(n) == 1;
  }

  static int log2(int powerOfTwo) {
    return Integer.numberOfTrailingZeros(powerOfTwo);
  }
}
