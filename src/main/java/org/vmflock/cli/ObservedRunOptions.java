package org.vmflock.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.vmflock.model.InvalidInputException;
import picocli.CommandLine.Option;

/** The options naming an application's run observed on one site, for {@code predict runtime} and {@code plan}. */
final class ObservedRunOptions {

  @Option(names = "--capture", arity = "1..*", paramLabel = "PCAP",
      description = "Captures of the application's run on one site (pcap or pcapng, gzipped or not).")
  List<Path> captures;

  @Option(names = "--vms", paramLabel = "VMS.csv", description = "With --capture: the captured VMs (vm,ip,mac, as replay takes it), in the application's VM order.")
  Path vms;

  @Option(names = "--traffic", paramLabel = "BYTES.csv", description = "Without a capture: VM x VM bytes of the run (row = sender).")
  Path traffic;

  @Option(names = "--packets", paramLabel = "PACKETS.csv", description = "With --traffic: VM x VM frames of the same run.")
  Path packets;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "The run's wall time on one site (with --traffic: required; with --capture: default the capture's span).")
  Duration duration;

  /** The run the options name; empty when they name none. */
  Optional<ObservedRun> read() {
    if (captures != null && traffic != null) {
      throw new InvalidInputException("--traffic", "give either --traffic or --capture, not both");
    }
    if (captures != null) {
      if (packets != null) {
        throw new InvalidInputException("--packets", "goes with --traffic, not --capture (the capture has the frames)");
      }
      return Optional.of(ObservedRun.captured(captures, vms, Optional.ofNullable(duration)));
    }
    if (traffic != null) {
      return Optional.of(ObservedRun.matrices(traffic, Optional.ofNullable(packets), duration));
    }
    if (packets != null || vms != null) {
      throw new InvalidInputException(packets != null ? "--packets" : "--vms", "goes with --traffic or --capture");
    }
    return Optional.empty();
  }

  /** Whether a run is named (by captures or a matrix). */
  boolean names() {
    return captures != null || traffic != null;
  }

  /** The option that named the run, for messages. */
  String source() {
    return captures != null ? "--capture" : "--traffic";
  }
}
