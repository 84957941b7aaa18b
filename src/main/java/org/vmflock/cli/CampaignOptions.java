package org.vmflock.cli;

import java.time.Duration;
import java.util.List;
import org.vmflock.emulate.apps.MeasurementCampaign;
import org.vmflock.emulate.apps.MpiProgram;
import picocli.CommandLine.Option;

/** The measured dataset's levels, shared by {@code bench apps --measure} and {@code emulate --measure}. */
public final class CampaignOptions {

  /** The options' names: {@code emulate} refuses them without {@code --measure}. */
  static final List<String> NAMES = List.of("--delays", "--rates", "--placements", "--repetitions");

  @Option(names = "--delays", split = ",", defaultValue = "0ms,1ms,2ms,5ms,10ms", converter = DurationConverter.class,
      description = "Campaign: one-way delays (default ${DEFAULT-VALUE}).")
  List<Duration> delays;

  @Option(names = "--rates", split = ",", defaultValue = "1Gbps,100Mbps", description = "Campaign: rates (default ${DEFAULT-VALUE}).")
  List<String> rates;

  @Option(names = "--placements", split = ",", defaultValue = "one-site,along,against",
      description = "Campaign: placement kinds (default ${DEFAULT-VALUE}).")
  List<String> placements;

  @Option(names = "--repetitions", defaultValue = "3", description = "Campaign: repetitions (default ${DEFAULT-VALUE}).")
  int repetitions;

  /** The campaign of {@code programs} on {@code ranks} at these levels. */
  MeasurementCampaign.Plan plan(List<MpiProgram> programs, int ranks, long seed, Duration timeout) {
    return new MeasurementCampaign.Plan(programs, ranks, delays, rates.stream().map(WanBench::bitsPerSecond).toList(),
        placements.stream().map(MeasurementCampaign.PlacementKind::parse).toList(), repetitions, seed, timeout);
  }
}
