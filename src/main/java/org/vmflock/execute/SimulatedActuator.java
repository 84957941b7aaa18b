package org.vmflock.execute;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.BiFunction;
import org.vmflock.clock.Clock;
import org.vmflock.execute.FaultPlan.Fault;
import org.vmflock.execute.SimulatedWorld.Outcome;
import org.vmflock.model.NetworkPath;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * An actuator over a {@link SimulatedWorld} (E2): each step changes the world as it says, and takes
 * the time the migration model gives ({@link QemuPreCopyModel}, calibrated on real QEMU migrations;
 * pre-copy: its rounds; stop-and-copy: the downtime) or a small fixed time. A pre-copy the model
 * says does not converge is refused, as QEMU's actuator cancels it. Reservations get a lease; before every step, leases expired by the clock are released
 * by the world. Faults come from a {@link FaultPlan}, including crashes after the effect.
 */
public final class SimulatedActuator implements Actuator {

  /** Part of a step's time that passes before an injected failure strikes. */
  private static final double FAILURE_STRIKES_AT = 0.5;
  private static final double NANOS_PER_SECOND = 1e9;

  /**
   * The fixed durations of the short steps, and the reservations' lease.
   *
   * @param check finding a step already done, or refusing it
   * @param leaseMargin a reservation's lease is this plus {@code leaseFactor} times the modelled
   *     migration time
   */
  public record Settings(
      Duration reserve,
      Duration commit,
      Duration activate,
      Duration networkUpdate,
      Duration releaseSource,
      Duration resumeAtSource,
      Duration discardDestination,
      Duration releaseReservation,
      Duration check,
      Duration leaseMargin,
      double leaseFactor) {

    public static final Duration DEFAULT_RESERVE = Duration.ofMillis(200);
    public static final Duration DEFAULT_COMMIT = Duration.ofMillis(20);
    public static final Duration DEFAULT_ACTIVATE = Duration.ofMillis(20);
    public static final Duration DEFAULT_NETWORK_UPDATE = Duration.ofMillis(50);
    public static final Duration DEFAULT_RELEASE_SOURCE = Duration.ofMillis(500);
    public static final Duration DEFAULT_RESUME_AT_SOURCE = Duration.ofMillis(20);
    public static final Duration DEFAULT_DISCARD_DESTINATION = Duration.ofMillis(200);
    public static final Duration DEFAULT_RELEASE_RESERVATION = Duration.ofMillis(50);
    public static final Duration DEFAULT_CHECK = Duration.ofMillis(10);
    public static final Duration DEFAULT_LEASE_MARGIN = Duration.ofMinutes(1);
    public static final double DEFAULT_LEASE_FACTOR = 3;

    public Settings {
      for (Duration d : new Duration[] {reserve, commit, activate, networkUpdate, releaseSource, resumeAtSource, discardDestination,
          releaseReservation, check, leaseMargin}) {
        if (d.isNegative()) {
          throw new IllegalArgumentException("simulated actuator: no negative duration: " + d);
        }
      }
      if (!(leaseFactor >= 0) || Double.isInfinite(leaseFactor)) {
        throw new IllegalArgumentException("simulated actuator: the lease factor is finite and not negative: " + leaseFactor);
      }
    }

    public static Settings defaults() {
      return new Settings(DEFAULT_RESERVE, DEFAULT_COMMIT, DEFAULT_ACTIVATE, DEFAULT_NETWORK_UPDATE, DEFAULT_RELEASE_SOURCE,
          DEFAULT_RESUME_AT_SOURCE, DEFAULT_DISCARD_DESTINATION, DEFAULT_RELEASE_RESERVATION, DEFAULT_CHECK, DEFAULT_LEASE_MARGIN,
          DEFAULT_LEASE_FACTOR);
    }

    /** The same settings with reservations leased for {@code margin} plus {@code factor} times the migration time. */
    public Settings withLease(Duration margin, double factor) {
      return new Settings(reserve, commit, activate, networkUpdate, releaseSource, resumeAtSource, discardDestination,
          releaseReservation, check, margin, factor);
    }
  }

  /** How a migration goes in the model: pre-copy time, stop-and-copy time, and the bytes of each. */
  public record Timing(Duration precopy, Duration stopAndCopy, double precopyBytes, double stopAndCopyBytes, int rounds) {}

  private final SimulatedWorld world;
  private final Clock clock;
  private final QemuPreCopyModel model;
  private final BiFunction<String, String, NetworkPath> paths;
  private final Settings settings;
  private final FaultPlan faults;

  /**
   * @param clock the time of the caller, which waits each result's {@code took} before the next call
   * @param paths the network path between two sites (e.g. {@code infrastructure::path})
   */
  public SimulatedActuator(SimulatedWorld world, Clock clock, QemuPreCopyModel model,
      BiFunction<String, String, NetworkPath> paths, Settings settings, FaultPlan faults) {
    this.world = world;
    this.clock = clock;
    this.model = model;
    this.paths = paths;
    this.settings = settings;
    this.faults = faults;
  }

  /** The model's estimate for {@code order} over its path. */
  public MigrationEstimate estimate(MigrationOrder order) {
    return model.estimate(order.vmSpec(), paths.apply(order.from(), order.to()));
  }

  /** How {@code order}'s pre-copy and stop-and-copy go in the model. */
  public Timing timing(MigrationOrder order) {
    QemuPreCopyModel.Prediction p = model.predict(order.vmSpec(), paths.apply(order.from(), order.to()));
    if (!p.converged()) {
      return new Timing(Duration.ZERO, Duration.ZERO, p.bytes(), 0, p.passes());
    }
    return new Timing(duration(p.totalSeconds() - p.downtimeSeconds()), duration(p.downtimeSeconds()), p.bytes() - p.lastCopyBytes(),
        p.lastCopyBytes(), p.passes());
  }

  /** Why {@code order}'s pre-copy never switches over, if the model says it does not. */
  private Optional<String> notConverging(MigrationOrder order) {
    NetworkPath path = paths.apply(order.from(), order.to());
    if (model.predict(order.vmSpec(), path).converged()) {
      return Optional.empty();
    }
    return Optional.of(String.format(java.util.Locale.ROOT, "the pre-copy of %s does not converge: it dirties %.1f MB/s of %.1f MB against %.1f MB/s "
        + "from %s to %s", order.vm(), order.vmSpec().dirtyBytesPerSecond() / 1e6, order.vmSpec().memoryBytes() / 1e6, path.bytesPerSecond() / 1e6,
        order.from(), order.to()));
  }

  @Override
  public CompletionStage<StepResult> perform(MigrationOrder order, MigrationStep step, int attempt, Consumer<StepProgress> progress) {
    return answer(() -> {
      StepResult r = performNow(order, step, attempt);
      if (step == MigrationStep.PRECOPY && r instanceof StepResult.Done d) {
        progress.accept(new StepProgress(step, d.details().rounds(), d.details().bytesMoved(), 0, 0));
      }
      return r;
    });
  }

  @Override
  public CompletionStage<StepResult> compensate(MigrationOrder order, MigrationStep step, int attempt) {
    return answer(() -> compensateNow(order, step, attempt));
  }

  /** The answer, at once: done, failed, or a stage failed with a {@link SimulatedCrash}. */
  private static CompletionStage<StepResult> answer(java.util.function.Supplier<StepResult> step) {
    try {
      return CompletableFuture.completedFuture(step.get());
    } catch (SimulatedCrash crash) {
      return CompletableFuture.failedFuture(crash);
    }
  }

  /** Forward step {@code step}, done now: its result (whose {@code took} the caller waits), or a {@link SimulatedCrash}. */
  public StepResult performNow(MigrationOrder order, MigrationStep step, int attempt) {
    requireForward(step, true);
    return attempt(order, step, attempt);
  }

  /** Compensation {@code step}, done now. */
  public StepResult compensateNow(MigrationOrder order, MigrationStep step, int attempt) {
    requireForward(step, false);
    return attempt(order, step, attempt);
  }

  private static void requireForward(MigrationStep step, boolean forward) {
    if (step.forward() != forward) {
      throw new IllegalArgumentException(step + (forward ? " is a compensation, not a step" : " is a step, not a compensation"));
    }
  }

  private StepResult attempt(MigrationOrder order, MigrationStep step, int attempt) {
    Instant now = clock.now();
    world.expireLeases(now);
    Fault fault = faults.at(order, step, attempt);
    Duration nominal = nominal(order, step);
    if (fault == Fault.FAIL) {
      return StepResult.Failed.unknown(duration(seconds(nominal) * FAILURE_STRIKES_AT), "injected fault in " + step);
    }
    Optional<Instant> lease = world.reservation(order.migrationId()).map(SimulatedWorld.Reservation::leaseExpiresAt);
    Optional<String> stuck = step == MigrationStep.PRECOPY ? notConverging(order) : Optional.empty();
    if (stuck.isPresent()) {
      return StepResult.Failed.refused(settings.check(), stuck.get());
    }
    Outcome outcome = change(order, step, now);
    StepResult result = switch (outcome.kind()) {
      case DONE -> done(order, step, nominal, now, lease);
      case ALREADY_DONE -> new StepResult.Done(settings.check(), StepDetails.ALREADY_DONE);
      case REFUSED -> StepResult.Failed.refused(settings.check(), outcome.reason());
    };
    return switch (fault) {
      case FAIL_AFTER_EFFECT -> StepResult.Failed.unknown(result.took(), "injected fault: the answer of " + step + " was lost");
      case CRASH_AFTER_EFFECT -> throw new SimulatedCrash(order, step, attempt, result.took());
      default -> result;
    };
  }

  /** A step done now: it fails if the reservation's lease runs out before the step ends. */
  private StepResult done(MigrationOrder order, MigrationStep step, Duration took, Instant now, Optional<Instant> lease) {
    boolean needsLease = step == MigrationStep.PRECOPY || step == MigrationStep.STOP_AND_COPY;
    if (needsLease && lease.isPresent() && lease.get().isBefore(now.plus(took))) {
      return StepResult.Failed.unknown(Duration.between(now, lease.get()), "the reservation's lease at '" + order.to() + "' expires during " + step);
    }
    Timing t = timing(order);
    StepDetails details = switch (step) {
      case PRECOPY -> new StepDetails(false, t.precopyBytes(), t.rounds(), Duration.ZERO);
      case STOP_AND_COPY -> new StepDetails(false, t.stopAndCopyBytes(), 0, t.stopAndCopy());
      default -> StepDetails.NONE;
    };
    return new StepResult.Done(took, details);
  }

  private Outcome change(MigrationOrder order, MigrationStep step, Instant now) {
    return switch (step) {
      case RESERVE -> world.reserve(order, now.plus(lease(order)));
      case PRECOPY -> world.precopy(order);
      case STOP_AND_COPY -> world.stopAndCopy(order);
      case COMMIT -> world.commit(order);
      case ACTIVATE -> world.activate(order);
      case NETWORK_UPDATE -> world.updateNetwork(order);
      case RELEASE_SOURCE -> world.releaseSource(order);
      case RESUME_AT_SOURCE -> world.resumeAtSource(order);
      case DISCARD_DESTINATION -> world.discardDestination(order);
      case RELEASE_RESERVATION -> world.releaseReservation(order);
    };
  }

  /** How long {@code step} takes when it does its work. */
  public Duration nominal(MigrationOrder order, MigrationStep step) {
    return switch (step) {
      case RESERVE -> settings.reserve();
      case PRECOPY -> timing(order).precopy();
      case STOP_AND_COPY -> timing(order).stopAndCopy();
      case COMMIT -> settings.commit();
      case ACTIVATE -> settings.activate();
      case NETWORK_UPDATE -> settings.networkUpdate();
      case RELEASE_SOURCE -> settings.releaseSource();
      case RESUME_AT_SOURCE -> settings.resumeAtSource();
      case DISCARD_DESTINATION -> settings.discardDestination();
      case RELEASE_RESERVATION -> settings.releaseReservation();
    };
  }

  /** The lease a reservation for {@code order} gets. */
  public Duration lease(MigrationOrder order) {
    double seconds = estimate(order).totalSeconds(); // infinite when it does not converge: its pre-copy is refused at once
    return settings.leaseMargin().plus(duration(Double.isFinite(seconds) ? seconds * settings.leaseFactor() : 0));
  }

  private static double seconds(Duration d) {
    return d.toNanos() / NANOS_PER_SECOND;
  }

  private static Duration duration(double seconds) {
    return Duration.ofNanos(Math.round(Math.max(0, seconds) * NANOS_PER_SECOND));
  }
}
