package org.vmflock.execute.faults;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.vmflock.clock.ManualClock;
import org.vmflock.execute.Actuator;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SimulatedActuator;
import org.vmflock.execute.SimulatedCrash;
import org.vmflock.execute.SimulatedWorld;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.StepResult;

/**
 * The actuator of one run: a {@link SimulatedActuator} over the run's world, whose virtual clock it
 * moves by each step's modelled duration (so that leases run out as they would), with the run's
 * faults: the actuator's own (failures before or after the effect, crashes of the actuator), calls
 * that never answer, and crashes of the saga actor in the middle of a step. Before each call the
 * sites' leases are enforced at the same instant as the world's. One call at a time, under the
 * world's lock: the saga makes one at a time anyway, and the harness reads the world under it.
 */
final class FaultyActuator implements Actuator {

  private final SimulatedActuator simulated;
  private final ManualClock clock;
  private final Object lock;
  private final RunPlan plan;
  private final Injected injected;
  private final Runnable crashSaga;
  private final Runnable expireSiteLeases;

  FaultyActuator(SimulatedWorld world, ManualClock clock, Object lock, RunPlan plan, Injected injected, Runnable crashSaga,
      Runnable expireSiteLeases) {
    FaultPlan faults = (order, step, attempt) -> {
      FaultPlan.Fault f = plan.actuatorFault(step, attempt);
      if (f != FaultPlan.Fault.NONE) {
        injected.actuatorFailures.incrementAndGet();
      }
      return f;
    };
    SimulatedActuator.Settings settings = SimulatedActuator.Settings.defaults().withLease(plan.lease(), 0);
    this.simulated = new SimulatedActuator(world, clock, RunPlan.MODEL, (a, b) -> plan.path(), settings, faults);
    this.clock = clock;
    this.lock = lock;
    this.plan = plan;
    this.injected = injected;
    this.crashSaga = crashSaga;
    this.expireSiteLeases = expireSiteLeases;
  }

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    return call(step, attempt, () -> simulated.performNow(order, step, attempt));
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    return call(step, attempt, () -> simulated.compensateNow(order, step, attempt));
  }

  private CompletionStage<StepResult> call(MigrationStep step, int attempt, java.util.function.Supplier<StepResult> effect) {
    synchronized (lock) {
      if (attempt > 1) {
        // the saga waited its retry delay (or its step timeout, counted below) before this attempt
        clock.advance(plan.policy().retryDelay());
      }
      expireSiteLeases.run();
      switch (plan.interruption(step, attempt, injected.hangs.get(), injected.crashes.get())) {
        case CRASH_BEFORE_EFFECT -> {
          injected.crashes.incrementAndGet();
          crashSaga.run();
          return new CompletableFuture<>();
        }
        case CRASH_AFTER_EFFECT -> {
          injected.crashes.incrementAndGet();
          answer(effect);
          crashSaga.run();
          return new CompletableFuture<>();
        }
        case HANG_BEFORE_EFFECT -> {
          injected.hangs.incrementAndGet();
          clock.advance(plan.policy().stepTimeout());
          return new CompletableFuture<>();
        }
        case HANG_AFTER_EFFECT -> {
          injected.hangs.incrementAndGet();
          answer(effect);
          clock.advance(plan.policy().stepTimeout());
          return new CompletableFuture<>();
        }
        default -> {
          return answer(effect);
        }
      }
    }
  }

  /** The step done now, the clock moved by its duration; an actuator's crash is a failed stage. */
  private CompletableFuture<StepResult> answer(java.util.function.Supplier<StepResult> effect) {
    try {
      StepResult r = effect.get();
      clock.advance(r.took());
      return CompletableFuture.completedFuture(r);
    } catch (SimulatedCrash crash) {
      clock.advance(crash.took());
      return CompletableFuture.failedFuture(crash);
    }
  }
}
