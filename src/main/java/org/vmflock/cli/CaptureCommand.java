package org.vmflock.cli;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmflock.clock.Clock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.VmInventory;
import org.vmflock.node.LiveMonitoring;
import org.vmflock.monitor.capture.LiveCapture;
import org.vmflock.monitor.capture.NetworkNamespace;
import org.vmflock.monitor.capture.NetworkNamespaceException;
import org.vmflock.node.VmflockNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "capture",
    mixinStandardHelpOptions = true,
    description = {
      "Captures live traffic through the monitoring plane and exports the statistics.",
      "Writes the same results as replay. One capture per host: --interface BRIDGE (promiscuous, demultiplexed by MAC);",
      "or one per VM: --interface VM=TAP for each VM. Runs for --duration, or until interrupted (Ctrl-C).",
      "Needs root (or CAP_NET_RAW and CAP_NET_ADMIN) and libpcap0.8."
    })
public final class CaptureCommand implements Callable<Integer> {

  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  @Option(names = "--interface", required = true, paramLabel = "IF|VM=IF",
      description = "The host's bridge, or VM=IF per VM (repeatable).")
  List<String> interfaces;

  @Option(names = "--duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "How long to capture (default: until interrupted).")
  Duration duration;

  @Option(names = "--netns", paramLabel = "NAME", description = "Capture inside this network namespace (ip netns).")
  String netns;

  @Option(names = "--host", paramLabel = "NAME", defaultValue = "host1", description = "This host's name in the reports (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--filter", paramLabel = "BPF", description = "BPF filter (tcpdump syntax); default vmflock.monitor.capture.filter.")
  String filter;

  @Mixin ObservationOptions observation;

  @Mixin NodeOptions node;

  @Override
  public Integer call() throws Exception {
    VmInventory inventory = VmInventory.read(observation.vms);
    List<LiveCapture.Interface> itfs = interfaces.stream().map(LiveCapture.Interface::parse).toList();
    Optional<String> ns = Optional.ofNullable(netns);
    if (ns.isPresent() && !NetworkNamespace.exists(ns.get())) {
      throw new InvalidInputException("--netns " + netns, "no such network namespace (see ip netns list)");
    }
    try {
      LiveCapture.requireLibpcap();
    } catch (LiveCapture.CaptureUnavailableException e) {
      throw new EnvironmentException(e.getMessage());
    }
    Progress progress = new Progress(observation.quiet);
    try (Interruption interruption = Interruption.install("capture", Duration.ofSeconds(60));
        OutputDirectory output = OutputDirectory.prepare(observation.out, observation.force)) {
      java.util.Map<String, Object> overrides = ReplayCommand.overrides(output.staging().resolve("journal"), observation.period);
      if (filter != null) {
        overrides.put("vmflock.monitor.capture.filter", filter);
      }
      Config config = node.load(overrides);
      LiveMonitoring.Result result;
      try (VmflockNode n = VmflockNode.start("vmflock-capture", config, Clock.system());
          LiveMonitoring live = start(n, inventory, itfs, ns)) {
        progress.line("capturing on " + interfaces + ns.map(x -> " in " + x).orElse("")
            + (duration != null ? " for " + DurationConverter.human(duration) : " until interrupted (Ctrl-C)"));
        Clock clock = n.clock();
        Optional<java.time.Instant> deadline = Optional.ofNullable(duration).map(d -> clock.now().plus(d));
        while (deadline.map(d -> clock.now().isBefore(d)).orElse(true)) {
          long waitMillis = deadline.map(d -> Math.max(1, Math.min(PROGRESS_EVERY.toMillis(), d.toEpochMilli() - clock.epochMillis())))
              .orElse(PROGRESS_EVERY.toMillis());
          if (interruption.await(Duration.ofMillis(waitMillis))) {
            break;
          }
          progress.line(String.format(Locale.ROOT, "capture: %,d frames", live.frames()));
        }
        result = live.stop();
        Observations.write(output.staging(), result.statistics(), inventory, n.monitorSettings().grid(), String.join(",", interfaces));
      }
      output.commit();
      progress.done(String.format(Locale.ROOT, "captured %,d frames over %d period(s); results in %s", result.frames(),
          result.lastPeriod() - result.firstPeriod() + 1, output.target()));
      Observations.warnAboutSensors(result.sensors(), progress);
    }
    return ExitCode.OK;
  }

  private LiveMonitoring start(VmflockNode n, VmInventory inventory, List<LiveCapture.Interface> itfs, Optional<String> ns) {
    try {
      return LiveMonitoring.start(n, inventory, host, itfs, ns, n.clock());
    } catch (LiveCapture.CaptureUnavailableException | NetworkNamespaceException e) {
      throw new EnvironmentException(e.getMessage(), e);
    }
  }
}
