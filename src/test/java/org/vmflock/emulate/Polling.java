package org.vmflock.emulate;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a real state (a process, the kernel) by polling with a deadline. */
final class Polling {

  private Polling() {}

  static void until(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      Thread.onSpinWait();
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }
}
