package org.vmflock.execute;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Which attempts of which steps a {@link SimulatedActuator} makes go wrong, and how: scripted (these
 * attempts of these migrations) or at random (a probability per step, from a seed).
 */
@FunctionalInterface
public interface FaultPlan {

  /** How an attempt goes wrong. */
  enum Fault {
    /** Nothing goes wrong. */
    NONE,
    /** The attempt fails before any effect (its answer says so, but not definitely: a timeout). */
    FAIL,
    /** The step takes effect but its answer is a failure (the answer was lost: a timeout). */
    FAIL_AFTER_EFFECT,
    /** The step takes effect, then the driver crashes before recording anything ({@link SimulatedCrash}). */
    CRASH_AFTER_EFFECT
  }

  /** Attempt {@code attempt} of {@code step} of migration {@code migrationId} goes wrong as {@code fault}. */
  record ScriptedFault(String migrationId, MigrationStep step, int attempt, Fault fault) {}

  /** How attempt {@code attempt} (from 1) of {@code step} of {@code order} goes wrong, if at all. */
  Fault at(MigrationOrder order, MigrationStep step, int attempt);

  /** Nothing ever goes wrong. */
  static FaultPlan none() {
    return (order, step, attempt) -> Fault.NONE;
  }

  /** Exactly the attempts listed go wrong. */
  static FaultPlan scripted(Collection<ScriptedFault> faults) {
    Map<String, Fault> byAttempt = faults.stream()
        .collect(Collectors.toMap(f -> f.migrationId() + "/" + f.step() + "/" + f.attempt(), ScriptedFault::fault));
    return (order, step, attempt) -> byAttempt.getOrDefault(order.migrationId() + "/" + step + "/" + attempt, Fault.NONE);
  }

  /**
   * Each attempt of {@code step} up to attempt {@code faultyAttempts} goes wrong with probability
   * {@code probability.get(step)}, in one of the three ways of {@link Fault} chosen evenly. Faults
   * are transient: later attempts always succeed, so with {@code faultyAttempts} below the saga's
   * retry limits no saga gets stuck. Deterministic for a seed and a sequence of calls.
   */
  static FaultPlan random(long seed, Map<MigrationStep, Double> probability, int faultyAttempts) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<MigrationStep, Double> p = new EnumMap<>(probability);
    Fault[] kinds = {Fault.FAIL, Fault.FAIL_AFTER_EFFECT, Fault.CRASH_AFTER_EFFECT};
    return (order, step, attempt) -> {
      if (attempt > faultyAttempts || random.nextDouble() >= p.getOrDefault(step, 0.0)) {
        return Fault.NONE;
      }
      return kinds[random.nextInt(kinds.length)];
    };
  }

  /** The same probability for every step and compensation. */
  static Map<MigrationStep, Double> everyStep(double probability) {
    Map<MigrationStep, Double> p = new EnumMap<>(MigrationStep.class);
    for (MigrationStep s : MigrationStep.values()) {
      p.put(s, probability);
    }
    return p;
  }

  /** This plan's fault, or {@code other}'s where this one has none. */
  default FaultPlan orElse(FaultPlan other) {
    return (order, step, attempt) -> {
      Fault f = at(order, step, attempt);
      return f != Fault.NONE ? f : other.at(order, step, attempt);
    };
  }
}
