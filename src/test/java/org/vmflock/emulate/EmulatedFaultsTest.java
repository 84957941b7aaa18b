package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.EmulatedActuator.Fault;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.QemuPreCopyModel;

/**
 * 200 seeded migrations between three emulated sites, each with a fault injected at a random
 * forward step (and one time in three at a compensation too), driven by the saga's state machine
 * ({@link SagaRunner}): failures before, partway through (a stream cut, a VM frozen but not sent,
 * a veth moved but not thawed) and after the real action, stalled streams that time out, and
 * crashes of the driver. Sites hold 3 VMs each and 5 VMs live on them, so some destinations are
 * full. After each migration: every VM on exactly one bridge (its site's), running, its processes
 * thawed; no reservation, copy or stream left; the saga completed with the VM at its destination or
 * rolled back with it at its source. At the end every VM's workload is the same process as at the
 * start, still counting.
 */
class EmulatedFaultsTest {

  private static final int MIGRATIONS = 200;
  private static final long SEED = 12;
  private static final long MEMORY = 4L << 20;
  private static final long DIRTY_RATE = 2L << 20;
  private static final long RATE = 1_000_000_000L;
  private static final Duration DELAY = Duration.ofMillis(1);
  private static final List<String> SITES = List.of("a", "b", "c");
  private static final int SLOTS = 3;
  private static final int VMS = 5;
  private static final Fault[] KINDS = {Fault.FAIL_BEFORE, Fault.FAIL_MIDWAY, Fault.STALL, Fault.FAIL_AFTER, Fault.CRASH_AFTER};

  private static EmulatedFederation lab;

  @TempDir
  static Path dir;

  @BeforeAll
  static void build() {
    FederationSpec.Builder spec = FederationSpec.builder();
    SITES.forEach(spec::site);
    lab = TestLabs.create(spec.linkAll(WanLinkSpec.of(DELAY, RATE)).build());
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  /** The fault of the current migration: at most one forward step and one compensation, on their first attempt. */
  private static final class Injection implements EmulatedActuator.Faults {
    MigrationStep step;
    Fault fault = Fault.NONE;
    MigrationStep compensation;
    Fault compensationFault = Fault.NONE;
    int struck;
    int forwardStruck;

    @Override
    public Fault at(MigrationOrder order, MigrationStep s, int attempt) {
      if (attempt == 1 && s == step && fault != Fault.NONE) {
        struck++;
        forwardStruck++;
        return fault;
      }
      if (attempt == 1 && s == compensation && compensationFault != Fault.NONE) {
        struck++;
        return compensationFault;
      }
      return Fault.NONE;
    }
  }

  @Test
  void afterAnyFaultEveryVmIsOnOneBridgeRunningAndNothingIsLeft() throws Exception {
    Map<String, Process> workloads = new LinkedHashMap<>();
    Map<String, Path> counters = new LinkedHashMap<>();
    for (int i = 0; i < VMS; i++) {
      String name = "vm" + i;
      EmulatedVm vm = lab.addVm(name, SITES.get(i % SITES.size()));
      Path counter = dir.resolve(name);
      workloads.put(name, vm.memoryWorkload(MEMORY, DIRTY_RATE, counter).redirectErrorStream(true).start());
      counters.put(name, counter);
    }
    try {
      for (String name : workloads.keySet()) {
        Polling.until(Duration.ofSeconds(20), name + "'s workload resident", () -> EmulatedMigrationTest.count(counters.get(name)) > 0);
      }
      Map<String, Long> countedAtStart = new LinkedHashMap<>();
      counters.forEach((name, c) -> countedAtStart.put(name, EmulatedMigrationTest.count(c)));

      ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
      Injection injection = new Injection();
      Map<String, Integer> slots = new LinkedHashMap<>();
      SITES.forEach(s -> slots.put(s, SLOTS));
      EmulatedActuator.Settings settings = EmulatedActuator.Settings.defaults().withRoundTimeout(Duration.ofMillis(300), 4);
      EmulatedActuator actuator = new EmulatedActuator(lab, slots, clock, settings, injection);
      SagaRunner runner = new SagaRunner(actuator, clock);
      QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), settings.maxRounds()), settings.policy());
      SplittableRandom random = new SplittableRandom(SEED);
      Map<SagaPhase, Integer> outcomes = new EnumMap<>(SagaPhase.class);
      Map<String, Integer> byFault = new TreeMap<>();
      int struck = 0;
      long start = System.nanoTime();

      for (int i = 0; i < MIGRATIONS; i++) {
        EmulatedVm vm = lab.vms().get(random.nextInt(VMS));
        String from = vm.site();
        List<String> others = SITES.stream().filter(s -> !s.equals(from)).toList();
        String to = others.get(random.nextInt(others.size()));
        injection.step = MigrationStep.FORWARD.get(random.nextInt(MigrationStep.FORWARD.size()));
        injection.fault = KINDS[random.nextInt(KINDS.length)];
        boolean alsoCompensation = random.nextInt(3) == 0;
        injection.compensation = alsoCompensation ? MigrationStep.COMPENSATIONS.get(random.nextInt(MigrationStep.COMPENSATIONS.size())) : null;
        injection.compensationFault = alsoCompensation ? KINDS[random.nextInt(KINDS.length)] : Fault.NONE;
        injection.struck = 0;
        Vm spec = new Vm(vm.name(), "small", 1, MEMORY, DIRTY_RATE);
        MigrationOrder order = new MigrationOrder("m" + i, "app", vm.name(), spec, from, to,
            model.estimate(spec, new NetworkPath(DELAY, RATE / 8.0)), clock.now());

        SagaRunner.SagaRun run = runner.run(order);

        String where = "migration " + i + " " + order + ", fault " + injection.fault + " at " + injection.step
            + (alsoCompensation ? " and " + injection.compensationFault + " at " + injection.compensation : "") + ": ";
        SagaPhase phase = run.state().phase();
        assertTrue(phase == SagaPhase.COMPLETED || phase == SagaPhase.ROLLED_BACK, where + "ended " + phase + ": " + run.events());
        assertEquals(phase == SagaPhase.COMPLETED ? to : from, vm.site(), where + "the VM is where the saga's end says");
        assertEquals(List.of(), LabInvariants.violations(lab, actuator), where + "invariants");
        for (Map.Entry<String, Process> w : workloads.entrySet()) {
          assertTrue(w.getValue().isAlive() && lab.vm(w.getKey()).pids().contains(w.getValue().pid()), where + w.getKey() + "'s workload lives");
        }
        outcomes.merge(phase, 1, Integer::sum);
        String failed = run.state().reason().map(r -> r.substring(0, Math.max(0, r.indexOf(" failed")))).orElse("");
        byFault.merge(injection.fault + "@" + injection.step + " -> " + phase + (failed.isEmpty() ? "" : " at " + failed), 1, Integer::sum);
        struck += injection.struck;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("%d migrations in %.1f s (%.0f ms each): %s; %d faults struck, %d of them at forward steps%n", MIGRATIONS, seconds,
          seconds * 1000 / MIGRATIONS, outcomes, struck, injection.forwardStruck);
      byFault.forEach((k, v) -> System.out.println("  " + k + ": " + v));
      assertTrue(outcomes.getOrDefault(SagaPhase.COMPLETED, 0) > 0 && outcomes.getOrDefault(SagaPhase.ROLLED_BACK, 0) > 0, outcomes.toString());
      // a migration refused at its reservation (a full site) rolls back before its fault's step
      assertTrue(injection.forwardStruck > MIGRATIONS / 2, "most migrations met their fault: " + injection.forwardStruck);

      // every workload is still the same process, and still counting
      for (String name : workloads.keySet()) {
        long before = EmulatedMigrationTest.count(counters.get(name));
        assertTrue(before > countedAtStart.get(name), name + "'s counter went on during the migrations");
        Polling.until(Duration.ofSeconds(5), name + "'s counter going on", () -> EmulatedMigrationTest.count(counters.get(name)) > before);
      }
    } finally {
      workloads.values().forEach(Process::destroyForcibly);
    }
  }
}
