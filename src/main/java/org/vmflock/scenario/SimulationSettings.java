package org.vmflock.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How a scenario is simulated: the MAPE loop's period (simulated time) and the horizon.
 *
 * @param end when the simulation stops; empty: when every application has finished
 */
public record SimulationSettings(Duration period, Optional<Instant> end) {

  /** The loop runs every 5 minutes of simulated time unless a scenario says otherwise. */
  public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(5);
  public static final SimulationSettings DEFAULT = new SimulationSettings(DEFAULT_PERIOD, Optional.empty());

  public SimulationSettings {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("the loop's period must be positive, not " + period);
    }
  }
}
