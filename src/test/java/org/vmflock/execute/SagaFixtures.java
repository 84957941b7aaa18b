package org.vmflock.execute;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/** A small world of two sites and one VM to migrate, built by hand, for the saga tests. */
final class SagaFixtures {

  static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");
  static final double MB = 1_000_000;
  static final long GIB = 1L << 30;
  static final String SOURCE = "rennes";
  static final String DESTINATION = "nancy";
  static final Duration LATENCY = Duration.ofMillis(5);
  /** 100 MB/s between the sites. */
  static final NetworkPath PATH = new NetworkPath(LATENCY, 100 * MB);
  /** 1000 MB of memory, dirtied at 10 MB/s. */
  static final Vm VM = new Vm("vm1", "small", 1, (long) (1000 * MB), 10 * MB);
  static final Vm OTHER = new Vm("vm2", "small", 1, (long) (1000 * MB), 10 * MB);
  static final QemuPreCopyModel MODEL = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 30));
  static final BiFunction<String, String, NetworkPath> PATHS = (a, b) -> PATH;

  private SagaFixtures() {}

  static Capacity slots(int n) {
    return new Capacity(n, n * 4, n * 4 * GIB);
  }

  /** Two sites of two slots each; the VM runs at the source. */
  static SimulatedWorld world() {
    return new SimulatedWorld().site(SOURCE, slots(2)).site(DESTINATION, slots(2)).place(VM, SOURCE);
  }

  static MigrationOrder order(String id) {
    return new MigrationOrder(id, "cg.A.4", VM.name(), VM, SOURCE, DESTINATION, MODEL.estimate(VM, PATH), T0);
  }

  static SimulatedActuator actuator(SimulatedWorld world, ManualClock clock, FaultPlan faults) {
    return new SimulatedActuator(world, clock, MODEL, PATHS, SimulatedActuator.Settings.defaults(), faults);
  }

  static SimulatedActuator actuator(SimulatedWorld world, ManualClock clock, SimulatedActuator.Settings settings, FaultPlan faults) {
    return new SimulatedActuator(world, clock, MODEL, PATHS, settings, faults);
  }

  static FaultPlan script(FaultPlan.ScriptedFault... faults) {
    return FaultPlan.scripted(List.of(faults));
  }

  static FaultPlan.ScriptedFault fault(String id, MigrationStep step, int attempt, FaultPlan.Fault fault) {
    return new FaultPlan.ScriptedFault(id, step, attempt, fault);
  }

  /** The steps of the events of type {@code type}, in order. */
  static List<MigrationStep> steps(List<SagaEvent> events, Class<? extends SagaEvent> type) {
    return events.stream().filter(type::isInstance).map(SagaFixtures::stepOf).toList();
  }

  static MigrationStep stepOf(SagaEvent e) {
    if (e instanceof SagaEvent.StepStarted s) {
      return s.step();
    }
    if (e instanceof SagaEvent.StepSucceeded s) {
      return s.step();
    }
    if (e instanceof SagaEvent.StepFailed s) {
      return s.step();
    }
    if (e instanceof SagaEvent.CompensationSucceeded s) {
      return s.step();
    }
    throw new IllegalArgumentException("no step in " + e);
  }
}
