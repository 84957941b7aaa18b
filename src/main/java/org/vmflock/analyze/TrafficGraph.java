package org.vmflock.analyze;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;

/**
 * The undirected view of a traffic matrix that grouping works on: a pair's traffic is what its two
 * VMs sent each other, both directions ({@code t(i->j) + t(j->i)}), over the time the matrix covers.
 * A pair is an <em>edge</em> when its rate reaches the noise floor (and it has traffic at all);
 * pairs below are noise: they count in a group's internal traffic and in the total, never in a
 * decision or in modularity. A VM's traffic with itself (the diagonal) is ignored.
 */
public final class TrafficGraph {

  private final List<String> vms;
  private final TrafficMetric metric;
  private final Duration covered;
  private final double noiseFloorPerSecond;
  private final double[][] traffic;
  private final boolean[][] edge;

  private TrafficGraph(TrafficMatrix m, TrafficMetric metric, Duration covered, double noiseFloorPerSecond) {
    if (covered.isNegative() || covered.isZero()) {
      throw new IllegalArgumentException("the time a matrix covers must be positive, not " + covered);
    }
    if (!(noiseFloorPerSecond >= 0)) {
      throw new IllegalArgumentException("the noise floor must be a rate >= 0, not " + noiseFloorPerSecond);
    }
    this.vms = m.vms();
    this.metric = metric;
    this.covered = covered;
    this.noiseFloorPerSecond = noiseFloorPerSecond;
    int n = m.size();
    double seconds = covered.toNanos() / 1e9;
    traffic = new double[n][n];
    edge = new boolean[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i != j) {
          traffic[i][j] = metric.of(m, i, j) + metric.of(m, j, i);
          edge[i][j] = traffic[i][j] > 0 && traffic[i][j] / seconds >= noiseFloorPerSecond;
        }
      }
    }
  }

  public static TrafficGraph of(TrafficMatrix m, TrafficMetric metric, Duration covered, double noiseFloorPerSecond) {
    return new TrafficGraph(m, metric, covered, noiseFloorPerSecond);
  }

  public List<String> vms() {
    return vms;
  }

  public int size() {
    return vms.size();
  }

  public TrafficMetric metric() {
    return metric;
  }

  public Duration covered() {
    return covered;
  }

  public double noiseFloorPerSecond() {
    return noiseFloorPerSecond;
  }

  /** Traffic between {@code i} and {@code j}, both directions, noise included. */
  public double traffic(int i, int j) {
    return traffic[i][j];
  }

  /** Whether the pair's rate reaches the noise floor. */
  public boolean isEdge(int i, int j) {
    return edge[i][j];
  }

  /** The pair's traffic if it is an edge, else 0: the weight modularity sees. */
  public double weight(int i, int j) {
    return edge[i][j] ? traffic[i][j] : 0;
  }

  /** Traffic over all pairs, noise included: what is internal to groups plus what crosses them. */
  public double totalTraffic() {
    double sum = 0;
    for (int i = 0; i < size(); i++) {
      for (int j = i + 1; j < size(); j++) {
        sum += traffic[i][j];
      }
    }
    return sum;
  }

  /** The total weight of the edges (modularity's m). */
  public double totalWeight() {
    double sum = 0;
    for (int i = 0; i < size(); i++) {
      for (int j = i + 1; j < size(); j++) {
        sum += weight(i, j);
      }
    }
    return sum;
  }

  /** Traffic between the VMs {@code members} (matrix indices), both directions, noise included. */
  public double internalTraffic(Collection<Integer> members) {
    List<Integer> list = List.copyOf(members);
    double sum = 0;
    for (int a = 0; a < list.size(); a++) {
      for (int b = a + 1; b < list.size(); b++) {
        sum += traffic[list.get(a)][list.get(b)];
      }
    }
    return sum;
  }

  /** Mean traffic of the edges among {@code members}; 0 when there is none (a VM alone). */
  public double meanEdgeTraffic(Collection<Integer> members) {
    List<Integer> list = List.copyOf(members);
    double sum = 0;
    int edges = 0;
    for (int a = 0; a < list.size(); a++) {
      for (int b = a + 1; b < list.size(); b++) {
        if (edge[list.get(a)][list.get(b)]) {
          sum += traffic[list.get(a)][list.get(b)];
          edges++;
        }
      }
    }
    return edges == 0 ? 0 : sum / edges;
  }
}
