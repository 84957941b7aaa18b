package org.vmflock.scenario;

import java.util.Map;

/**
 * FT (NPB 3.4 MPI, FT/ft.f90): the complex {@code nx x ny x nz} grid is cut into slabs along z (the
 * 1-D layout, used up to {@code nz} ranks; vmflock does not generate the 2-D layout beyond). Each
 * 3-D FFT transposes the whole grid with one {@code mpi_alltoall} ({@code transpose_xy_z},
 * {@code transpose_x_yz}): every rank sends {@code nx ny nz / p^2} complex numbers (16 bytes) to
 * every other. The run does {@code niter + 2} FFTs (one untimed, the forward one, one inverse per
 * iteration) and reduces a one-number checksum to rank 0 each iteration.
 */
final class FtPattern implements NpbPattern {

  private record Size(int nx, int ny, int nz, int niter) {
    double points() {
      return (double) nx * ny * nz;
    }
  }

  /** sys/setparams.c. */
  private static final Map<NpbClass, Size> SIZES = Map.of(
      NpbClass.A, new Size(256, 256, 128, 6),
      NpbClass.B, new Size(512, 256, 256, 20),
      NpbClass.C, new Size(512, 512, 512, 20));
  private static final int COMPLEX = 16;
  private static final int DOUBLE = 8;
  private static final int INT = 4;
  private static final int BROADCASTS = 5;
  private static final int ARRAYS = 3;

  @Override
  public boolean runsOn(NpbClass c, int ranks) {
    return ranks >= 2 && NpbPattern.powerOfTwo(ranks) && ranks <= SIZES.get(c).nz;
  }

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    Size s = SIZES.get(c);
    MpiTraffic run = new MpiTraffic(n);
    for (int i = 0; i < BROADCASTS; i++) {
      run.bcast(0, INT);
    }
    MpiTraffic fft = new MpiTraffic(n);
    fft.alltoall(s.points() / n / n * COMPLEX);
    run.add(fft, 2);
    run.barrier();
    MpiTraffic iteration = new MpiTraffic(n);
    iteration.add(fft, 1);
    iteration.reduce(0, COMPLEX);
    run.add(iteration, s.niter);
    return run;
  }

  @Override
  public double operations(NpbClass c) {
    Size s = SIZES.get(c);
    double total = s.points();
    return total * (14.8157 + 7.19641 * Math.log(total) + (5.23518 + 7.21113 * Math.log(total)) * s.niter);
  }

  @Override
  public double iterations(NpbClass c, int ranks) {
    return SIZES.get(c).niter;
  }

  /** FT/ft_data.f90 alloc_space: u0, u1, u2 (complex) and twiddle (real), a slab each. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    return writableBytesPerRank(c, ranks) + SIZES.get(c).points() / ranks * DOUBLE;
  }

  /** u0 (evolved in place), u1 and u2 (the FFTs' input and output). */
  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    return ARRAYS * SIZES.get(c).points() / ranks * COMPLEX;
  }
}
