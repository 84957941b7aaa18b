package org.vmflock.analyze;

import java.util.List;
import org.vmflock.model.TrafficMatrix;

/** Hand-made byte matrices for the grouping tests: the traffic of named pairs, the rest zero. */
final class Traffic {

  private Traffic() {}

  /** {@code pairs} alternates "a-b" and the bytes a sent to b: {@code bytes(vms, "a-b", 100, "b-c", 20)}. */
  static TrafficMatrix bytes(List<String> vms, Object... pairs) {
    int n = vms.size();
    double[][] b = new double[n][n];
    for (int k = 0; k < pairs.length; k += 2) {
      String[] ends = ((String) pairs[k]).split("-");
      b[vms.indexOf(ends[0])][vms.indexOf(ends[1])] += ((Number) pairs[k + 1]).doubleValue();
    }
    return new TrafficMatrix(vms, new double[n][n], b);
  }
}
