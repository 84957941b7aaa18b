package org.vmflock.scenario;

import java.util.Map;

/**
 * MG (NPB 3.4 MPI, MG/mg.f90): the cubic grid is cut into {@code pi1 x pi2 x pi3} blocks
 * ({@code setup}: {@code pi1 = 2^(log2 p / 3)}, then {@code pi2}, the rest to {@code pi3}), periodic in
 * the three axes. Each {@code comm3} at a level swaps the block's faces with its two neighbours of
 * each axis in turn (one round per axis that crosses ranks): faces of {@code (m2-2)(m3-2)},
 * {@code m1(m3-2)} and {@code m1 m2} doubles. A V-cycle restricts down the {@code lt = log2 nx}
 * levels, smooths at the bottom, then interpolates, computes the residual and smooths at each level
 * on the way up: {@code 3 lt - 2} {@code comm3} calls whose faces shrink four times per level. On the
 * coarse levels where a rank holds no point it is idle ({@code dead}) and its neighbours skip it;
 * {@code comm3_ex} hands the interpolated points back to it. The run: two random initialisations
 * ({@code zran3}: 40 small allreduces each), one untimed V-cycle, {@code nit} timed ones, each
 * followed by a residual, and a few norms.
 */
final class MgPattern implements NpbPattern {

  private record Size(int nx, int nit) {}

  /** sys/setparams.c. */
  private static final Map<NpbClass, Size> SIZES = Map.of(
      NpbClass.A, new Size(256, 4),
      NpbClass.B, new Size(256, 20),
      NpbClass.C, new Size(512, 20));
  private static final int DOUBLE = 8;
  private static final int INT = 4;
  /** zran3 keeps the 10 largest and 10 smallest random values. */
  private static final int ZRAN_EXTREMES = 10;
  private static final int BROADCASTS = 7;

  @Override
  public MpiTraffic run(NpbClass c, int n) {
    Size s = SIZES.get(c);
    Grid g = new Grid(n, s.nx);
    MpiTraffic vCycle = new MpiTraffic(n);
    g.vCycle(vCycle);
    g.comm3(vCycle, g.lt);
    MpiTraffic zran3 = new MpiTraffic(n);
    zran3.barrier();
    for (int i = 0; i < ZRAN_EXTREMES; i++) {
      zran3.allreduce(DOUBLE);
      zran3.allreduce(2 * DOUBLE);
      zran3.allreduce(DOUBLE);
      zran3.allreduce(2 * DOUBLE);
    }
    zran3.barrier();
    g.comm3(zran3, g.lt);
    MpiTraffic norm = new MpiTraffic(n);
    norm.allreduce(DOUBLE);
    norm.allreduce(DOUBLE);

    MpiTraffic run = new MpiTraffic(n);
    run.barrier();
    for (int i = 0; i < BROADCASTS; i++) {
      run.bcast(0, INT);
    }
    run.add(zran3, 1);
    run.add(norm, 1);
    g.comm3(run, g.lt);
    run.add(norm, 1);
    run.add(vCycle, 1);
    run.add(zran3, 1);
    run.barrier();
    g.comm3(run, g.lt);
    run.add(norm, 1);
    run.add(vCycle, s.nit);
    run.add(norm, 1);
    run.reduce(0, DOUBLE);
    return run;
  }

  @Override
  public double operations(NpbClass c) {
    Size s = SIZES.get(c);
    return 58.0 * s.nit * Math.pow(s.nx, 3);
  }

  @Override
  public double iterations(NpbClass c, int ranks) {
    return SIZES.get(c).nit + 1;
  }

  /** MG/mg_data.f90 alloc_space: u and r of nr doubles, v of nv, four face buffers of nm2. */
  @Override
  public double memoryBytesPerRank(NpbClass c, int ranks) {
    Arrays a = arrays(c, ranks);
    return (2 * a.nr + a.nv + 4 * a.nm2) * DOUBLE;
  }

  /** u and r, all levels; v (the right-hand side) stays. */
  @Override
  public double writableBytesPerRank(NpbClass c, int ranks) {
    return 2 * arrays(c, ranks).nr * DOUBLE;
  }

  private record Arrays(double nr, double nv, double nm2) {}

  private static Arrays arrays(NpbClass c, int ranks) {
    int log2Size = NpbPattern.log2(SIZES.get(c).nx);
    int logP = NpbPattern.log2(ranks);
    int lm = log2Size - logP / 3;
    int ndim1 = lm;
    int ndim3 = log2Size - (logP + 2) / 3;
    int ndim2 = log2Size - (logP + 1) / 3;
    double nm = 2 + Math.pow(2, lm);
    double nv = (2 + Math.pow(2, ndim1)) * (2 + Math.pow(2, ndim2)) * (2 + Math.pow(2, ndim3));
    double nm2 = 2 * nm * nm;
    double nr = 8 * (nv + nm * nm + 5 * nm + 14 * log2Size - 7 * lm) / 7;
    return new Arrays(nr, nv, nm2);
  }

  /** setup(): each rank's block at each level, its neighbours, and whether it is idle there. */
  static final class Grid {
    final int n;
    final int lt;
    final int[] pi = new int[3];
    /** [rank][axis][level], levels 1..lt. */
    final int[][][] m;
    final int[][][] up;
    final int[][][] down;
    final boolean[][] dead;
    final boolean[][][] giveEx;

    Grid(int n, int nx) {
      this.n = n;
      lt = NpbPattern.log2(nx);
      int logP = NpbPattern.log2(n);
      int dx = logP / 3;
      pi[0] = 1 << dx;
      int dy = (logP - dx) / 2;
      pi[1] = 1 << dy;
      pi[2] = n / (pi[0] * pi[1]);
      m = new int[n][3][lt + 1];
      up = new int[n][3][lt + 1];
      down = new int[n][3][lt + 1];
      dead = new boolean[n][lt + 1];
      giveEx = new boolean[n][3][lt + 2];
      for (int me = 0; me < n; me++) {
        int[] idi = {me % pi[0], (me / pi[0]) % pi[1], me / (pi[0] * pi[1])};
        int[] next = {1, 1, 1};
        for (int k = lt; k >= 1; k--) {
          int ng = nx >> (lt - k);
          for (int ax = 0; ax < 3; ax++) {
            int mi = 2 + ((idi[ax] + 1) * ng) / pi[ax] - (idi[ax] * ng) / pi[ax];
            int mip = 2 + ((next[ax] + idi[ax] + 1) * ng) / pi[ax] - ((next[ax] + idi[ax]) * ng) / pi[ax];
            if (mip == 2 || mi == 2) {
              next[ax] *= 2;
            }
            if (k + 1 <= lt && mip == 2 && mi == 3) {
              giveEx[me][ax][k + 1] = true;
            }
            m[me][ax][k] = mi;
            if (mi == 2) {
              dead[me][k] = true;
            }
          }
          for (int ax = 0; ax < 3; ax++) {
            int[] plus = idi.clone();
            int[] minus = idi.clone();
            plus[ax] = Math.floorMod(idi[ax] + next[ax], pi[ax]);
            minus[ax] = Math.floorMod(idi[ax] - next[ax], pi[ax]);
            up[me][ax][k] = plus[0] + pi[0] * (plus[1] + pi[1] * plus[2]);
            down[me][ax][k] = minus[0] + pi[0] * (minus[1] + pi[1] * minus[2]);
          }
        }
      }
    }

    /** The face of {@code me}'s block at level {@code k} across axis {@code ax}, doubles. */
    double face(int me, int ax, int k) {
      int m1 = m[me][0][k];
      int m2 = m[me][1][k];
      int m3 = m[me][2][k];
      return switch (ax) {
        case 0 -> (double) (m2 - 2) * (m3 - 2);
        case 1 -> (double) m1 * (m3 - 2);
        default -> (double) m1 * m2;
      };
    }

    /** comm3 at level k: axis by axis, each live rank sends a face up and one down. */
    void comm3(MpiTraffic t, int k) {
      for (int ax = 0; ax < 3; ax++) {
        boolean crosses = false;
        for (int me = 0; me < n; me++) {
          if (dead[me][k]) {
            continue;
          }
          double bytes = face(me, ax, k) * DOUBLE;
          t.send(me, up[me][ax][k], bytes);
          t.send(me, down[me][ax][k], bytes);
          crosses |= up[me][ax][k] != me || down[me][ax][k] != me;
        }
        t.rounds(crosses ? 1 : 0);
      }
    }

    /** comm3_ex at level k: ranks holding points a coarser level left idle send them on. */
    void comm3Ex(MpiTraffic t, int k) {
      for (int ax = 0; ax < 3; ax++) {
        boolean any = false;
        for (int me = 0; me < n; me++) {
          if (!giveEx[me][ax][k]) {
            continue;
          }
          double face = switch (ax) {
            case 0 -> (double) m[me][1][k] * m[me][2][k];
            case 1 -> (double) m[me][0][k] * m[me][2][k];
            default -> (double) m[me][0][k] * m[me][1][k];
          };
          t.send(me, up[me][ax][k], 2 * face * DOUBLE);
          t.send(me, down[me][ax][k], face * DOUBLE);
          any = true;
        }
        t.rounds(any ? 1 : 0);
      }
    }

    /** mg3P: restrict down to level 1, smooth, then interpolate, residual and smooth up to lt. */
    void vCycle(MpiTraffic t) {
      for (int k = lt; k >= 2; k--) {
        comm3(t, k - 1);
      }
      comm3(t, 1);
      for (int k = 2; k <= lt - 1; k++) {
        comm3Ex(t, k);
        comm3(t, k);
        comm3(t, k);
      }
      comm3Ex(t, lt);
      comm3(t, lt);
      comm3(t, lt);
    }
  }
}
