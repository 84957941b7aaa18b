package org.vmflock.emulate.apps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.emulate.lab.FederationSpec;

/**
 * Captures a program's packets on one site of the lab, as the NPB samples were: one VM per rank,
 * {@code tcpdump} on the site's bridge (every frame between two VMs once), each frame cut to its
 * first {@value #SNAP_LENGTH} bytes (Ethernet, IPv4 and TCP headers: enough to tell data from
 * acknowledgements), its wire length kept. What {@code predict runtime --capture} reads.
 */
public final class ProgramCapture {

  /** Ethernet (14) + IPv4 (20) + TCP without options (20). */
  static final int SNAP_LENGTH = 54;
  private static final Duration STARTUP = Duration.ofSeconds(10);

  private ProgramCapture() {}

  /** What a capture run produced. */
  public record Captured(Path pcap, Path vms, double wallSeconds, double loadAverage, String at, MpiOutcome outcome) {}

  /**
   * Runs {@code program} on {@code ranks} VMs of one site in a new lab, capturing into
   * {@code DIR/<program>.<ranks>.pcap}, and writes the VMs' address plan as {@code DIR/<program>.<ranks>.vms.csv}.
   *
   * @throws IllegalStateException when the run is not verified (its reason) or tcpdump failed
   */
  public static Captured capture(MpiProgram program, int ranks, Path dir, Path workDir, Duration timeout) throws InterruptedException {
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("s").build())) {
      List<EmulatedVm> vms = new ArrayList<>();
      for (int i = 1; i <= ranks; i++) {
        vms.add(lab.addVm("vm" + i, "s"));
      }
      Files.createDirectories(dir);
      String base = program.name() + "." + ranks;
      Path pcap = dir.resolve(base + ".pcap").toAbsolutePath();
      Path plan = dir.resolve(base + ".vms.csv");
      StringBuilder csv = new StringBuilder("vm,ip,mac\n");
      for (EmulatedVm v : vms) {
        csv.append(v.name()).append(',').append(v.ip()).append(',').append(v.mac()).append('\n');
      }
      Files.writeString(plan, csv);
      Path log = workDir.resolve("tcpdump.log");
      Files.createDirectories(workDir);
      Process tcpdump = lab.siteProcessBuilder("s", List.of("tcpdump", "-i", EmulatedFederation.BRIDGE, "-n", "-U",
              "-s", Integer.toString(SNAP_LENGTH), "-w", pcap.toString(), "ip"))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        awaitListening(tcpdump, log);
        double load = Machine.loadAverage();
        String at = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        MpiOutcome outcome;
        try (MpiRun run = MpiRun.start(lab, program, vms, workDir.resolve("run"))) {
          outcome = run.await(timeout);
        }
        if (!outcome.verified()) {
          throw new IllegalStateException("capture of " + program.name() + ": " + outcome.reason());
        }
        return new Captured(pcap, plan, outcome.wallSeconds(), load, at, outcome);
      } finally {
        tcpdump.destroy(); // SIGTERM: tcpdump flushes its file and exits
        if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
          tcpdump.destroyForcibly();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void awaitListening(Process tcpdump, Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains("listening on")) {
        return;
      }
      if (!tcpdump.isAlive()) {
        throw new IllegalStateException("tcpdump ended: " + Files.readString(log).strip());
      }
      tcpdump.waitFor(50, TimeUnit.MILLISECONDS);
    }
    throw new IllegalStateException("tcpdump did not start listening within " + STARTUP.toSeconds() + " s");
  }
}
