package org.vmflock.execute;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An actuator whose steps answer at once with a modelled duration (the simulated one), made to
 * answer in real time: each answer comes when its duration, divided by the time scale, has passed.
 * A node running a simulated federation uses it, so that its sagas wait for a step as they would
 * for a real actuator, once.
 */
public final class PacedActuator implements Actuator {

  private final Actuator modelled;
  private final double timeScale;

  /** @param timeScale how many times faster than real time the modelled time runs */
  public PacedActuator(Actuator modelled, double timeScale) {
    if (!(timeScale > 0) || Double.isInfinite(timeScale)) {
      throw new IllegalArgumentException("a time scale is positive and finite, not " + timeScale);
    }
    this.modelled = modelled;
    this.timeScale = timeScale;
  }

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    return paced(modelled.perform(order, step, attempt, progress));
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    return paced(modelled.compensate(order, step, attempt));
  }

  private CompletionStage<StepResult> paced(CompletionStage<StepResult> answer) {
    return answer.thenCompose(r -> {
      long nanos = (long) (r.took().toNanos() / timeScale);
      if (nanos <= 0) {
        return CompletableFuture.completedFuture(r);
      }
      return CompletableFuture.supplyAsync(() -> r, CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS));
    });
  }

  /** How long {@code d} of modelled time lasts in real time. */
  public Duration real(Duration d) {
    return Duration.ofNanos((long) (d.toNanos() / timeScale));
  }
}
