package org.vmflock.scenario;

import java.util.Map;

/**
 * LU (NPB 3.4 MPI, LU/ssor.f90, exchange_1.f90, exchange_3.f90): the {@code nx x ny} plane is cut
 * into an {@code xdim x ydim} grid of ranks ({@code proc_grid}: {@code xdim = 2^ceil(k/2)},
 * {@code ydim = 2^floor(k/2)} for {@code 2^k} ranks); rank {@code id} is at row {@code id mod xdim},
 * column {@code id / xdim}, with neighbours north and south ({@code id -+ 1}), west and east
 * ({@code id -+ xdim}): 2 to 4 of them, no wrap-around. Each SSOR step sweeps the {@code nz - 2}
 * inner planes twice as a pipelined wavefront: in the lower sweep a rank waits for its north and
 * west neighbours' plane edge, computes, and passes its own on south and east ({@code 5} doubles per
 * edge point: many small messages); the upper sweep runs back north and west. Then the right-hand
 * side swaps two layers of ghost cells with each neighbour ({@code exchange_3}, {@code 10 ny nz} and
 * {@code 10 nx nz} doubles). The run: {@code ssor(1)} untimed, then {@code ssor(itmax)}.
 */
final class LuPattern implements NpbPattern {

  private record Size(int n, int itmax) {}

  /** sys/setparams.c: a cube of n points, itmax steps. */
  private static final Map<NpbClass, Size> SIZES = Map.of(
      NpbClass.A, new Size(64, 250),
      NpbClass.B, new Size(102, 250),
      NpbClass.C, new Size(162, 250));
  private static final int DOUBLE = 8;
  private static final int VARIABLES = 5;
  /** subdomain: a rank needs at least 3 points across. */
  private static final int MIN_POINTS = 3;
  private static final int BROADCASTS = 10;

  @Override
  public boolean runsOn(NpbClass c, int ranks) {
    if (ranks < 2 || !NpbPattern.powerOfTwo(ranks)) {
      return false;
    }
    int points = SIZES.get(c).n;
    return points / xdim(ranks) >= MIN_POINTS && points / (ranks / xdim(ranks)) >= MIN_POINTS;
  }

  static int xdim(int ranks) {
    return 1 << ((NpbPattern.log2(ranks) + 1) / 2);
  }

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    Size s = SIZES.get(c);
    int xdim = xdim(n);
    int ydim = n / xdim;
    int nz = s.n;
    MpiTraffic rhs = new MpiTraffic(n);
    MpiTraffic step = new MpiTraffic(n);
    // the source's count of latency-bound rounds of one sweep: nz - 2 planes, plus the fill across the grid's diagonal
    double stages = (nz - 2) + (xdim - 1) + (ydim - 1);
    for (int id = 0; id < n; id++) { // lower sweep: planes go south and east
      Block b = new Block(id, xdim, ydim, s.n);
      for (int k = 2; k <= nz - 1; k++) {
        send(step, id, b.south, b.columnEdge());
        send(step, id, b.east, b.rowEdge());
      }
    }
    step.sweeps(1, stages);
    for (int id = 0; id < n; id++) { // upper sweep: back north and west
      Block b = new Block(id, xdim, ydim, s.n);
      for (int k = 2; k <= nz - 1; k++) {
        send(step, id, b.north, b.columnEdge());
        send(step, id, b.west, b.rowEdge());
      }
    }
    step.sweeps(1, stages);
    for (int id = 0; id < n; id++) {
      Block b = new Block(id, xdim, ydim, s.n);
      double northSouth = 2.0 * VARIABLES * b.ny * nz * DOUBLE;
      double eastWest = 2.0 * VARIABLES * b.nx * nz * DOUBLE;
      send(rhs, id, b.south, northSouth);
      send(rhs, id, b.north, northSouth);
      send(rhs, id, b.east, eastWest);
      send(rhs, id, b.west, eastWest);
    }
    rhs.rounds(2);
    step.add(rhs, 1);

    MpiTraffic norm = new MpiTraffic(n);
    norm.allreduce(VARIABLES * DOUBLE);
    MpiTraffic run = new MpiTraffic(n);
    for (int i = 0; i < BROADCASTS; i++) {
      run.bcast(0, DOUBLE);
    }
    run.add(rhs, 1);
    // ssor(1): rhs and a norm first, then one step
    run.add(rhs, 1);
    run.add(norm, 1);
    run.barrier();
    run.add(step, 1);
    // ssor(itmax): the same, and two norms after the last step
    run.add(rhs, 1);
    run.add(norm, 1);
    run.barrier();
    run.add(step, s.itmax);
    run.add(norm, 2);
    // error and pintgr: norms and surface integrals (their few-KB edge exchanges left out)
    run.add(norm, 1);
    run.allreduce(DOUBLE);
    run.allreduce(DOUBLE);
    run.allreduce(DOUBLE);
    run.reduce(0, DOUBLE);
    return run;
  }

  private static void send(MpiTraffic t, int from, int to, double bytes) {
    if (to >= 0) {
      t.send(from, to, bytes);
    }
  }

  @Override
  public double operations(NpbClass c) {
    Size s = SIZES.get(c);
    double n = s.n;
    return s.itmax * (1984.77 * n * n * n - 10923.3 * n * n + 27770.9 * n - 144010.);
  }

  @Override
  public double iterations(NpbClass c, int ranks) {
    return SIZES.get(c).itmax + 1;
  }

  /** LU/lu_data.f90 alloc_space: u, rsd, frct with 2 ghost layers, flux with 1, 5 values a point. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    double[] isiz = isiz(c, ranks);
    double frct = VARIABLES * (isiz[0] + 4) * (isiz[1] + 4) * isiz[2] * DOUBLE;
    double jacobians = 4.0 * VARIABLES * VARIABLES * isiz[0] * DOUBLE;
    double buffers = 2.0 * VARIABLES * 2 * isiz[1] * isiz[2] * DOUBLE;
    return writableBytesPerRank(c, ranks) + frct + jacobians + buffers;
  }

  /** u, rsd and flux; frct (the forcing) stays. */
  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    double[] isiz = isiz(c, ranks);
    return VARIABLES * DOUBLE * isiz[2] * (2 * (isiz[0] + 4) * (isiz[1] + 4) + (isiz[0] + 2) * (isiz[1] + 2));
  }

  private static double[] isiz(NpbClass c, int ranks) {
    int points = SIZES.get(c).n;
    int xdim = xdim(ranks);
    int ydim = ranks / xdim;
    return new double[] {Math.ceil((double) points / xdim), Math.ceil((double) points / ydim), points};
  }

  /** subdomain and neighbors: a rank's block, its inner range and its neighbours (-1: none). */
  private static final class Block {
    final int nx;
    final int ny;
    final int north;
    final int south;
    final int west;
    final int east;
    final int ist;
    final int iend;
    final int jst;
    final int jend;

    Block(int id, int xdim, int ydim, int points) {
      int row = id % xdim + 1;
      int col = id / xdim + 1;
      north = row > 1 ? id - 1 : -1;
      south = row < xdim ? id + 1 : -1;
      west = col > 1 ? id - xdim : -1;
      east = col < ydim ? id + xdim : -1;
      nx = points / xdim + (row <= points % xdim ? 1 : 0);
      ny = points / ydim + (col <= points % ydim ? 1 : 0);
      ist = north == -1 ? 2 : 1;
      iend = south == -1 ? nx - 1 : nx;
      jst = west == -1 ? 2 : 1;
      jend = east == -1 ? ny - 1 : ny;
    }

    /** A plane's edge sent north or south: 5 doubles per point of its column. */
    double columnEdge() {
      return (double) VARIABLES * (jend - jst + 1) * DOUBLE;
    }

    double rowEdge() {
      return (double) VARIABLES * (iend - ist + 1) * DOUBLE;
    }
  }
}
