package org.vmflock.analyze;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMetric;

/**
 * The {@code vmflock.analyze} settings: how communication groups are detected (A1, A2).
 *
 * @param metric the traffic measure that groups VMs
 * @param noiseFloorBytesPerSecond a pair below this rate, both directions, is noise (metric bytes)
 * @param noiseFloorPacketsPerSecond the same when the metric is packets
 * @param thresholdFraction the report's algorithm: a group's threshold is this fraction of the mean
 *     traffic between its VMs
 * @param resolution modularity's resolution; 1 is classic modularity
 * @param seed seed of the Leiden algorithm's random choices
 * @param iterations Leiden iterations in each start
 * @param randomStarts Leiden starts; the partition of highest modularity is kept
 */
public record GroupingSettings(
    TrafficMetric metric,
    double noiseFloorBytesPerSecond,
    double noiseFloorPacketsPerSecond,
    double thresholdFraction,
    double resolution,
    long seed,
    int iterations,
    int randomStarts) {

  /** The defaults of reference.conf, for code that runs without a node's configuration. */
  public static GroupingSettings defaults() {
    return from(ConfigFactory.defaultReference());
  }

  public GroupingSettings {
    if (!(noiseFloorBytesPerSecond >= 0) || !(noiseFloorPacketsPerSecond >= 0)) {
      throw new IllegalArgumentException("the noise floor must be a rate >= 0, not " + noiseFloorBytesPerSecond + " B/s, " + noiseFloorPacketsPerSecond + " packets/s");
    }
    if (!(thresholdFraction >= 0) || Double.isInfinite(thresholdFraction)) {
      throw new IllegalArgumentException("threshold-fraction must be a finite number >= 0, not " + thresholdFraction);
    }
    if (!(resolution > 0) || Double.isInfinite(resolution)) {
      throw new IllegalArgumentException("resolution must be a finite number > 0, not " + resolution);
    }
    if (iterations < 1 || randomStarts < 1) {
      throw new IllegalArgumentException("iterations and random-starts must be at least 1, not " + iterations + " and " + randomStarts);
    }
  }

  /** Reads {@code vmflock.analyze}; a missing or wrong setting names where it is. */
  public static GroupingSettings from(Config c) {
    try {
      Config a = c.getConfig("vmflock.analyze");
      Config report = a.getConfig("report");
      Config modularity = a.getConfig("modularity");
      return new GroupingSettings(
          TrafficMetric.parse(a.getString("metric")),
          a.getDouble("noise-floor.bytes-per-second"),
          a.getDouble("noise-floor.packets-per-second"),
          report.getDouble("threshold-fraction"),
          modularity.getDouble("resolution"),
          modularity.getLong("seed"),
          modularity.getInt("iterations"),
          modularity.getInt("random-starts"));
    } catch (ConfigException e) {
      throw new InvalidInputException(e.origin() != null ? e.origin().description() : "configuration", e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("vmflock.analyze", e.getMessage());
    }
  }

  /** The noise floor in the unit of {@code m}, per second. */
  public double noiseFloorPerSecond(TrafficMetric m) {
    return m == TrafficMetric.PACKETS ? noiseFloorPacketsPerSecond : noiseFloorBytesPerSecond;
  }

  /** The noise floor of this settings' own metric, per second. */
  public double noiseFloorPerSecond() {
    return noiseFloorPerSecond(metric);
  }

  public GroupingSettings withMetric(TrafficMetric m) {
    return new GroupingSettings(m, noiseFloorBytesPerSecond, noiseFloorPacketsPerSecond, thresholdFraction, resolution, seed, iterations, randomStarts);
  }

  public GroupingSettings withNoiseFloor(double bytesPerSecond, double packetsPerSecond) {
    return new GroupingSettings(metric, bytesPerSecond, packetsPerSecond, thresholdFraction, resolution, seed, iterations, randomStarts);
  }

  public GroupingSettings withThresholdFraction(double fraction) {
    return new GroupingSettings(metric, noiseFloorBytesPerSecond, noiseFloorPacketsPerSecond, fraction, resolution, seed, iterations, randomStarts);
  }

  public GroupingSettings withSeed(long s) {
    return new GroupingSettings(metric, noiseFloorBytesPerSecond, noiseFloorPacketsPerSecond, thresholdFraction, resolution, s, iterations, randomStarts);
  }
}
