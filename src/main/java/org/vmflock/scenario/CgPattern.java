package org.vmflock.scenario;

import java.util.Map;

/**
 * CG (NPB 3.4 MPI, CG/cg.f90): the ranks form an {@code nprows x npcols} grid ({@code npcols =
 * nprows} or {@code 2 nprows}); rank {@code me} is at row {@code me / npcols}, column {@code me mod
 * npcols}. Each of the 25 CG iterations of a {@code conj_grad} call does one sparse matrix-vector
 * product, whose partial sums are reduced along the row by recursive doubling ({@code log2 npcols}
 * exchanges of the row block, {@code reduce_exch_proc}) and then swapped with the transpose partner
 * ({@code exch_proc}), and two dot products reduced along the row the same way (one double each).
 * A call starts with one such dot product and ends with one more product and one more dot product;
 * each outer iteration adds a two-double reduction. The run makes {@code niter + 1} calls (one
 * untimed).
 */
final class CgPattern implements NpbPattern {

  private record Size(int na, int nonzer, int niter) {}

  /** CG/cg.f90 and sys/setparams.c. */
  private static final Map<NpbClass, Size> SIZES = Map.of(
      NpbClass.A, new Size(14_000, 11, 15),
      NpbClass.B, new Size(75_000, 13, 75),
      NpbClass.C, new Size(150_000, 15, 75));
  private static final int CG_ITERATIONS = 25;
  private static final int DOUBLE = 8;
  private static final int INT = 4;
  private static final int VECTORS = 6;

  static int columns(int ranks) {
    return 1 << ((NpbPattern.log2(ranks) + 1) / 2);
  }

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    Size s = SIZES.get(c);
    Grid g = new Grid(n, s.na);
    MpiTraffic outer = new MpiTraffic(n);
    g.dotProduct(outer, DOUBLE);
    MpiTraffic cgIteration = new MpiTraffic(n);
    g.productExchange(cgIteration);
    g.dotProduct(cgIteration, DOUBLE);
    g.dotProduct(cgIteration, DOUBLE);
    outer.add(cgIteration, CG_ITERATIONS);
    g.productExchange(outer);
    g.dotProduct(outer, DOUBLE);
    g.dotProduct(outer, 2 * DOUBLE);
    MpiTraffic run = new MpiTraffic(n);
    run.bcast(0, INT);
    run.add(outer, s.niter + 1);
    run.barrier();
    run.reduce(0, DOUBLE);
    return run;
  }

  @Override
  public double operations(NpbClass c) {
    Size s = SIZES.get(c);
    double nz = (double) s.nonzer * (s.nonzer + 1);
    return 2.0 * s.niter * s.na * (3 + nz + CG_ITERATIONS * (5 + nz) + 3);
  }

  @Override
  public double iterations(NpbClass c, int ranks) {
    return SIZES.get(c).niter + 1;
  }

  /** CG/cg_data.f90 alloc_space: a, colidx, arow, acol, aelt of nz elements, the vectors. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    Size s = SIZES.get(c);
    int cols = columns(ranks);
    double nz = (double) s.na * (s.nonzer + 1) / ranks * (s.nonzer + 1) + s.nonzer
        + (double) s.na * (s.nonzer + 2 + ranks / 256) / cols;
    double matrix = nz * (DOUBLE + INT + INT + INT + DOUBLE);
    double setup = (s.na + 1.0) * (DOUBLE + INT) + (2.0 * s.na + 1) * INT;
    return matrix + setup + writableBytesPerRank(c, ranks);
  }

  /** x, z, p, q, r, w: {@code na / nprows + 2} doubles each; the matrix is read only. */
  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    int rows = ranks / columns(ranks);
    return VECTORS * (SIZES.get(c).na / rows + 2.0) * DOUBLE;
  }

  /** The process grid of setup_submatrix_info and its exchange partners. */
  private static final class Grid {
    private final int n;
    private final int npcols;
    private final int nprows;
    private final int l2npcols;
    private final int rowBlock;

    Grid(int n, int na) {
      this.n = n;
      npcols = columns(n);
      nprows = n / npcols;
      l2npcols = NpbPattern.log2(npcols);
      rowBlock = na / nprows;
    }

    /** reduce_exch_proc(i), i = 1 .. l2npcols. */
    int reducePartner(int me, int i) {
      int row = me / npcols;
      int col = me % npcols;
      int div = npcols >> (i - 1);
      int j = (col + div / 2) % div + col / div * div;
      return row * npcols + j;
    }

    int transposePartner(int me) {
      if (npcols == nprows) {
        return (me % nprows) * nprows + me / nprows;
      }
      return 2 * (((me / 2) % nprows) * nprows + me / 2 / nprows) + me % 2;
    }

    int sendLength(int me) {
      if (npcols == nprows) {
        return rowBlock;
      }
      return me % 2 == 0 ? (1 + rowBlock) / 2 : rowBlock / 2;
    }

    /** reduce_send_lengths(i). */
    int reduceLength(int me, int i) {
      if (npcols == nprows || i != l2npcols) {
        return sendLength(me);
      }
      return rowBlock - sendLength(me);
    }

    /** A dot product: recursive doubling along the row, {@code bytes} per exchange. */
    void dotProduct(MpiTraffic t, int bytes) {
      for (int i = 1; i <= l2npcols; i++) {
        for (int me = 0; me < n; me++) {
          t.send(me, reducePartner(me, i), bytes);
        }
      }
      t.rounds(l2npcols);
    }

    /** After q = A.p: the row reduction of the partial sums (i = l2npcols .. 1), then the transpose. */
    void productExchange(MpiTraffic t) {
      for (int i = l2npcols; i >= 1; i--) {
        for (int me = 0; me < n; me++) {
          t.send(me, reducePartner(me, i), (double) reduceLength(me, i) * DOUBLE);
        }
      }
      t.rounds(l2npcols);
      if (l2npcols > 0) {
        for (int me = 0; me < n; me++) {
          t.send(me, transposePartner(me), (double) sendLength(me) * DOUBLE);
        }
        t.rounds(1);
      }
    }
  }
}
