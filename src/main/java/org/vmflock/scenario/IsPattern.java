package org.vmflock.scenario;

import java.util.Map;

/**
 * IS (NPB 3.4 MPI, IS/is.c): each rank holds {@code 2^k / p} keys. Each of the 11 rankings (one
 * untimed) sums the 1024 bucket sizes (plus 5 test values) over all ranks ({@code MPI_Allreduce}),
 * tells every rank how many keys it will get ({@code MPI_Alltoall}, one int) and sends them
 * ({@code MPI_Alltoallv}): the keys of every rank follow the same distribution and the buckets are
 * dealt out so that each rank gets as many keys, so each rank sends about {@code 2^k / p^2} keys (4
 * bytes) to every rank. The full verification passes one key to the next rank, and two reductions
 * collect the time and the verdict.
 */
final class IsPattern implements NpbPattern {

  private record Size(int totalKeysLog2) {
    double keys() {
      return Math.pow(2, totalKeysLog2);
    }
  }

  /** IS/is.c CLASS defines. */
  private static final Map<NpbClass, Size> SIZES = Map.of(
      NpbClass.A, new Size(23),
      NpbClass.B, new Size(25),
      NpbClass.C, new Size(27));
  private static final int KEY = 4;
  private static final int BUCKETS = 1024;
  private static final int TEST_ARRAY_SIZE = 5;
  private static final int ITERATIONS = 10;
  /** size_of_buffers = 3 num_keys / 2 below 256 ranks, larger above. */
  private static final double BUFFER_FACTOR = 1.5;

  @Override
  public boolean runsOn(NpbClass c, int ranks) {
    return ranks >= 2 && NpbPattern.powerOfTwo(ranks) && ranks <= BUCKETS;
  }

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    double keys = SIZES.get(c).keys();
    MpiTraffic ranking = new MpiTraffic(n);
    ranking.allreduce((BUCKETS + TEST_ARRAY_SIZE) * KEY);
    ranking.alltoall(KEY);
    ranking.alltoall(keys / n / n * KEY);
    MpiTraffic run = new MpiTraffic(n);
    run.bcast(0, KEY);
    run.add(ranking, ITERATIONS + 1);
    run.reduce(0, 2 * KEY);
    for (int r = 0; r + 1 < n; r++) {
      run.send(r, r + 1, KEY);
    }
    run.rounds(1);
    run.reduce(0, KEY);
    return run;
  }

  /** IS reports Mop/s as keys ranked: MAX_ITERATIONS * TOTAL_KEYS. */
  @Override
  public double operations(NpbClass c) {
    return ITERATIONS * SIZES.get(c).keys();
  }

  @Override
  public double iterations(NpbClass c, int ranks) {
    return ITERATIONS + 1;
  }

  /** alloc_space: key_array, key_buff1, key_buff2 of size_of_buffers ints. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    return 3 * BUFFER_FACTOR * SIZES.get(c).keys() / ranks * KEY;
  }

  /** key_buff1 and key_buff2, rewritten by each ranking; key_array is sorted only at the end. */
  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    return 2 * BUFFER_FACTOR * SIZES.get(c).keys() / ranks * KEY;
  }
}
