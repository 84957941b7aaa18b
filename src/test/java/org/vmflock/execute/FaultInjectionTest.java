package org.vmflock.execute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.vmflock.clock.ManualClock;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * Many seeded small worlds (2 to 4 sites, several VMs, 1 to 5 concurrent migrations, some competing
 * for the same destination), with faults injected at every step and compensation (failures before
 * and after the effect, crashes after the effect) and some leases too short: whatever happens, no
 * VM is lost or duplicated, no site overflows, nothing leaks, and every saga ends (E1, K1).
 */
class FaultInjectionTest {

  private static final int RUNS = 1200;
  private static final double FAULT_PROBABILITY = 0.07;
  /** Faults strike the first attempts only: fewer than the policy's limits, so no saga gets stuck. */
  private static final int FAULTY_ATTEMPTS = 3;
  private static final int MIN_SITES = 2;
  private static final int MAX_SITES = 4;
  private static final int MIN_SLOTS = 2;
  private static final int MAX_SLOTS = 4;
  private static final int MAX_MIGRATIONS = 5;
  /** Share of the slots that VMs occupy at the start. */
  private static final double OCCUPANCY = 0.6;
  /** Chance that a migration goes to the one "popular" site, competing for its room. */
  private static final double POPULAR_DESTINATION = 0.5;
  /** One run in this many leases its reservations too briefly for pre-copy. */
  private static final int SHORT_LEASE_ONE_IN = 8;
  private static final Duration SHORT_LEASE_MARGIN = Duration.ofSeconds(2);
  private static final double SHORT_LEASE_FACTOR = 0.2;
  private static final int MAX_ORDER_DELAY_MILLIS = 3000;
  private static final double MB = 1_000_000;
  private static final long MIN_MEMORY = 256L * 1_000_000;
  private static final long MAX_MEMORY = 2048L * 1_000_000;
  private static final double MAX_DIRTY_RATE = 40 * MB;
  private static final int MIN_LATENCY_MILLIS = 1;
  private static final int MAX_LATENCY_MILLIS = 30;
  private static final double MIN_BANDWIDTH = 50 * MB;
  private static final double MAX_BANDWIDTH = 500 * MB;
  private static final int CORES_PER_SLOT = 4;
  private static final long MEMORY_PER_SLOT = 4L << 30;
  private static final int MAX_VIOLATIONS_SHOWN = 10;
  private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

  /** What one seeded run gave. */
  private record Outcome(long seed, SagaRunner.Run run, SimulatedWorld world, List<String> violations) {}

  private static Outcome run(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    SimulatedWorld world = new SimulatedWorld();
    int sites = MIN_SITES + r.nextInt(MAX_SITES - MIN_SITES + 1);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < sites; i++) {
      int slots = MIN_SLOTS + r.nextInt(MAX_SLOTS - MIN_SLOTS + 1);
      names.add("s" + i);
      world.site("s" + i, new Capacity(slots, slots * CORES_PER_SLOT, slots * MEMORY_PER_SLOT));
    }
    Map<String, NetworkPath> links = new HashMap<>();
    BiFunction<String, String, NetworkPath> paths = (a, b) -> links.computeIfAbsent(a.compareTo(b) < 0 ? a + "-" + b : b + "-" + a,
        k -> new NetworkPath(Duration.ofMillis(MIN_LATENCY_MILLIS + r.nextInt(MAX_LATENCY_MILLIS)), MIN_BANDWIDTH + r.nextDouble() * (MAX_BANDWIDTH - MIN_BANDWIDTH)));
    for (int i = 0; i < sites; i++) {
      for (int j = i + 1; j < sites; j++) {
        paths.apply(names.get(i), names.get(j));
      }
    }
    int totalSlots = names.stream().mapToInt(n -> world.capacity(n).slots()).sum();
    List<Vm> vms = new ArrayList<>();
    for (int i = 0; i < Math.max(1, (int) (totalSlots * OCCUPANCY)); i++) {
      Vm vm = new Vm("vm" + i, "small", 1 + r.nextInt(2), MIN_MEMORY + r.nextLong(MAX_MEMORY - MIN_MEMORY), r.nextDouble() * MAX_DIRTY_RATE);
      List<String> room = names.stream().filter(n -> world.free(n).holds(Capacity.of(vm))).toList();
      world.place(vm, room.get(r.nextInt(room.size())));
      vms.add(vm);
    }

    QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.calibrated());
    QemuPreCopyModel estimator = model;
    int migrations = Math.min(vms.size(), 1 + r.nextInt(MAX_MIGRATIONS));
    List<Vm> moving = new ArrayList<>(vms);
    List<MigrationOrder> orders = new ArrayList<>();
    for (int m = 0; m < migrations; m++) {
      Vm vm = moving.remove(r.nextInt(moving.size()));
      String from = world.whereIs(vm.name()).get(0).site();
      List<String> others = names.stream().filter(n -> !n.equals(from)).toList();
      String popular = others.get(0);
      String to = r.nextDouble() < POPULAR_DESTINATION ? popular : others.get(r.nextInt(others.size()));
      orders.add(new MigrationOrder(seed + "-m" + m, "app", vm.name(), vm, from, to, estimator.estimate(vm, paths.apply(from, to)),
          T0.plusMillis(r.nextInt(MAX_ORDER_DELAY_MILLIS))));
    }

    SimulatedActuator.Settings settings = r.nextInt(SHORT_LEASE_ONE_IN) == 0
        ? SimulatedActuator.Settings.defaults().withLease(SHORT_LEASE_MARGIN, SHORT_LEASE_FACTOR)
        : SimulatedActuator.Settings.defaults();
    FaultPlan faults = FaultPlan.random(r.nextLong(), FaultPlan.everyStep(FAULT_PROBABILITY), FAULTY_ATTEMPTS);
    ManualClock clock = new ManualClock(T0);
    SimulatedActuator actuator = new SimulatedActuator(world, clock, model, paths, settings, faults);
    List<String> violations = new ArrayList<>();
    Runnable check = () -> WorldInvariants.safety(world).forEach(v -> violations.add("seed " + seed + " at " + clock.now() + ": " + v));
    SagaRunner.Run run = new SagaRunner(actuator, clock, SagaPolicy.defaults(), SagaRunner.DEFAULT_RECOVERY, check).run(orders);
    WorldInvariants.settled(world, run.journals()).forEach(v -> violations.add("seed " + seed + " at the end: " + v));
    return new Outcome(seed, run, world, violations);
  }

  /** Counts over all runs. */
  private static final class Tally {
    int sagas;
    int completed;
    int rolledBack;
    int stuck;
    int events;
    int leaseExpiries;
    int noRoom;
    final Map<MigrationStep, Integer> failed = new EnumMap<>(MigrationStep.class);
    final Map<MigrationStep, Integer> crashed = new EnumMap<>(MigrationStep.class);
    final Map<MigrationStep, Integer> rolledBackAt = new EnumMap<>(MigrationStep.class);

    void add(Outcome o) {
      leaseExpiries += o.world().leaseExpiries().size();
      for (SagaRunner.SagaRun s : o.run().sagas()) {
        sagas++;
        events += s.events().size();
        switch (s.state().phase()) {
          case COMPLETED -> completed++;
          case ROLLED_BACK -> rolledBack++;
          default -> stuck++;
        }
        s.crashes().forEach(step -> crashed.merge(step, 1, Integer::sum));
        for (SagaEvent e : s.events()) {
          if (e instanceof SagaEvent.StepFailed f) {
            failed.merge(f.step(), 1, Integer::sum);
            if (f.step() == MigrationStep.RESERVE && f.reason().contains("no room")) {
              noRoom++;
            }
          }
          if (e instanceof SagaEvent.RolledBack b) {
            rolledBackAt.merge(MigrationStep.valueOf(b.reason().substring(0, b.reason().indexOf(' '))), 1, Integer::sum);
          }
        }
      }
    }

    String report() {
      StringBuilder b = new StringBuilder();
      b.append(String.format("%d runs, %d sagas, %d events: %d completed, %d rolled back, %d stuck; %d leases expired, %d reservations refused for lack of room%n",
          RUNS, sagas, events, completed, rolledBack, stuck, leaseExpiries, noRoom));
      b.append(String.format("%-20s %8s %8s %12s%n", "step", "failed", "crashed", "rolled back"));
      for (MigrationStep s : MigrationStep.values()) {
        b.append(String.format("%-20s %8d %8d %12d%n", s, failed.getOrDefault(s, 0), crashed.getOrDefault(s, 0), rolledBackAt.getOrDefault(s, 0)));
      }
      return b.toString();
    }
  }

  @Test
  void noVmIsLostOrDuplicatedWhateverFails() {
    Tally tally = new Tally();
    List<String> violations = new ArrayList<>();
    for (long seed = 1; seed <= RUNS; seed++) {
      Outcome o = run(seed);
      violations.addAll(o.violations());
      tally.add(o);
    }
    System.out.println(tally.report());

    assertEquals(List.of(), violations.subList(0, Math.min(MAX_VIOLATIONS_SHOWN, violations.size())), violations.size() + " violations");
    assertEquals(0, tally.stuck);
    assertTrue(tally.completed > 0 && tally.rolledBack > 0, tally.report());
    assertTrue(tally.leaseExpiries > 0 && tally.noRoom > 0, tally.report());
    for (MigrationStep s : MigrationStep.values()) {
      assertTrue(tally.failed.getOrDefault(s, 0) > 0, s + " never failed\n" + tally.report());
      assertTrue(tally.crashed.getOrDefault(s, 0) > 0, s + " never crashed\n" + tally.report());
    }
    for (MigrationStep s : List.of(MigrationStep.RESERVE, MigrationStep.PRECOPY, MigrationStep.STOP_AND_COPY, MigrationStep.COMMIT)) {
      assertTrue(tally.rolledBackAt.getOrDefault(s, 0) > 0, "no rollback at " + s + "\n" + tally.report());
    }
  }

  @Test
  void aSeedAlwaysGivesTheSameRun() {
    long seed = 42;
    Outcome a = run(seed);
    Outcome b = run(seed);
    assertEquals(a.run().journals(), b.run().journals());
    assertEquals(a.world().instances(), b.world().instances());
  }
}
