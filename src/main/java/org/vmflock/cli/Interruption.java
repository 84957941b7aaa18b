package org.vmflock.cli;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for a command that runs until interrupted: the interrupt wakes the command,
 * and the JVM waits, up to a grace period, for the command to finish cleanly (results written,
 * journal closed) before it exits. Close it when the command is done.
 */
final class Interruption implements AutoCloseable {

  private final CountDownLatch interrupted = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  /** Counted down by the interrupt too: {@link #awaitUnless} waits on it with another cause of waking. */
  private final CountDownLatch woken = new CountDownLatch(1);
  private final Thread hook;

  private Interruption(String name, Duration grace) {
    hook = new Thread(() -> {
      interrupted.countDown();
      woken.countDown();
      try {
        finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name + "-interrupt");
  }

  static Interruption install(String name, Duration grace) {
    Interruption i = new Interruption(name, grace);
    Runtime.getRuntime().addShutdownHook(i.hook);
    return i;
  }

  /** Waits up to {@code timeout} for an interrupt; true if there was one. */
  boolean await(Duration timeout) throws InterruptedException {
    return interrupted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits for an interrupt or for {@code end} to complete (normally or not), whichever comes first:
   * true if there was an interrupt. Call it once.
   */
  boolean awaitUnless(CompletionStage<?> end) throws InterruptedException {
    end.whenComplete((result, error) -> woken.countDown());
    woken.await();
    return interrupted.getCount() == 0;
  }

  /** Waits for an interrupt. */
  void await() throws InterruptedException {
    interrupted.await();
  }

  @Override
  public void close() {
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook is running
    }
  }
}
