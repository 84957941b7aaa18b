package org.vmflock.clock;

import java.time.Instant;

/** The machine's wall clock. */
enum SystemClock implements Clock {
  INSTANCE;

  @Override
  public Instant now() {
    return Instant.now();
  }

  @Override
  public long epochMillis() {
    return System.currentTimeMillis();
  }
}
