package org.vmflock.emulate.lab;

import java.time.Duration;
import java.util.List;

/** Statistics the lab's tests compare with what was configured. */
final class AccuracyMath {

  private AccuracyMath() {}

  /** The median, in milliseconds. */
  static double median(List<Duration> values) {
    double[] ms = values.stream().mapToDouble(d -> d.toNanos() / 1e6).sorted().toArray();
    return ms.length % 2 == 1 ? ms[ms.length / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
  }
}
