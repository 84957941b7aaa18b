package org.vmflock.simulate.truth;

import java.util.Arrays;

/**
 * Max-min fair sharing of network resources between concurrent flows, by progressive filling (the
 * objective of SimGrid's linear max-min solver, LMM: "maximizing the minimum over all rates",
 * https://simgrid.org/doc/latest/Models.html): every unfrozen flow's rate rises together until a
 * resource it crosses is saturated or it reaches its own cap (a TCP window's bound); the flows of a
 * saturated resource keep the rate they had then, the others rise on. A flow may use a resource
 * with a weight (its TCP acknowledgements use the reverse path at a small fraction of its rate).
 *
 * <p>Then each flow's transfer time: a flow frozen at a resource shares it with the others frozen
 * there; when the small ones finish, the large ones take their share (processor sharing between
 * them, the rates of the flows bottlenecked elsewhere unchanged), so the k flows of sizes
 * s<sub>1</sub> &le; ... &le; s<sub>k</sub> sharing A bytes per second finish at
 * (s<sub>1</sub> + ... + s<sub>i-1</sub> + (k - i + 1) s<sub>i</sub>) / A. A flow held by its cap
 * takes size / rate.
 */
final class MaxMinSharing {

  private static final double EPS = 1e-12;

  /** A set of flows over resources, built flow by flow; solved once. */
  static final class Problem {
    private final double[] capacity;
    private int flows;
    private int entries;
    private int[] start;
    private int[] resource;
    private double[] weight;
    private double[] cap;
    private double[] size;

    Problem(double[] capacity) {
      this(capacity, 16, 64);
    }

    /** Room for {@code flows} flows using {@code entries} resources in all (it grows past them). */
    Problem(double[] capacity, int flows, int entries) {
      this.capacity = capacity;
      this.start = new int[Math.max(flows + 2, 2)];
      this.cap = new double[start.length];
      this.size = new double[start.length];
      this.resource = new int[Math.max(entries, 1)];
      this.weight = new double[resource.length];
    }

    /** Starts a flow of {@code bytes} whose rate is at most {@code maxRate} (infinite: no cap); returns its index. */
    int flow(double bytes, double maxRate) {
      if (flows + 2 > start.length) {
        start = Arrays.copyOf(start, start.length * 2);
        cap = Arrays.copyOf(cap, start.length);
        size = Arrays.copyOf(size, start.length);
      }
      start[flows] = entries;
      cap[flows] = maxRate;
      size[flows] = bytes;
      start[flows + 1] = entries;
      return flows++;
    }

    /** Starts a flow that stays (another application's traffic) at up to {@code bytesPerSecond}: it shares, and is never done. */
    int persistentFlow(double bytesPerSecond) {
      return flow(-1, bytesPerSecond);
    }

    /** The last flow started uses {@code r} at {@code w} times its rate. */
    void uses(int r, double w) {
      if (entries == resource.length) {
        resource = Arrays.copyOf(resource, entries * 2);
        weight = Arrays.copyOf(weight, entries * 2);
      }
      resource[entries] = r;
      weight[entries] = w;
      entries++;
      start[flows] = entries;
    }

    int flows() {
      return flows;
    }

    /** Each flow's rate (bytes per second) and, in {@code time}, how long it takes to send its bytes. */
    double[] solve(double[] time) {
      int n = flows;
      int nr = capacity.length;
      double[] rate = new double[n];
      int[] bottleneck = new int[n];
      Arrays.fill(bottleneck, -1);
      boolean[] frozen = new boolean[n];
      double[] rem = capacity.clone();
      double[] load = new double[nr]; // sum of the weights of the unfrozen flows on each resource
      int[] count = new int[nr + 1];
      for (int e = 0; e < entries; e++) {
        count[resource[e] + 1]++;
      }
      for (int r = 0; r < nr; r++) {
        count[r + 1] += count[r];
      }
      int[] onResource = new int[entries]; // flows of each resource (CSR over count)
      int[] fill = Arrays.copyOf(count, nr);
      for (int f = 0; f < n; f++) {
        for (int e = start[f]; e < start[f + 1]; e++) {
          load[resource[e]] += weight[e];
          onResource[fill[resource[e]]++] = f;
        }
      }
      int[] active = new int[nr]; // resources some flow crosses
      int actives = 0;
      for (int r = 0; r < nr; r++) {
        if (count[r + 1] > count[r]) {
          active[actives++] = r;
        }
      }
      int[] capped = cappedFlows(n);
      int nextCapped = 0;
      int left = n;
      double level = 0;
      while (left > 0) {
        double step = Double.POSITIVE_INFINITY;
        for (int i = 0; i < actives; i++) {
          int r = active[i];
          if (load[r] > EPS) {
            step = Math.min(step, rem[r] / load[r]);
          }
        }
        while (nextCapped < capped.length && frozen[capped[nextCapped]]) {
          nextCapped++;
        }
        if (nextCapped < capped.length) {
          step = Math.min(step, cap[capped[nextCapped]] - level);
        }
        if (step == Double.POSITIVE_INFINITY) { // flows that cross nothing and have no cap: instantaneous
          for (int f = 0; f < n; f++) {
            if (!frozen[f]) {
              rate[f] = Double.POSITIVE_INFINITY;
            }
          }
          break;
        }
        step = Math.max(step, 0);
        level += step;
        for (int i = 0; i < actives; i++) {
          int r = active[i];
          if (load[r] > EPS) {
            rem[r] -= step * load[r];
          }
        }
        while (nextCapped < capped.length && (frozen[capped[nextCapped]] || cap[capped[nextCapped]] <= level * (1 + 1e-12))) {
          int f = capped[nextCapped++];
          if (!frozen[f]) {
            left -= freeze(f, level, rate, frozen, load);
          }
        }
        int still = 0;
        for (int i = 0; i < actives; i++) {
          int r = active[i];
          if (load[r] > EPS && rem[r] <= 1e-9 * capacity[r]) {
            for (int j = count[r]; j < count[r + 1]; j++) {
              int f = onResource[j];
              if (!frozen[f]) {
                bottleneck[f] = r;
                left -= freeze(f, level, rate, frozen, load);
              }
            }
            load[r] = 0;
          }
          if (load[r] > EPS) {
            active[still++] = r;
          }
        }
        actives = still;
      }
      drain(rate, bottleneck, count, onResource, time);
      return rate;
    }

    /** The flows whose cap could bind (below the capacity of every resource they cross), by cap. */
    private int[] cappedFlows(int n) {
      int k = 0;
      long[] keyed = new long[n];
      for (int f = 0; f < n; f++) {
        double least = Double.POSITIVE_INFINITY;
        for (int e = start[f]; e < start[f + 1]; e++) {
          least = Math.min(least, capacity[resource[e]] / weight[e]);
        }
        if (cap[f] < least) {
          keyed[k++] = f;
        }
      }
      Integer[] order = new Integer[k];
      for (int i = 0; i < k; i++) {
        order[i] = (int) keyed[i];
      }
      Arrays.sort(order, (x, y) -> Double.compare(cap[x], cap[y]));
      int[] out = new int[k];
      for (int i = 0; i < k; i++) {
        out[i] = order[i];
      }
      return out;
    }

    private int freeze(int f, double level, double[] rate, boolean[] frozen, double[] load) {
      frozen[f] = true;
      rate[f] = level;
      for (int e = start[f]; e < start[f + 1]; e++) {
        load[resource[e]] -= weight[e];
      }
      return 1;
    }

    /** Transfer times: processor sharing among the flows frozen at the same resource, size / rate for the others. */
    private void drain(double[] rate, int[] bottleneck, int[] count, int[] onResource, double[] time) {
      for (int f = 0; f < flows; f++) {
        time[f] = size[f] <= 0 ? 0 : size[f] / rate[f];
      }
      double[] sizes = new double[flows];
      for (int r = 0; r + 1 < count.length; r++) {
        int k = 0;
        double share = 0;
        for (int i = count[r]; i < count[r + 1]; i++) {
          int f = onResource[i];
          if (bottleneck[f] == r && size[f] >= 0) {
            sizes[k++] = size[f];
            share += rate[f];
          }
        }
        if (k < 2) {
          continue;
        }
        double[] sorted = Arrays.copyOf(sizes, k);
        Arrays.sort(sorted);
        double[] finish = new double[k];
        double before = 0;
        for (int i = 0; i < k; i++) {
          finish[i] = (before + (k - i) * sorted[i]) / share;
          before += sorted[i];
        }
        for (int i = count[r]; i < count[r + 1]; i++) {
          int f = onResource[i];
          if (bottleneck[f] == r && size[f] >= 0) {
            time[f] = finish[Math.max(0, Arrays.binarySearch(sorted, size[f]))];
          }
        }
      }
    }
  }

  private MaxMinSharing() {}
}
