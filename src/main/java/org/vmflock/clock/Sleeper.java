package org.vmflock.clock;

import java.time.Duration;

/** Waits, for code that paces itself against a {@link Clock} (a replay at the capture's pace). */
@FunctionalInterface
public interface Sleeper {

  void sleep(Duration d) throws InterruptedException;

  static Sleeper system() {
    return d -> Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
  }
}
