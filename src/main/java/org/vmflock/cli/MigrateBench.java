package org.vmflock.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmflock.clock.ManualClock;
import org.vmflock.emulate.EmulatedActuator;
import org.vmflock.emulate.LabInvariants;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.LinkCounters;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.MigrationStep;
import org.vmflock.execute.SagaEvent;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.SagaRunner;
import org.vmflock.execute.StepProgress;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.scenario.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = {
      "Real live migrations in the emulated federation against the planner's pre-copy model (needs root).",
      "Two sites joined by one link; for every memory size and dirty rate, a VM running a workload that holds that",
      "memory and dirties it at that rate migrates from one site to the other through the saga and the emulated",
      "actuator, --repetitions times (back and forth). Prints, per case, the median observed migration time",
      "(first pre-copy byte to the network update's end), pause (freeze to thaw), bytes sent and rounds, next to",
      "what the textbook pre-copy (QemuPreCopyModel.Settings.ideal) predicts for the same memory (the VM's resident bytes), dirty rate and link.",
      "Last line: migrate: observed/predicted time from A to B."
    })
public final class MigrateBench implements Callable<Integer> {

  private static final long MIB = 1L << 20;
  /** The switch-over the textbook model adds to the last copy: pausing, resuming, updating the network (the textbook model's resume). */
  private static final Duration SWITCHOVER = Duration.ofMillis(100);
  private static final Duration RESIDENT_TIMEOUT = Duration.ofSeconds(60);

  @Option(names = "--memory", split = ",", defaultValue = "64,256", description = "VM memory sizes in MiB (default ${DEFAULT-VALUE}).")
  List<Long> memoryMib;

  @Option(names = "--dirty-rates", split = ",", defaultValue = "0MB/s,16MB/s,64MB/s",
      description = "Rates at which the workload dirties its memory (default ${DEFAULT-VALUE}).")
  List<String> dirtyRates;

  @Option(names = "--delay", defaultValue = "5ms", converter = DurationConverter.class, description = "The link's one-way delay (default ${DEFAULT-VALUE}).")
  Duration delay;

  @Option(names = "--rate", defaultValue = "1Gbps", description = "The link's rate (default ${DEFAULT-VALUE}).")
  String rate;

  @Option(names = "--repetitions", defaultValue = "3", description = "Migrations per case (default ${DEFAULT-VALUE}).")
  int repetitions;

  @Option(names = "--target-downtime", defaultValue = "300ms", converter = DurationConverter.class,
      description = "Pre-copy stops once the dirty set takes less than this to send (default ${DEFAULT-VALUE}, the model's).")
  Duration targetDowntime;

  @Option(names = "--dirty-tracking", defaultValue = "PAGE_CONTENTS",
      description = "PAGE_CONTENTS (measured from the VM's pages) or ORDER_RATE (the dirty rate given) (default ${DEFAULT-VALUE}).")
  EmulatedActuator.DirtyTracking tracking;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** One migration as observed. */
  private record Observed(double seconds, double pauseSeconds, double bytes, long linkBytes, int rounds, double measuredDirtyRate,
      Map<MigrationStep, Double> stepSeconds) {}

  /** The steps whose durations the second table shows. */
  private static final List<MigrationStep> TIMED = List.of(MigrationStep.RESERVE, MigrationStep.PRECOPY, MigrationStep.STOP_AND_COPY,
      MigrationStep.COMMIT, MigrationStep.ACTIVATE, MigrationStep.NETWORK_UPDATE, MigrationStep.RELEASE_SOURCE);

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    long bitsPerSecond;
    List<Double> rates;
    QemuPreCopyModel.Policy rules;
    try {
      bitsPerSecond = Math.round(Units.bytesPerSecond(rate) * 8);
      rates = dirtyRates.stream().map(Units::bytesPerSecond).toList();
      rules = new QemuPreCopyModel.Policy(1.0, targetDowntime);
      WanLinkSpec.of(delay, bitsPerSecond);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("migrate", e.getMessage());
    }
    if (repetitions < 1 || repetitions > 100 || memoryMib.stream().anyMatch(m -> m < 1 || m > 16 * 1024)) {
      throw new InvalidInputException("migrate", "1 to 100 repetitions, memory sizes from 1 to 16384 MiB");
    }
    String problem = EmulatedFederation.unavailableReason();
    if (!problem.isEmpty()) {
      throw new EnvironmentException(problem);
    }
    out.printf(Locale.ROOT, "machine: %d cores, load average %s (1, 5, 15 min); link %s one way, %s; dirty set %s; target downtime %s%n",
        Runtime.getRuntime().availableProcessors(), MachineLoad.loadAverage(), DurationConverter.human(delay), rate,
        tracking == EmulatedActuator.DirtyTracking.PAGE_CONTENTS ? "measured from the VM's page contents" : "from the dirty rate given",
        DurationConverter.human(targetDowntime));
    out.println();
    out.println("| memory | dirty rate | measured dirty rate | rounds: observed / model | bytes: observed (on the link) / model"
        + " | time: observed / model | pause: observed / model |");
    out.println("|---|---|---|---|---|---|---|");
    QemuPreCopyModel model = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(SWITCHOVER, EmulatedActuator.Settings.DEFAULT_MAX_ROUNDS), rules);
    NetworkPath path = new NetworkPath(delay, bitsPerSecond / 8.0);
    double lowest = Double.MAX_VALUE;
    double highest = 0;
    List<String> stepRows = new ArrayList<>();
    Path work = Files.createTempDirectory("vmflock-bench-migrate-");
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b")
        .link("a", "b", WanLinkSpec.of(delay, bitsPerSecond)).build())) {
      ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
      EmulatedActuator.Settings settings = EmulatedActuator.Settings.defaults().withDirtyTracking(tracking);
      settings = new EmulatedActuator.Settings(rules, settings.maxRounds(), tracking, settings.roundTimeoutMargin(), settings.roundTimeoutFactor(),
          settings.leaseMargin(), settings.leaseFactor(), settings.reachTimeout());
      EmulatedActuator actuator = new EmulatedActuator(lab, Map.of("a", 1, "b", 1), clock, settings, EmulatedActuator.Faults.NONE);
      int n = 0;
      for (long mib : memoryMib) {
        for (double dirty : rates) {
          String name = "vm" + (++n);
          EmulatedVm vm = lab.addVm(name, "a");
          Process workload = vm.memoryWorkload(mib * MIB, Math.round(dirty), work.resolve(name)).redirectErrorStream(true).start();
          try {
            awaitResident(vm, mib * MIB, workload);
            List<Observed> runs = new ArrayList<>();
            long resident = 0;
            for (int r = 0; r < repetitions; r++) {
              resident = vm.residentBytes();
              String from = vm.site();
              String to = from.equals("a") ? "b" : "a";
              Vm size = new Vm(name, "bench", 1, resident, dirty);
              MigrationOrder order = new MigrationOrder(name + "-" + r, "bench", name, size, from, to, model.estimate(size, path), clock.now());
              runs.add(migrate(lab, actuator, clock, order));
              List<String> wrong = LabInvariants.violations(lab, actuator);
              if (!wrong.isEmpty() || !workload.isAlive()) {
                throw new IllegalStateException("after " + order + ": " + (workload.isAlive() ? wrong : "the workload died"));
              }
            }
            Observed o = median(runs);
            MigrationEstimate e = model.estimate(new Vm(name, "bench", 1, resident, dirty), path);
            double ratio = o.seconds() / e.totalSeconds();
            lowest = Math.min(lowest, ratio);
            highest = Math.max(highest, ratio);
            out.printf(Locale.ROOT, "| %.1f MiB | %s | %s | %d / %d | %.1f MB (%.1f) / %.1f MB | %.3f s / %.3f s | %.0f ms / %.0f ms |%n",
                resident / (double) MIB, Units.describeBytesPerSecond(dirty), Units.describeBytesPerSecond(o.measuredDirtyRate()), o.rounds(),
                e.rounds(), o.bytes() / 1e6, o.linkBytes() / 1e6, e.bytesMoved() / 1e6, o.seconds(), e.totalSeconds(), o.pauseSeconds() * 1000,
                e.downtimeSeconds() * 1000);
            out.flush();
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %.1f MiB | %s |", resident / (double) MIB,
                Units.describeBytesPerSecond(dirty)));
            TIMED.forEach(step -> row.append(String.format(Locale.ROOT, " %.0f ms |", o.stepSeconds().get(step) * 1000)));
            stepRows.add(row.toString());
          } finally {
            workload.destroyForcibly();
            workload.waitFor();
            lab.removeVm(name);
          }
        }
      }
    } finally {
      try (var files = Files.list(work)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(work);
    }
    out.println();
    out.println("where the time goes, each step's median duration:");
    out.println();
    StringBuilder header = new StringBuilder("| memory | dirty rate |");
    TIMED.forEach(step -> header.append(' ').append(step.name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(" |"));
    out.println(header);
    out.println("|---|---|" + "---|".repeat(TIMED.size()));
    stepRows.forEach(out::println);
    out.println();
    out.printf(Locale.ROOT, "load average after: %s; medians of %d migrations per case%n", MachineLoad.loadAverage(), repetitions);
    out.printf(Locale.ROOT, "migrate: observed/predicted time from %.2f to %.2f%n", lowest, highest);
    return ExitCode.OK;
  }

  private static void awaitResident(EmulatedVm vm, long bytes, Process workload) throws InterruptedException {
    long deadline = System.nanoTime() + RESIDENT_TIMEOUT.toNanos();
    while (vm.residentBytes() < bytes) {
      if (!workload.isAlive() || System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the workload of " + vm.name() + " did not hold " + bytes + " bytes resident");
      }
      Thread.sleep(10);
    }
  }

  /** One migration through the saga; what it took. */
  private static Observed migrate(EmulatedFederation lab, EmulatedActuator actuator, ManualClock clock, MigrationOrder order) {
    List<StepProgress> progress = new ArrayList<>();
    LinkCounters before = lab.link(order.from(), order.to()).counters();
    SagaRunner.SagaRun run = new SagaRunner(actuator.reportingProgressTo(progress::add), clock).run(order);
    LinkCounters after = lab.link(order.from(), order.to()).counters();
    if (run.state().phase() != SagaPhase.COMPLETED) {
      throw new IllegalStateException("migration " + order + " did not complete: " + run.state().reason().orElse(""));
    }
    Instant frozen = null;
    Instant thawed = null;
    Map<MigrationStep, Double> stepSeconds = new java.util.EnumMap<>(MigrationStep.class);
    for (SagaEvent e : run.events()) {
      if (e instanceof SagaEvent.StepSucceeded s) {
        stepSeconds.merge(s.step(), s.took().toNanos() / 1e9, Double::sum);
      }
      if (e instanceof SagaEvent.StepStarted s && s.step() == MigrationStep.STOP_AND_COPY && frozen == null) {
        frozen = s.at();
      }
      if (e instanceof SagaEvent.StepSucceeded s && s.step() == MigrationStep.ACTIVATE) {
        thawed = s.at();
      }
    }
    double measuredDirty = progress.stream().filter(p -> p.round() == 1).mapToDouble(StepProgress::dirtyBytesPerSecond).findFirst().orElse(0);
    long linkBytes = order.from().equals(after.siteA()) ? after.aToB().bytes() - before.aToB().bytes() : after.bToA().bytes() - before.bToA().bytes();
    return new Observed(run.state().observed().totalSeconds(), Duration.between(frozen, thawed).toNanos() / 1e9, run.state().bytesMoved(),
        linkBytes, run.state().rounds(), measuredDirty, stepSeconds);
  }

  /** Each figure's median over the runs. */
  private static Observed median(List<Observed> runs) {
    Map<MigrationStep, Double> steps = new java.util.EnumMap<>(MigrationStep.class);
    TIMED.forEach(step -> steps.put(step, median(runs, o -> o.stepSeconds().getOrDefault(step, 0.0))));
    return new Observed(median(runs, Observed::seconds), median(runs, Observed::pauseSeconds), median(runs, Observed::bytes),
        Math.round(median(runs, o -> o.linkBytes())), (int) Math.round(median(runs, o -> o.rounds())), median(runs, Observed::measuredDirtyRate),
        steps);
  }

  private static double median(List<Observed> runs, java.util.function.ToDoubleFunction<Observed> f) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

}
