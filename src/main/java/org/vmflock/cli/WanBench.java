package org.vmflock.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.ForwarderTiming;
import org.vmflock.emulate.lab.LinkCounters;
import org.vmflock.emulate.lab.LinkProbe;
import org.vmflock.emulate.lab.WanLink;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.model.InvalidInputException;
import org.vmflock.scenario.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "wan",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the emulated WAN link against its configuration (needs root).",
      "Builds a lab of two sites linked by the userspace forwarder, one VM on each, then for every one-way",
      "delay: ping round trips (configured: twice the delay), and for every delay and rate: the goodput of one",
      "TCP connection (configured: the rate; TCP/IPv4 over Ethernet carries at most 1448/1514 = 0.956 of it).",
      "Last line: wan: worst RTT error E ms (tolerance T ms), goodput/rate from A to B."
    })
public final class WanBench implements Callable<Integer> {

  /** TCP payload per wire frame: 1448 of 1514 bytes with timestamps (MSS 1448, headers 14 + 20 + 32). */
  private static final double TCP_CEILING = 1448.0 / 1514;

  @Option(names = "--delays", split = ",", defaultValue = "1ms,5ms,10ms", converter = DurationConverter.class,
      description = "One-way delays (default ${DEFAULT-VALUE}).")
  List<Duration> delays;

  @Option(names = "--rates", split = ",", defaultValue = "100Mbps,1Gbps", description = "Rates (default ${DEFAULT-VALUE}).")
  List<String> rates;

  @Option(names = "--pings", defaultValue = "50", description = "Pings per delay (default ${DEFAULT-VALUE}).")
  int pings;

  @Option(names = "--ping-interval", defaultValue = "20ms", converter = DurationConverter.class,
      description = "Between two pings (default ${DEFAULT-VALUE}).")
  Duration pingInterval;

  @Option(names = "--warmup", defaultValue = "1s", converter = DurationConverter.class,
      description = "TCP: left out of the measure, for slow start (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--measure", defaultValue = "2s", converter = DurationConverter.class,
      description = "TCP: measured after the warm-up (default ${DEFAULT-VALUE}).")
  Duration measure;

  @Option(names = "--realtime-priority", defaultValue = "10",
      description = "SCHED_FIFO priority of the forwarders, 0 for none (default ${DEFAULT-VALUE}).")
  int realtimePriority;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<Long> bitRates = rates.stream().map(WanBench::bitsPerSecond).toList();
    if (pings < 1 || pings > 10_000 || delays.isEmpty()) {
      throw new InvalidInputException("--pings", "1 to 10000 pings per delay, at least one delay");
    }
    ForwarderTiming timing;
    try {
      timing = new ForwarderTiming(realtimePriority, ForwarderTiming.DEFAULT.spin());
      delays.forEach(d -> WanLinkSpec.of(d, bitRates.get(0)));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("wan", e.getMessage());
    }
    String problem = EmulatedFederation.unavailableReason();
    if (!problem.isEmpty()) {
      throw new EnvironmentException(problem);
    }
    out.printf(Locale.ROOT, "machine: %d cores, load average %s (1, 5, 15 min); forwarder %s, spinning the last %d us%n",
        Runtime.getRuntime().availableProcessors(), MachineLoad.loadAverage(),
        timing.realtimePriority() > 0 ? "SCHED_FIFO " + timing.realtimePriority() : "not real-time", timing.spin().toNanos() / 1000);
    double worstError = 0;
    double worstTolerance = 0;
    double lowest = Double.MAX_VALUE;
    double highest = 0;
    long lateMaxNanos;
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").timing(timing)
        .linkAll(WanLinkSpec.of(delays.get(0), bitRates.get(0))).build())) {
      EmulatedVm from = lab.addVm("vm1", "a");
      EmulatedVm to = lab.addVm("vm2", "b");
      WanLink link = lab.link("a", "b");
      out.println();
      out.println("| one-way delay | configured RTT | measured RTT: median | mean | p95 | max | median - configured | tolerance (5 % + 0.2 ms) |");
      out.println("|---|---|---|---|---|---|---|---|");
      for (Duration delay : delays) {
        WanLinkSpec s = WanLinkSpec.of(delay, bitRates.get(bitRates.size() - 1));
        link.reconfigure(s);
        double[] ms = LinkProbe.pingRoundTrips(from, to, pings, pingInterval).stream().mapToDouble(d -> d.toNanos() / 1e6).sorted().toArray();
        double configured = s.roundTrip().toNanos() / 1e6;
        double median = quantile(ms, 0.5);
        double tolerance = 0.05 * configured + 0.2;
        if (Math.abs(median - configured) >= worstError) {
          worstError = Math.abs(median - configured);
          worstTolerance = tolerance;
        }
        out.printf(Locale.ROOT, "| %s | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %.3f ms | %+.3f ms | %.3f ms |%n", DurationConverter.human(delay),
            configured, median, java.util.Arrays.stream(ms).average().orElse(0), quantile(ms, 0.95), ms[ms.length - 1],
            median - configured, tolerance);
        out.flush();
      }
      out.println();
      out.println("| rate | one-way delay | TCP goodput | goodput / rate | forwarder's mean lateness | drops |");
      out.println("|---|---|---|---|---|---|");
      for (long rate : bitRates) {
        for (Duration delay : delays) {
          link.reconfigure(WanLinkSpec.of(delay, rate));
          LinkCounters.Direction before = link.counters().aToB();
          LinkProbe.Goodput g = LinkProbe.tcpGoodput(from, to, warmup, measure);
          LinkCounters.Direction during = link.counters().aToB().since(before);
          double ratio = g.bitsPerSecond() / rate;
          lowest = Math.min(lowest, ratio);
          highest = Math.max(highest, ratio);
          out.printf(Locale.ROOT, "| %s | %s | %.1f Mbit/s | %.3f | %.1f us | %d |%n", describe(rate), DurationConverter.human(delay),
              g.bitsPerSecond() / 1e6, ratio, during.lateMeanNanos() / 1e3, during.drops());
          out.flush();
        }
      }
      lateMaxNanos = Math.max(link.counters().aToB().lateMaxNanos(), link.counters().bToA().lateMaxNanos());
    }
    out.println();
    out.printf(Locale.ROOT, "the latest a frame left after its due time, over the whole run: %.2f ms%n", lateMaxNanos / 1e6);
    out.printf(Locale.ROOT, "load average after: %s; TCP's ceiling: goodput/rate = %.3f%n", MachineLoad.loadAverage(), TCP_CEILING);
    out.printf(Locale.ROOT, "wan: worst RTT error %.3f ms (tolerance %.3f ms), goodput/rate from %.3f to %.3f%n", worstError, worstTolerance, lowest, highest);
    return ExitCode.OK;
  }

  static long bitsPerSecond(String text) {
    try {
      return Math.round(Units.bytesPerSecond(text) * 8);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--rates", e.getMessage());
    }
  }

  private static String describe(long bitsPerSecond) {
    return bitsPerSecond % 1_000_000_000L == 0 ? bitsPerSecond / 1_000_000_000L + " Gbit/s"
        : bitsPerSecond % 1_000_000L == 0 ? bitsPerSecond / 1_000_000L + " Mbit/s" : bitsPerSecond + " bit/s";
  }

  private static double quantile(double[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

}
