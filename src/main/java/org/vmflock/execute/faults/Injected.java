package org.vmflock.execute.faults;

import java.util.concurrent.atomic.AtomicInteger;

/** The faults one run injected, counted as they strike (from the actuator's, the links' and the journal's threads). */
final class Injected {
  final AtomicInteger actuatorFailures = new AtomicInteger();
  final AtomicInteger hangs = new AtomicInteger();
  final AtomicInteger messagesLost = new AtomicInteger();
  final AtomicInteger messagesDuplicated = new AtomicInteger();
  final AtomicInteger journalFailures = new AtomicInteger();
  final AtomicInteger crashes = new AtomicInteger();

  FaultRun.Faults snapshot() {
    return new FaultRun.Faults(actuatorFailures.get(), hangs.get(), messagesLost.get(), messagesDuplicated.get(), journalFailures.get(),
        crashes.get(), 0);
  }
}
