package org.vmflock.model;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * VM x VM traffic: {@code packets[s][d]} and {@code bytes[s][d]} are what VM {@code s} sent to VM
 * {@code d} (row = sender, column = receiver, as in the report's figures and the NPB matrices).
 * Values are doubles so that means and rates fit; sums of counts stay exact below 2^53.
 */
@com.fasterxml.jackson.databind.annotation.JsonSerialize(using = TrafficMatrixJson.Writer.class)
@com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = TrafficMatrixJson.Reader.class)
public record TrafficMatrix(List<String> vms, double[][] packets, double[][] bytes) {

  public TrafficMatrix {
    vms = List.copyOf(vms);
    int n = vms.size();
    if (packets.length != n || bytes.length != n) {
      throw new IllegalArgumentException("matrix is not " + n + "x" + n);
    }
    for (int i = 0; i < n; i++) {
      if (packets[i].length != n || bytes[i].length != n) {
        throw new IllegalArgumentException("matrix row " + i + " is not " + n + " wide");
      }
    }
  }

  public static TrafficMatrix zero(List<String> vms) {
    int n = vms.size();
    return new TrafficMatrix(vms, new double[n][n], new double[n][n]);
  }

  /** The same VMs with each cell the sum of this one's and {@code other}'s (over the same VMs, in any order). */
  public TrafficMatrix plus(TrafficMatrix other) {
    TrafficMatrix o = other.reorder(vms);
    int n = size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        p[i][j] = packets[i][j] + o.packets[i][j];
        b[i][j] = bytes[i][j] + o.bytes[i][j];
      }
    }
    return new TrafficMatrix(vms, p, b);
  }

  /** Every cell multiplied by {@code factor} (rates times seconds per work: per work second). */
  public TrafficMatrix times(double factor) {
    return map(v -> v * factor);
  }

  /** Every cell divided by {@code divisor} (counts over seconds: rates). */
  public TrafficMatrix dividedBy(double divisor) {
    return map(v -> v / divisor);
  }

  private TrafficMatrix map(java.util.function.DoubleUnaryOperator f) {
    int n = size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        p[i][j] = f.applyAsDouble(packets[i][j]);
        b[i][j] = f.applyAsDouble(bytes[i][j]);
      }
    }
    return new TrafficMatrix(vms, p, b);
  }

  /** How many cells are not zero. */
  public int nonZeroCells() {
    int count = 0;
    for (int i = 0; i < size(); i++) {
      for (int j = 0; j < size(); j++) {
        if (packets[i][j] != 0 || bytes[i][j] != 0) {
          count++;
        }
      }
    }
    return count;
  }

  /**
   * This matrix as parts of at most {@code maxCells} non-zero cells each, over the same VMs, whose
   * cells are disjoint: adding them up ({@link #plus}) gives this matrix exactly. At least one part.
   */
  public List<TrafficMatrix> parts(int maxCells) {
    if (maxCells < 1) {
      throw new IllegalArgumentException("a part holds at least one cell");
    }
    List<TrafficMatrix> out = new java.util.ArrayList<>();
    int n = size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    int cells = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (packets[i][j] == 0 && bytes[i][j] == 0) {
          continue;
        }
        if (cells == maxCells) {
          out.add(new TrafficMatrix(vms, p, b));
          p = new double[n][n];
          b = new double[n][n];
          cells = 0;
        }
        p[i][j] = packets[i][j];
        b[i][j] = bytes[i][j];
        cells++;
      }
    }
    out.add(new TrafficMatrix(vms, p, b));
    return out;
  }

  public int size() {
    return vms.size();
  }

  public Optional<Integer> indexOf(String vm) {
    int i = vms.indexOf(vm);
    return i < 0 ? Optional.empty() : Optional.of(i);
  }

  public double packets(int sender, int receiver) {
    return packets[sender][receiver];
  }

  public double bytes(int sender, int receiver) {
    return bytes[sender][receiver];
  }

  /** Total over all pairs (both directions counted once each). */
  public double totalBytes() {
    return Arrays.stream(bytes).flatMapToDouble(Arrays::stream).sum();
  }

  public double totalPackets() {
    return Arrays.stream(packets).flatMapToDouble(Arrays::stream).sum();
  }

  /** This matrix re-ordered (or restricted) to {@code order}; VMs it does not know get zeros. */
  public TrafficMatrix reorder(List<String> order) {
    if (order.equals(vms)) {
      return this;
    }
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < vms.size(); i++) {
      index.put(vms.get(i), i);
    }
    int n = order.size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      Integer si = index.get(order.get(i));
      for (int j = 0; j < n; j++) {
        Integer dj = index.get(order.get(j));
        if (si != null && dj != null) {
          p[i][j] = packets[si][dj];
          b[i][j] = bytes[si][dj];
        }
      }
    }
    return new TrafficMatrix(order, p, b);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrafficMatrix m
        && vms.equals(m.vms)
        && Arrays.deepEquals(packets, m.packets)
        && Arrays.deepEquals(bytes, m.bytes);
  }

  @Override
  public int hashCode() {
    return vms.hashCode() * 31 + Arrays.deepHashCode(bytes);
  }

  @Override
  public String toString() {
    return "TrafficMatrix" + vms + " packets=" + Arrays.deepToString(packets) + " bytes=" + Arrays.deepToString(bytes);
  }
}
