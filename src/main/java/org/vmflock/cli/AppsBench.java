package org.vmflock.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.vmflock.emulate.apps.MeasuredProfile;
import org.vmflock.emulate.apps.MeasurementCampaign;
import org.vmflock.emulate.apps.MpiProgram;
import org.vmflock.emulate.apps.MpiPrograms;
import org.vmflock.emulate.apps.ProfileMeasurement;
import org.vmflock.emulate.apps.ProgramCapture;
import org.vmflock.emulate.apps.SensingOverhead;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.model.InvalidInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "apps",
    mixinStandardHelpOptions = true,
    description = {
      "Real MPI programs in the emulated lab (needs root, Open MPI, lammps, hpcc, meep-openmpi).",
      "--profiles DIR: measures each program's profile on one site (traffic captured on the site's bridge, wall time,",
      "  dirty rate) into DIR/<program>.<ranks>.json.",
      "--captures DIR: each program's packets on one site (tcpdump on the site's bridge, 54 bytes a frame) into",
      "  DIR/<program>.<ranks>.pcap with its VMs in DIR/<program>.<ranks>.vms.csv: what predict runtime reads.",
      "--measure CSV: the measured dataset: each program in static placements (one site; split along its",
      "  communication groups; split against them) over WAN levels, repeated, into CSV.",
      "--overhead PAIRS: each program's completion with the site captures running vs not, PAIRS alternating pairs.",
    })
public final class AppsBench implements Callable<Integer> {

  @Option(names = "--programs", split = ",", description = "Programs (default: all: ${COMPLETION-CANDIDATES}).")
  List<String> programs;

  @Option(names = "--ranks", defaultValue = "4", description = "Ranks (VMs) of each run (default ${DEFAULT-VALUE}).")
  int ranks;

  @Option(names = "--profiles", description = "Measure the profiles into this directory.")
  Path profiles;

  @Option(names = "--captures", description = "Capture each program's packets on one site into this directory (<program>.<ranks>.pcap, .vms.csv).")
  Path captures;

  @Option(names = "--measure", description = "Run the measurement campaign into this CSV file.")
  Path measure;

  @Mixin CampaignOptions campaign;

  @Option(names = "--seed", defaultValue = "1", description = "Campaign: seed of the run order (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--overhead", description = "Sensing overhead: this many alternating pairs per program.")
  Integer overhead;

  @Option(names = "--timeout", defaultValue = "300s", converter = DurationConverter.class,
      description = "Longest a run may take (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--work-dir", description = "Where runs keep their files (default: a temporary directory, removed after).")
  Path workDir;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    List<MpiProgram> chosen = (programs == null ? MpiPrograms.names() : programs).stream().map(MpiPrograms::lookupOrThrow).toList();
    if (profiles == null && captures == null && measure == null && overhead == null) {
      throw new InvalidInputException("apps", "say what to do: --profiles DIR, --captures DIR, --measure CSV or --overhead PAIRS");
    }
    String problem = EmulatedFederation.unavailableReason();
    if (problem.isEmpty()) {
      problem = MpiPrograms.unavailableReason();
    }
    if (!problem.isEmpty()) {
      throw new EnvironmentException(problem);
    }
    Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("vmflock-apps-");
    String command = "bin/vmflock " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    try {
      if (profiles != null) {
        for (MpiProgram p : chosen) {
          MeasuredProfile m = ProfileMeasurement.measure(p, ranks, dir.resolve("profile-" + p.name()), timeout, command, line -> {
            out.println(line);
            out.flush();
          });
          Path file = profiles.resolve(m.name() + ".json");
          m.write(file);
          out.printf(Locale.ROOT, "%s: %.2f s on one site, %.1f MB between its VMs, load %.2f -> %s%n", m.name(), m.wallSeconds(),
              m.traffic().totalBytes() / 1e6, m.loadAverage(), file);
          out.flush();
        }
      }
      if (captures != null) {
        for (MpiProgram p : chosen) {
          ProgramCapture.Captured c = ProgramCapture.capture(p, ranks, captures, dir.resolve("capture-" + p.name()), timeout);
          out.printf(Locale.ROOT, "%s: %.2f s on one site, load %.2f at %s -> %s%n", p.name(), c.wallSeconds(), c.loadAverage(), c.at(),
              c.pcap());
          out.flush();
        }
      }
      if (measure != null) {
        MeasurementCampaign.run(campaign.plan(chosen, ranks, seed, timeout), measure, dir.resolve("campaign"), line -> {
          out.println(line);
          out.flush();
        });
      }
      if (overhead != null) {
        SensingOverhead.run(chosen, ranks, overhead, timeout, dir.resolve("overhead"), line -> {
          out.println(line);
          out.flush();
        });
      }
    } finally {
      if (workDir == null) {
        org.vmflock.emulate.apps.WorkDirs.deleteTree(dir);
      }
    }
    return 0;
  }
}
