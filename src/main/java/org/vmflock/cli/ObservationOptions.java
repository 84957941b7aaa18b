package org.vmflock.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** What replay and capture share: the VMs, where the results go, the period, progress. */
public final class ObservationOptions {

  @Option(names = "--vms", required = true, paramLabel = "VMS.csv", description = "The VMs: columns vm,ip,mac[,site].")
  Path vms;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (must be empty unless --force).")
  Path out;

  @Option(names = "--period", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Statistics period (default: vmflock.monitor.period, 30s).")
  Duration period;

  @Option(names = "--force", description = "Replace a non-empty output directory.")
  boolean force;

  @Option(names = {"-q", "--quiet"}, description = "No progress lines.")
  boolean quiet;
}
