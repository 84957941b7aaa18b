package org.vmflock.scenario;

import java.util.Map;

/**
 * BT and SP (NPB 3.4 MPI, BT/ and SP/: make_set.f90, copy_faces.f90, x_solve.f90 and its y, z
 * twins): multi-partition on {@code p^2} ranks. The cube is cut into {@code p^3} cells; rank
 * {@code node} owns {@code p} of them along a diagonal, so that in each direction its cells touch
 * those of exactly one successor and one predecessor rank (6 partners at most, fewer when two
 * coincide). Each time step {@code copy_faces} sends two layers of the 5 solution variables of
 * every inner cell face to the successor or predecessor of that direction (one round); then the
 * three line solves each run a pipeline through the {@code p} cells of a line: {@code p - 1}
 * forward-elimination messages to the successor and {@code p - 1} back-substitution messages to the
 * predecessor ({@code 2 (p - 1)} rounds per direction). BT sends full {@code MAX_CELL_DIM^2} blocks
 * of 30 doubles forward (5x5 matrix + 5-vector a point) and 5 back; SP sends 22 and 10 doubles per
 * inner face point. The run: one untimed step, {@code niter} timed ones, and the verification's
 * face copy and norms.
 */
final class MultiPartitionPattern implements NpbPattern {

  /** Which of the two. */
  enum Solver { BT, SP }

  private record Size(int n, int niter) {}

  /** sys/setparams.c. */
  private static final Map<NpbClass, Size> BT_SIZES = Map.of(
      NpbClass.A, new Size(64, 200),
      NpbClass.B, new Size(102, 200),
      NpbClass.C, new Size(162, 200));
  private static final Map<NpbClass, Size> SP_SIZES = Map.of(
      NpbClass.A, new Size(64, 400),
      NpbClass.B, new Size(102, 400),
      NpbClass.C, new Size(162, 400));
  private static final int DOUBLE = 8;
  private static final int VARIABLES = 5;
  /** make_set: a cell needs at least 3 points across. */
  private static final int MIN_CELL = 3;
  private static final int BT_FORWARD = 30;
  private static final int BT_BACK = 5;
  private static final int SP_FORWARD = 22;
  private static final int SP_BACK = 10;
  private static final int BROADCASTS = 6;

  private final Solver solver;

  MultiPartitionPattern(Solver solver) {
    this.solver = solver;
  }

  private Size size(NpbClass c) {
    return (solver == Solver.BT ? BT_SIZES : SP_SIZES).get(c);
  }

  static int cells(int ranks) {
    return (int) Math.round(Math.sqrt(ranks));
  }

  @Override
  public boolean runsOn(NpbClass c, int ranks) {
    int p = cells(ranks);
    return ranks >= 4 && p * p == ranks && size(c).n / p >= MIN_CELL;
  }

  @Override
  public String shape() {
    return "a square";
  }

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    Size s = size(c);
    int p = cells(n);
    int maxCell = s.n / p + 1;
    MpiTraffic faces = new MpiTraffic(n);
    MpiTraffic solves = new MpiTraffic(n);
    for (int node = 0; node < n; node++) {
      Cells cells = new Cells(node, p, s.n);
      for (int dir = 0; dir < 3; dir++) {
        double toSuccessor = 0;
        double toPredecessor = 0;
        for (int cell = 0; cell < p; cell++) {
          double face = 2.0 * VARIABLES * cells.faceArea(dir, cell);
          if (cells.coord[dir][cell] != p - 1) {
            toSuccessor += face;
          }
          if (cells.coord[dir][cell] != 0) {
            toPredecessor += face;
          }
        }
        faces.send(node, cells.successor[dir], toSuccessor * DOUBLE);
        faces.send(node, cells.predecessor[dir], toPredecessor * DOUBLE);
        for (int stage = 0; stage < p; stage++) {
          int cell = cells.slice[dir][stage];
          if (stage != p - 1) {
            double forward = solver == Solver.BT
                ? (double) maxCell * maxCell * BT_FORWARD
                : SP_FORWARD * cells.innerFace(dir, cell);
            solves.send(node, cells.successor[dir], forward * DOUBLE);
          }
          if (stage != 0) {
            double back = solver == Solver.BT
                ? (double) maxCell * maxCell * BT_BACK
                : SP_BACK * cells.innerFace(dir, cell);
            solves.send(node, cells.predecessor[dir], back * DOUBLE);
          }
        }
      }
    }
    faces.rounds(1);
    solves.rounds(3 * 2 * (p - 1));
    MpiTraffic step = new MpiTraffic(n);
    step.add(faces, 1);
    step.add(solves, 1);

    MpiTraffic run = new MpiTraffic(n);
    for (int i = 0; i < BROADCASTS; i++) {
      run.bcast(0, DOUBLE);
    }
    run.add(step, 1);
    run.barrier();
    run.add(step, s.niter);
    run.add(faces, 1);
    run.allreduce(VARIABLES * DOUBLE);
    run.allreduce(VARIABLES * DOUBLE);
    run.reduce(0, DOUBLE);
    return run;
  }

  @Override
  public double operations(NpbClass c) {
    Size s = size(c);
    double n3 = Math.pow(s.n, 3);
    double n = s.n;
    return solver == Solver.BT
        ? s.niter * (3478.8 * n3 - 17655.7 * n * n + 28023.7 * n)
        : s.niter * (881.174 * n3 - 4683.91 * n * n + 11484.5 * n - 19272.4);
  }

  @Override
  public double iterations(NpbClass c, int ranks) {
    return size(c).niter + 1;
  }

  /** BT/bt_data.f90 and SP/sp_data.f90 alloc_space: per cell arrays of MAX_CELL_DIM^3 points, two buffers. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    int p = cells(ranks);
    double d = size(c).n / p + 1;
    double forcing;
    double buffers;
    if (solver == Solver.BT) {
      forcing = VARIABLES * d * d * d;
      buffers = 2 * (d * d * (p - 1) * 60 + 1);
    } else {
      double dp = Math.floor(d / 2) * 2 + 1;
      forcing = VARIABLES * dp * dp * d;
      buffers = 2 * (d * d * (p - 1) * 120 + 1);
    }
    return writableBytesPerRank(c, ranks) + (p * forcing + buffers) * DOUBLE;
  }

  /** Every per-cell array but the forcing: u, rhs, the left-hand sides, the auxiliary fields. */
  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    int p = cells(ranks);
    double d = size(c).n / p + 1;
    double perCell;
    if (solver == Solver.BT) {
      perCell = VARIABLES * Math.pow(d + 4, 3) + VARIABLES * Math.pow(d + 1, 3) + 25 * Math.pow(d + 1, 3)
          + VARIABLES * Math.pow(d + 1, 2) + 6 * Math.pow(d + 2, 3);
    } else {
      double dp = Math.floor(d / 2) * 2 + 1;
      perCell = VARIABLES * (dp + 4) * (dp + 4) * (d + 4) + 8 * Math.pow(d + 2, 3) + (VARIABLES + 15) * dp * dp * d;
    }
    return p * perCell * DOUBLE;
  }

  /** make_set: a rank's cells (coordinates from 0), their sizes, and its partners per direction. */
  private static final class Cells {
    final int p;
    final int[][] coord;
    final int[][] size;
    final int[][] slice;
    final int[] successor = new int[3];
    final int[] predecessor = new int[3];

    Cells(int node, int p, int points) {
      this.p = p;
      coord = new int[3][p];
      size = new int[3][p];
      slice = new int[3][p];
      coord[0][0] = node % p;
      coord[1][0] = node / p;
      coord[2][0] = 0;
      for (int c = 1; c < p; c++) {
        coord[0][c] = (coord[0][c - 1] + 1) % p;
        coord[1][c] = (coord[1][c - 1] - 1 + p) % p;
        coord[2][c] = c;
      }
      for (int dir = 0; dir < 3; dir++) {
        for (int c = 0; c < p; c++) {
          slice[dir][coord[dir][c]] = c;
          int base = points / p;
          int excess = points % p;
          size[dir][c] = coord[dir][c] < excess ? base + 1 : base;
        }
      }
      int i = coord[0][0];
      int j = coord[1][0];
      predecessor[0] = (i - 1 + p) % p + p * j;
      predecessor[1] = i + p * ((j - 1 + p) % p);
      predecessor[2] = (i + 1) % p + p * ((j - 1 + p) % p);
      successor[0] = (i + 1) % p + p * j;
      successor[1] = i + p * ((j + 1) % p);
      successor[2] = (i - 1 + p) % p + p * ((j + 1) % p);
    }

    /** Points of cell c's face across direction dir (compute_buffer_size). */
    double faceArea(int dir, int c) {
      return (double) size[(dir + 1) % 3][c] * size[(dir + 2) % 3][c];
    }

    /** The same without the points on the cube's boundary (SP's buffer_size, start and end). */
    double innerFace(int dir, int c) {
      int a = (dir + 1) % 3;
      int b = (dir + 2) % 3;
      return (double) (size[a][c] - edges(a, c)) * (size[b][c] - edges(b, c));
    }

    private int edges(int dir, int c) {
      return (coord[dir][c] == 0 ? 1 : 0) + (coord[dir][c] == p - 1 ? 1 : 0);
    }
  }
}
