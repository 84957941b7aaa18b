package org.vmflock.model;

import java.time.Duration;

/** A network path's one-way latency and its bandwidth in each direction. */
public record NetworkPath(Duration latency, double bytesPerSecond) {

  public NetworkPath {
    if (latency.isNegative()) {
      throw new IllegalArgumentException("latency must not be negative: " + latency);
    }
    if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
      throw new IllegalArgumentException("bandwidth must be positive and finite: " + bytesPerSecond);
    }
    if (latency.compareTo(Limits.MAX_LATENCY) > 0) {
      throw new IllegalArgumentException("latency at most " + Limits.MAX_LATENCY.toSeconds() + " s, not " + latency);
    }
  }

  public double latencySeconds() {
    return latency.toNanos() / 1e9;
  }
}
