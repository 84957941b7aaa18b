package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A command that runs until interrupted also wakes when what it serves ends by itself (a node the cluster downed). */
class InterruptionTest {

  @Test
  void whatEndsByItselfWakesTheCommandWithoutAnInterrupt() throws Exception {
    try (Interruption i = Interruption.install("test", Duration.ofSeconds(1))) {
      CompletableFuture<Void> ended = new CompletableFuture<>();
      CompletableFuture<Boolean> woken = CompletableFuture.supplyAsync(() -> {
        try {
          return i.awaitUnless(ended);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      assertFalse(woken.isDone(), "waits while it runs");
      ended.completeExceptionally(new IllegalStateException("downed"));
      assertFalse(woken.get(), "woken by the end, not by an interrupt");
      assertFalse(i.await(Duration.ZERO), "no interrupt recorded");
    }
  }

  @Test
  void anEndBeforeTheWaitWakesAtOnce() throws Exception {
    try (Interruption i = Interruption.install("test", Duration.ofSeconds(1))) {
      assertFalse(i.awaitUnless(CompletableFuture.completedFuture("done")));
    }
  }
}
