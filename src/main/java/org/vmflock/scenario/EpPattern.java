package org.vmflock.scenario;

import java.util.Map;

/**
 * EP (NPB 3.4 MPI, EP/ep.f90): each rank draws its share of {@code 2^m} pairs of random numbers
 * alone, in batches of {@code 2^16}; the only messages are a broadcast and a barrier at the start and
 * four allreduces at the end (two sums, the ten counts, the time).
 */
final class EpPattern implements NpbPattern {

  /** sys/setparams.c: 2^m pairs. */
  private static final Map<NpbClass, Integer> M = Map.of(NpbClass.A, 28, NpbClass.B, 30, NpbClass.C, 32);
  private static final int BATCH_LOG2 = 16;
  private static final int DOUBLE = 8;
  private static final int INT = 4;
  private static final int COUNTS = 10;
  private static final int QQ = 10_000;

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    MpiTraffic run = new MpiTraffic(n);
    run.bcast(0, INT);
    run.barrier();
    run.allreduce(DOUBLE);
    run.allreduce(DOUBLE);
    run.allreduce(COUNTS * DOUBLE);
    run.allreduce(DOUBLE);
    return run;
  }

  /** EP reports Mop/s as random numbers generated: 2^(m+1). */
  @Override
  public double operations(NpbClass c) {
    return Math.pow(2, M.get(c) + 1);
  }

  /** Batches of 2^16 pairs per rank, each rewriting x. */
  @Override
  public double iterations(NpbClass c, int ranks) {
    return Math.pow(2, M.get(c) - BATCH_LOG2) / ranks;
  }

  /** ep_data.f90: x (2^17 doubles), q, qq. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    return writableBytesPerRank(c, ranks) + (COUNTS + QQ) * DOUBLE;
  }

  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    return 2 * Math.pow(2, BATCH_LOG2) * DOUBLE;
  }
}
