package org.vmflock.cli;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.vmflock.clock.Clock;
import org.vmflock.clock.Sleeper;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.VmInventory;
import org.vmflock.node.Replay;
import org.vmflock.monitor.capture.Pace;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.VmflockNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replays pcap/pcapng captures through the monitoring plane and exports the statistics.",
      "The frames (gzipped or not) go through the sensors and the sites' collectors with their journal, and a",
      "query reads the result back. Writes total.{packets,bytes}.csv, periods/, stats.xml, stats.json and",
      "heatmap.png into the output directory, and leaves the journal in OUT/journal."
    })
public final class ReplayCommand implements Callable<Integer> {

  @Option(names = "--pace", paramLabel = "max|realtime|xN", defaultValue = "max",
      description = "As fast as possible (default), at the capture's pace, or N times faster.")
  String pace;

  @Mixin ObservationOptions observation;

  @Mixin NodeOptions node;

  @Parameters(arity = "1..*", paramLabel = "PCAP", description = "Capture files, read in turn as one capture.")
  List<Path> captures;

  @Override
  public Integer call() throws Exception {
    VmInventory inventory = VmInventory.read(observation.vms);
    Pace p;
    try {
      p = Pace.parse(pace);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--pace", e.getMessage());
    }
    for (Path c : captures) {
      if (!Files.isRegularFile(c)) {
        throw new InvalidInputException(c.toString(), "no such capture file");
      }
    }
    Progress progress = new Progress(observation.quiet);
    try (OutputDirectory output = OutputDirectory.prepare(observation.out, observation.force)) {
      Config config = node.load(overrides(output.staging().resolve("journal"), observation.period));
      Replay.Result result;
      try (VmflockNode n = VmflockNode.start("vmflock-replay", config, Clock.system())) {
        result = Replay.run(n, inventory, captures, p, Clock.system(), Sleeper.system(), progress::replay);
        Observations.write(output.staging(), result.statistics(), inventory, n.monitorSettings().grid(), captures.get(0).getFileName().toString());
      }
      output.commit();
      progress.done(String.format(java.util.Locale.ROOT,
          "replayed %,d frames over %d period(s) of %s in %.1f s; results in %s", result.frames(),
          result.lastPeriod() - result.firstPeriod() + 1, DurationConverter.human(config.getDuration("vmflock.monitor.period")),
          result.elapsed().toMillis() / 1000.0, output.target()));
      Observations.warnAboutSensors(result.sensors(), progress);
    }
    return ExitCode.OK;
  }

  /**
   * The journal in the output directory, and the period. A one-shot command is a cluster of its own
   * on a free port, whatever cluster the configuration describes.
   */
  static Map<String, Object> overrides(Path journal, Duration period) {
    Map<String, Object> o = new HashMap<>(NodeConfig.h2JournalAt(journal));
    o.put("pekko.remote.artery.canonical.port", 0);
    o.put("pekko.cluster.seed-nodes", java.util.List.of());
    if (period != null) {
      o.put("vmflock.monitor.period", DurationConverter.toConfig(period));
    }
    return o;
  }
}
