package org.vmflock.model;

import java.time.Instant;

/** A time when a site can host VMs: a grid reservation, a walltime, the time between maintenances. */
public record AvailabilityWindow(Instant from, Instant until) {

  public AvailabilityWindow {
    if (!until.isAfter(from)) {
      throw new IllegalArgumentException("an availability window ends after it starts: " + from + " .. " + until);
    }
  }

  public boolean contains(Instant t) {
    return !t.isBefore(from) && t.isBefore(until);
  }
}
