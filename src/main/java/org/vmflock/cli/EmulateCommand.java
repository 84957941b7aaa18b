package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.vmflock.control.Policy;
import org.vmflock.emulate.EmulatedApplications;
import org.vmflock.emulate.EmulationReport;
import org.vmflock.emulate.EmulationSpec;
import org.vmflock.emulate.apps.MeasurementCampaign;
import org.vmflock.emulate.apps.MpiProgram;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.model.InvalidInputException;
import org.vmflock.node.EmulationRun;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.simulate.report.ReportWriter;
import org.vmflock.simulate.report.SimulationReport;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "emulate",
    mixinStandardHelpOptions = true,
    description = {
      "Emulates a scenario's federation on this machine and runs vmflock on it, with nothing simulated (E2, V2).",
      "Each site a network namespace with a bridge, each pair of sites a WAN link through a userspace forwarder",
      "(the scenario's one-way latency and bandwidth; a path faster than vmflock.emulate.max-link-rate is scaled",
      "down to it, and said), each VM a namespace and a cgroup; each application runs its real MPI program",
      "(program = \"lammps\" in the scenario; its planner profile is the program's measured one), one rank per VM,",
      "started where the scenario places it. vmflock's node runs unchanged: a Pcap4J capture per site bridge feeds",
      "the sensors and the sites' collectors, the manager plans on what they saw, its sagas migrate VMs for real",
      "(memory copied over the WAN link, cgroup frozen, veth moved). Real time, the manager's period shortened",
      "(vmflock.emulate.*). Each policy runs on a freshly built lab. Writes simulate's report (results.csv,",
      "results.json, timeline.csv, decisions.csv, plots, index.html) with every completion timed by the wall clock",
      "and every WAN byte counted on the links, plus predictions.csv (the estimator's remaining time at each",
      "decision against the measured one) and wan.csv (each link's counters). An application with vm-kind = qemu",
      "runs QEMU guests on the sites' bridges (their work a ring exchange, timed on the host), migrated by QEMU",
      "itself; migrations.csv then shows each of those migrations predicted and measured. Needs root (exit 3 otherwise)."
    })
public final class EmulateCommand implements Callable<Integer> {

  static final String DEFAULT_SCENARIO = "emulation.conf";
  /** The QEMU migrations' file (a scenario with vm-kind = qemu applications). */
  public static final String MIGRATIONS_CSV = "migrations.csv";

  @Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO",
      description = "Scenario file (the format of simulate's; each application names its program). Default: simulations/" + DEFAULT_SCENARIO + ".")
  Path scenario;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "reports/emulation",
      description = "Where the report goes (default ${DEFAULT-VALUE}); a previous report there is replaced.")
  Path out;

  @ArgGroup(exclusive = true)
  Choice choice;

  static final class Choice {
    @Option(names = "--policy", paramLabel = "P", split = ",", description = "Only these policies (comma-separated): none, price-chasing, report-grouping, vmflock.")
    List<String> policies;

    @Option(names = "--compare", description = "none and vmflock, each on a lab of its own (the default).")
    boolean compare;
  }

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of the run, recorded in the report (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--force", description = "Replace --out even if it holds something other than a report.")
  boolean force;

  @Option(names = "--quiet", description = "No progress lines.")
  boolean quiet;

  @Option(names = "--measure", description = {
      "Instead: the measured dataset. Each application's program on its rank count in static placements (all on one",
      "site; split along its communication groups; split against them) over WAN levels (--delays x --rates),",
      "--repetitions, into DIR/measurements.csv (the campaign of bench apps --measure)."})
  boolean measure;

  @Mixin CampaignOptions campaign;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** The settings `emulate` gives the node, from vmflock.emulate (a --set of the same setting wins). */
  static final Map<String, String> NODE_SETTINGS = Map.of(
      "vmflock.monitor.period", "vmflock.emulate.period",
      "vmflock.collector.grace", "vmflock.emulate.collector-grace",
      "vmflock.monitor.watermark-lag", "vmflock.emulate.watermark-lag",
      "vmflock.planner.min-gain-time", "vmflock.emulate.min-gain-time",
      "vmflock.planner.cooldown", "vmflock.emulate.cooldown",
      "vmflock.manager.window-periods", "vmflock.emulate.window-periods",
      "vmflock.manager.full-replan-every", "vmflock.emulate.full-replan-every",
      "pekko.remote.artery.canonical.port", "vmflock.emulate.port");

  @Override
  public Integer call() throws IOException, InterruptedException {
    Path file = scenario != null ? scenario : Samples.installed("simulations", DEFAULT_SCENARIO);
    List<String> policies = choice == null || choice.compare ? List.of("none", "vmflock") : List.copyOf(new LinkedHashSet<>(choice.policies));
    Policy.validate("--policy", policies);
    for (String option : CampaignOptions.NAMES) {
      if (!measure && spec.commandLine().getParseResult().hasMatchedOption(option)) {
        throw new InvalidInputException(option, "only with --measure");
      }
    }
    Config base = node.load(Map.of());
    Map<String, Object> overrides = new HashMap<>();
    NODE_SETTINGS.forEach((key, from) -> {
      if (!node.settings.containsKey(key)) {
        overrides.put(key, base.getValue(from).unwrapped());
      }
    });
    Config config = node.load(overrides);
    Scenario s = ScenarioFile.load(file, org.vmflock.scenario.ProfileCatalog.NPB, org.vmflock.emulate.ProgramCatalog.INSTANCE);
    long maxBits = Math.round(org.vmflock.scenario.Units.bytesPerSecond(config.getString("vmflock.emulate.max-link-rate")) * 8);
    EmulationSpec emulation = EmulationSpec.of(s, maxBits);
    Map<String, MpiProgram> programs = new HashMap<>();
    for (Scenario.ScenarioApplication a : s.applications()) {
      if (a.qemu().isPresent()) {
        continue; // its work is its guests' ring exchange
      }
      MpiProgram program = org.vmflock.emulate.ProgramCatalog.program(a.program().orElseThrow());
      if (!program.supports(a.app().vms().size())) {
        throw new InvalidInputException(file + ": applications." + a.app().name(), "program " + program.name() + " runs on "
            + program.supportedRanks() + " ranks (one per VM), not " + a.app().vms().size());
      }
      programs.put(a.app().name(), program);
    }
    String missing = EmulatedFederation.unavailableReason();
    if (missing.isEmpty() && !programs.isEmpty()) {
      missing = org.vmflock.emulate.apps.MpiPrograms.unavailableReason();
    }
    if (missing.isEmpty() && s.applications().stream().anyMatch(a -> a.qemu().isPresent())) {
      missing = org.vmflock.emulate.qemu.GuestImage.unavailableReason().orElse("");
    }
    if (!missing.isEmpty()) {
      throw new EnvironmentException("emulate needs " + missing);
    }
    if (measure) {
      return measure(s, config.getDuration("vmflock.emulate.run-timeout"));
    }
    Duration timeout = config.getDuration("vmflock.emulate.run-timeout");
    Progress progress = new Progress(quiet);
    try (Interruption interruption = Interruption.install("emulate", Duration.ofSeconds(30));
        OutputDirectory output = OutputDirectory.prepare(out, force || SimulateCommand.holdsAReport(out))) {
      progress.line(String.format(Locale.ROOT, "emulate: %s, %d sites, %d applications (%s), %d VMs, policies %s, period %s",
          file, s.infra().sites().size(), s.applications().size(),
          s.applications().stream().map(a -> a.app().name() + "=" + a.program().orElse(a.vmKind().label())).collect(Collectors.joining(", ")),
          s.applications().stream().mapToInt(a -> a.app().vms().size()).sum(), policies, config.getString("vmflock.monitor.period")));
      emulation.notes().forEach(n -> progress.line("emulate: " + n));
      List<EmulationReport.PolicyOutcome> runs = new ArrayList<>();
      long started = System.nanoTime();
      for (String policy : policies) {
        Path dataDir = output.staging().resolve(".node-" + policy);
        runs.add(EmulationRun.run(emulation, policy, extra -> {
          Map<String, Object> all = new HashMap<>(overrides);
          all.putAll(extra);
          return node.load(all);
        }, programs, dataDir, timeout, maxBits, p -> progress.line(line(p)), interruption::await));
        OutputDirectory.deleteTree(dataDir);
        if (interruption.await(Duration.ZERO)) {
          progress.warn("emulate: interrupted: the report holds what ran until then");
          break;
        }
      }
      SimulationReport report = EmulationReport.report(emulation.scenario(), seed, runs);
      boolean qemu = s.applications().stream().anyMatch(a -> a.qemu().isPresent());
      List<String> others = new ArrayList<>(List.of("predictions.csv", "wan.csv"));
      if (qemu) {
        others.add(MIGRATIONS_CSV);
      }
      List<String> written = new ArrayList<>(ReportWriter.write(report, output.staging(),
          qemu ? List.of(EmulationReport.migrationsSection(runs)) : List.of(), others));
      Files.writeString(output.staging().resolve("predictions.csv"), EmulationReport.predictionsCsv(runs), StandardCharsets.UTF_8);
      Files.writeString(output.staging().resolve("wan.csv"), EmulationReport.wanCsv(runs), StandardCharsets.UTF_8);
      if (qemu) {
        Files.writeString(output.staging().resolve(MIGRATIONS_CSV), EmulationReport.migrationsCsv(runs), StandardCharsets.UTF_8);
      }
      written.addAll(others);
      output.commit();
      PrintWriter stdout = spec.commandLine().getOut();
      stdout.print(ReportWriter.summaryTable(report));
      stdout.flush();
      for (EmulationReport.PolicyOutcome r : runs) {
        for (EmulatedApplications.Status a : r.applications()) {
          if (a.ended().isEmpty() || !a.ended().get().verified()) {
            progress.warn(String.format(Locale.ROOT, "emulate: %s under %s did not finish correctly: %s", a.app().name(), r.policy(),
                a.ended().map(EmulatedApplications.Ended::reason).orElse("still running at the run's timeout (vmflock.emulate.run-timeout)")));
          }
        }
        r.violations().forEach(v -> progress.warn("emulate: " + r.policy() + ": " + v));
      }
      progress.done(String.format(Locale.ROOT, "emulate: %d files in %s (%.0f s in all); open %s", written.size(), output.target(),
          (System.nanoTime() - started) / 1e9, output.target().resolve(ReportWriter.INDEX_HTML)));
    }
    return ExitCode.OK;
  }

  /** The measured dataset of the scenario's programs (one campaign per rank count), into --out. */
  private int measure(Scenario s, Duration timeout) throws IOException, InterruptedException {
    Progress progress = new Progress(quiet);
    Map<Integer, List<MpiProgram>> byRanks = new java.util.TreeMap<>();
    for (Scenario.ScenarioApplication a : s.applications()) {
      if (a.program().isEmpty()) {
        continue; // a QEMU application: measured by bench qemu-migration, not here
      }
      MpiProgram p = org.vmflock.emulate.ProgramCatalog.program(a.program().orElseThrow());
      List<MpiProgram> list = byRanks.computeIfAbsent(a.app().vms().size(), n -> new ArrayList<>());
      if (!list.contains(p)) {
        list.add(p);
      }
    }
    try (OutputDirectory output = OutputDirectory.prepare(out, force || SimulateCommand.holdsAReport(out))) {
      Path csv = output.staging().resolve("measurements.csv");
      int part = 0;
      for (Map.Entry<Integer, List<MpiProgram>> e : byRanks.entrySet()) {
        MeasurementCampaign.Plan plan = campaign.plan(e.getValue(), e.getKey(), seed, timeout);
        Path target = part++ == 0 ? csv : output.staging().resolve(".part-" + part + ".csv");
        MeasurementCampaign.run(plan, target, output.staging().resolve(".runs"), progress::line);
        if (!target.equals(csv)) {
          Files.write(csv, Files.readAllLines(target).stream().skip(1).toList(), java.nio.file.StandardOpenOption.APPEND);
          Files.delete(target);
        }
      }
      OutputDirectory.deleteTree(output.staging().resolve(".runs"));
      output.commit();
      progress.done("emulate --measure: " + output.target().resolve("measurements.csv"));
    }
    return ExitCode.OK;
  }

  private static String line(EmulationRun.Progress p) {
    String apps = p.applications().stream().map(a -> a.app().name() + " " + (a.ended().isPresent()
        ? (a.ended().get().verified() ? String.format(Locale.ROOT, "done in %.1f s", a.ended().get().wallSeconds()) : "FAILED")
        : a.started() ? String.format(Locale.ROOT, "%.0f%%", 100 * a.doneWork() / a.app().workload().totalWork()) : "starting"))
        .collect(Collectors.joining(", "));
    return String.format(Locale.ROOT, "[%s %5.1f s] %s; %d VMs, %d migrating, %d migrated, WAN %.1f MB", p.policy(), p.elapsed().toNanos() / 1e9,
        apps.isEmpty() ? "submitting" : apps, p.vms(), p.migrationsInFlight(), p.migrationsDone(), p.wanBytes() / 1e6);
  }
}
