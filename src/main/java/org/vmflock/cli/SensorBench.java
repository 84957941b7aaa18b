package org.vmflock.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.vmflock.clock.Clock;
import org.vmflock.clock.Sleeper;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmInventory;
import org.vmflock.node.Replay;
import org.vmflock.monitor.capture.CaptureFileReader;
import org.vmflock.monitor.capture.CaptureFormatException;
import org.vmflock.monitor.capture.LiveCapture;
import org.vmflock.monitor.capture.Pace;
import org.vmflock.monitor.capture.PcapWriter;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.node.VmflockNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "sensor",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the sensor's counting path against tcpdump.",
      "Frames per second of the counting path (capture reader + per-VM counters) on a capture,",
      "against tcpdump -r PCAP -w /dev/null on the same file in the same run; also the stock Pcap4J offline",
      "loop and the end-to-end replay through sensors and collectors. Last line: sensor/tcpdump = R."
    })
public final class SensorBench implements Callable<Integer> {

  private static final double MEGA = 1e6;

  @Parameters(arity = "0..1", paramLabel = "PCAP", description = "Capture (default: samples/npb/cg.A.4.pcap.gz).")
  Path capture;

  @Option(names = "--vms", paramLabel = "VMS.csv", description = "The VMs (default: vms4.csv beside the capture, else samples/npb/vms4.csv).")
  Path vms;

  @Option(names = "--seconds", defaultValue = "3", description = "Time spent measuring each path (default ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--replay-copies", defaultValue = "20",
      description = "The end-to-end replay reads the capture this many times in a row, shifted in time (default ${DEFAULT-VALUE}).")
  int copies;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path file = capture != null ? capture : Samples.file("cg.A.4.pcap.gz");
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file.toString(), "no such capture file");
    }
    Path vmsFile = vms != null ? vms : Files.isRegularFile(sibling(file, "vms4.csv")) ? sibling(file, "vms4.csv") : Samples.file("vms4.csv");
    VmInventory inventory = VmInventory.read(vmsFile);
    Path tmp = Files.createTempDirectory("vmflock-bench-");
    try {
      // both sides read the same plain pcap: tcpdump reads no gzip
      Path plain = tmp.resolve("capture.pcap");
      long frames = copy(file, plain, 1);
      out.printf(Locale.ROOT, "capture: %s, %,d frames, %.1f MB uncompressed%n", file.getFileName(), frames, Files.size(plain) / MEGA);
      double sensor = rate(frames, () -> countWithVmflock(plain, inventory));
      out.printf(Locale.ROOT, "sensor counting path (vmflock reader + per-VM counters): %.2f M frames/s%n", sensor / MEGA);
      out.flush();
      double pcap4j = pcap4jRate(plain, inventory, frames);
      if (pcap4j > 0) {
        out.printf(Locale.ROOT, "Pcap4J offline loop + the same counters: %.2f M frames/s%n", pcap4j / MEGA);
      } else {
        out.println("Pcap4J offline loop: not measured (libpcap missing: apt-get install libpcap0.8)");
      }
      out.flush();
      double e2e = endToEnd(plain, tmp, inventory, frames, out);
      double tcpdump = rate(frames, () -> tcpdump(plain));
      out.printf(Locale.ROOT, "tcpdump -r PCAP -w /dev/null (reference, process start included): %.2f M frames/s%n", tcpdump / MEGA);
      out.printf(Locale.ROOT, "pcap4j/tcpdump = %.2f%n", pcap4j / tcpdump);
      out.printf(Locale.ROOT, "replay/tcpdump = %.2f%n", e2e / tcpdump);
      out.printf(Locale.ROOT, "sensor/tcpdump = %.2f%n", sensor / tcpdump);
      out.flush();
    } finally {
      OutputDirectory.deleteTree(tmp);
    }
    return ExitCode.OK;
  }

  private static Path sibling(Path file, String name) {
    Path parent = file.toAbsolutePath().getParent();
    return parent.resolve(name);
  }

  /** A unit of work whose frames per second are measured. */
  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  /** Runs {@code work} once to warm up, then repeatedly for at least the measuring time; frames per second. */
  private double rate(long framesPerRun, Work work) throws Exception {
    work.run();
    long budget = (long) (seconds * 1e9);
    long start = System.nanoTime();
    long runs = 0;
    long elapsed;
    do {
      work.run();
      runs++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < budget);
    return framesPerRun * runs / (elapsed / 1e9);
  }

  /** Writes the frames of {@code from} {@code copies} times into a plain pcap, each copy after the previous one; returns the frames of one copy. */
  private static long copy(Path from, Path to, int copies) throws IOException, CaptureFormatException {
    long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
    long frames = 0;
    try (CaptureFileReader r = CaptureFileReader.open(from)) {
      frames = r.read((ts, len, buf, off, cap) -> {
        span[0] = Math.min(span[0], ts);
        span[1] = Math.max(span[1], ts);
      }, Long.MAX_VALUE);
    }
    long shift = span[1] - span[0] + 1_000_000;
    try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(to), 1 << 20); PcapWriter w = new PcapWriter(o, 65_535)) {
      for (int c = 0; c < copies; c++) {
        long offset = c * shift;
        try (CaptureFileReader r = CaptureFileReader.open(from)) {
          r.read((ts, len, buf, off, cap) -> {
            try {
              w.write(ts + offset, buf, off, cap, len);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }, Long.MAX_VALUE);
        }
      }
    }
    return frames;
  }

  private static TrafficCounter counter(VmInventory inventory) {
    return new TrafficCounter("bench", PeriodGrid.of(java.time.Duration.ofSeconds(1)), inventory.vms(), List.of());
  }

  private static void countWithVmflock(Path plain, VmInventory inventory) throws IOException, CaptureFormatException {
    TrafficCounter counter = counter(inventory);
    try (CaptureFileReader r = CaptureFileReader.open(plain)) {
      while (r.read(counter, Long.MAX_VALUE) > 0) {
        // read to the end
      }
    }
    counter.drain();
  }

  private double pcap4jRate(Path plain, VmInventory inventory, long frames) throws Exception {
    try {
      LiveCapture.requireLibpcap();
    } catch (LiveCapture.CaptureUnavailableException e) {
      return 0;
    }
    return rate(frames, () -> {
      TrafficCounter counter = counter(inventory);
      PcapHandle h = Pcaps.openOffline(plain.toString(), PcapHandle.TimestampPrecision.MICRO);
      try {
        h.loop(-1, (byte[] data) -> {
          java.sql.Timestamp ts = h.getTimestamp();
          counter.frame(Math.floorDiv(ts.getTime(), 1000) * 1_000_000 + ts.getNanos() / 1000, h.getOriginalLength(), data, 0, data.length);
        });
      } finally {
        h.close();
      }
      counter.drain();
    });
  }

  /** The capture repeated, each copy shifted after the previous one, through a node's sensors and collectors. */
  private double endToEnd(Path plain, Path tmp, VmInventory inventory, long frames, PrintWriter out) throws Exception {
    Path longer = tmp.resolve("repeated.pcap");
    copy(plain, longer, copies);
    Map<String, Object> overrides = ReplayCommand.overrides(tmp.resolve("journal"), java.time.Duration.ofSeconds(1));
    try (VmflockNode n = VmflockNode.start("vmflock-bench", node.load(overrides), Clock.system())) {
      Replay.Result result = Replay.run(n, inventory, List.of(longer), Pace.MAX, Clock.system(), Sleeper.system(), p -> { });
      double rate = result.frames() / (result.elapsed().toNanos() / 1e9);
      out.printf(Locale.ROOT, "end-to-end replay through sensors and collectors (%,d frames, %d periods, journal included): %.2f M frames/s%n",
          result.frames(), result.lastPeriod() - result.firstPeriod() + 1, rate / MEGA);
      out.flush();
      return rate;
    }
  }

  private static void tcpdump(Path plain) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("tcpdump", "-r", plain.toString(), "-w", "/dev/null").redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new EnvironmentException("tcpdump is needed as the reference: apt-get install tcpdump");
    }
    p.getInputStream().transferTo(OutputStream.nullOutputStream());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("tcpdump -r " + plain + " failed");
    }
  }
}
