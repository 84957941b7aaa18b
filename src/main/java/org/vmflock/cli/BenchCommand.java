package org.vmflock.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Benchmarks; each prints its figures against a reference measured in the same run. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {"Runs benchmarks.", "Each prints its figures as ratios against a reference run in the same invocation."},
    subcommands = {EstimatorBench.class, SimulateBench.class, SensorBench.class, PlanBench.class, ManagerBench.class, FuzzBench.class, JournalBench.class, QemuMigrationBench.class,
        FaultsBench.class, CrashBench.class, WanBench.class, MigrateBench.class, AppsBench.class, ClusterBench.class})
public final class BenchCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a benchmark (see vmflock bench --help)");
  }
}
