package org.vmflock.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.vmflock.fuzz.FuzzTarget;
import org.vmflock.fuzz.Garbage;
import org.vmflock.model.InvalidInputException;
import picocli.CommandLine;

/**
 * The command line as a user types it, in this JVM: {@code groups}, {@code plan}, {@code query} and
 * {@code replay} with their options right or wrong, unknown options, {@code --set KEY=VALUE} of
 * vmflock's settings with values of every kind, {@code --config} files. Exit 0 is accepted; exit 2
 * with one line on stderr (a usage error adds its pointer to --help) and nothing on stdout or in
 * the output directory is refused; anything else (exit 1, a stack trace, a second line, output left
 * behind) is a failure. Commands that start a node get inputs that are refused before it starts
 * (no journal, no capture), so that a try takes milliseconds.
 */
final class CommandLineFuzzTarget implements FuzzTarget<List<String>> {

  private static final String MATRIX = "@MATRIX";
  private static final String SCENARIO = "@SCENARIO";
  private static final String VMS = "@VMS";
  private static final String CONFIG = "@CONFIG";
  private static final String EMPTY = "@EMPTY";
  private static final String OUT = "@OUT";
  private static final List<String> SETTINGS = List.of("vmflock.monitor.period", "vmflock.collector.retention-periods",
      "vmflock.analyze.metric", "vmflock.analyze.modularity.iterations", "vmflock.analyze.modularity.resolution",
      "vmflock.analyze.noise-floor.bytes-per-second", "vmflock.analyze.report.threshold-fraction", "vmflock.planner.exhaustive-limit",
      "vmflock.planner.max-passes", "vmflock.planner.grouping", "vmflock.planner.migration.bandwidth-share", "vmflock.planner.cooldown",
      "vmflock.planner.migration.model.max-rounds", "vmflock.run.time-scale", "vmflock.http.port", "vmflock.journal.kind",
      "vmflock.manager.window-periods", "vmflock.monitor.max-unacknowledged-reports", "vmflock.nothing", "vmflock", "vmflock.monitor");
  private static final List<String> VALUES = List.of("30s", "1ns", "1e300", "-1", "0", "1", "[1]", "{}", "bytes", "flows", "modularity",
      "h2", "oracle", "1e-300", "NaN", "100000000000", "\"", "${x}", "1 day");

  @Override
  public String name() {
    return "command-line";
  }

  @Override
  public List<String> generate(SplittableRandom r) {
    List<String> a = new ArrayList<>();
    switch (r.nextInt(9)) {
      case 0, 1 -> {
        a.add("groups");
        option(r, a, "--algorithm", () -> Garbage.pick(r, List.of("report", "modularity", "leiden")), 0.9);
        option(r, a, "--metric", () -> Garbage.pick(r, List.of("bytes", "packets", "flows")), 0.3);
        option(r, a, "--duration", () -> Garbage.pick(r, List.of("30s", "1s", "0s", "-1s", "ten", "1e300s")), 0.3);
        option(r, a, "--format", () -> Garbage.pick(r, List.of("json", "table", "xml")), 0.3);
        settings(r, a);
        a.add(Garbage.chance(r, 0.9) ? MATRIX : Garbage.pick(r, List.of(VMS, SCENARIO, EMPTY, "/dev/zero", "/nonexistent.csv")));
      }
      case 2, 3 -> {
        a.add("plan");
        option(r, a, "--scenario", () -> Garbage.chance(r, 0.9) ? SCENARIO : Garbage.pick(r, List.of(MATRIX, "/dev/zero", EMPTY)), 0.95);
        if (Garbage.chance(r, 0.3)) {
          a.add("--traffic");
          a.add(Garbage.chance(r, 0.8) ? MATRIX : VMS);
          option(r, a, "--app", () -> Garbage.pick(r, List.of("x", "y", "")), 0.7);
          option(r, a, "--duration", () -> Garbage.pick(r, List.of("30s", "0s", "1ns", "1e300s")), 0.5);
        }
        option(r, a, "--objective", () -> Garbage.pick(r, List.of("time", "cost", "balanced:0.5", "balanced:7", "speed")), 0.3);
        option(r, a, "--format", () -> Garbage.pick(r, List.of("json", "table", "xml")), 0.3);
        if (Garbage.chance(r, 0.2)) {
          a.add("--pareto");
        }
        settings(r, a);
      }
      case 4, 5 -> {
        a.add("query");
        option(r, a, "--journal", () -> EMPTY, 0.95);
        option(r, a, "--type", () -> Garbage.pick(r, List.of("mean", "detailed", "weighted:2", "weighted:-1", "weighted:x", "median")), 0.9);
        option(r, a, "--periods", () -> Garbage.pick(r, List.of("1", "0", "-5", "100000", "100001", "1000000000", "99999999999", "x")), 0.9);
        option(r, a, "--max-wait", () -> Garbage.pick(r, List.of("2s", "0s", "-1s", "1e300s")), 0.2);
        option(r, a, "--newest", () -> Garbage.pick(r, List.of("0", "-1", "9223372036854775807", "59333333")), 0.2);
        option(r, a, "--format", () -> Garbage.pick(r, List.of("json", "table", "xml")), 0.2);
        settings(r, a);
      }
      case 6, 7 -> {
        a.add("replay");
        option(r, a, "--vms", () -> Garbage.chance(r, 0.8) ? VMS : MATRIX, 0.95);
        option(r, a, "--out", () -> OUT, 0.95);
        option(r, a, "--period", () -> Garbage.pick(r, List.of("1s", "30s", "1ms", "1ns", "2d", "ten")), 0.3);
        option(r, a, "--pace", () -> Garbage.pick(r, List.of("max", "realtime", "x10", "x0", "x-1", "fast")), 0.3);
        settings(r, a);
        a.add("/nonexistent/capture.pcap");
      }
      default -> a.add(Garbage.pick(r, List.of("simulat", "--version", "bench", "inject", "help", "groups", "plan")));
    }
    if (Garbage.chance(r, 0.05)) {
      a.add(r.nextInt(a.size() + 1), Garbage.pick(r, List.of("--unknown", "-x", "--set", "--", Garbage.text(r))));
    }
    return a;
  }

  private static void option(SplittableRandom r, List<String> a, String name, java.util.function.Supplier<String> value, double p) {
    if (Garbage.chance(r, p)) {
      a.add(name);
      a.add(value.get());
    }
  }

  private static void settings(SplittableRandom r, List<String> a) {
    int n = Garbage.chance(r, 0.5) ? r.nextInt(3) : 0;
    for (int i = 0; i < n; i++) {
      a.add("--set");
      a.add(Garbage.pick(r, SETTINGS) + "=" + Garbage.pick(r, VALUES));
    }
    if (Garbage.chance(r, 0.05)) {
      a.add("--config");
      a.add(Garbage.chance(r, 0.7) ? CONFIG : "/nonexistent.conf");
    }
  }

  @Override
  public void feed(List<String> args, Path scratch) throws Exception {
    Files.writeString(scratch.resolve("m.csv"), "src\\dst,vm1,vm2\nvm1,0,5000000\nvm2,7000000,0\n");
    Files.writeString(scratch.resolve("s.conf"), """
        start = "2026-06-01T12:00:00Z"
        sites { a { capacity { slots = 8 }, price-per-vm-hour = 0.1 }, b { capacity { slots = 8 }, price-per-vm-hour = 0.2 } }
        applications { x { vms = 2, work = 1h, placement = a } }
        """);
    Files.writeString(scratch.resolve("vms.csv"), "vm,ip,mac\nvm1,10.0.0.1,02:00:00:77:00:01\nvm2,10.0.0.2,02:00:00:77:00:02\n");
    Files.writeString(scratch.resolve("c.conf"), "vmflock.monitor.period = 1ns\n");
    Path empty = Files.createDirectories(scratch.resolve("empty"));
    Path out = scratch.resolve("out");
    String[] argv = args.stream().map(s -> switch (s) {
      case MATRIX -> scratch.resolve("m.csv").toString();
      case SCENARIO -> scratch.resolve("s.conf").toString();
      case VMS -> scratch.resolve("vms.csv").toString();
      case CONFIG -> scratch.resolve("c.conf").toString();
      case EMPTY -> empty.toString();
      case OUT -> out.toString();
      default -> s;
    }).toArray(String[]::new);
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cli = VmflockCommand.commandLine();
    cli.setOut(new PrintWriter(stdout, true));
    cli.setErr(new PrintWriter(stderr, true));
    int code = cli.execute(argv);
    List<String> lines = stderr.toString().lines().toList();
    if (code == ExitCode.OK) {
      return;
    }
    boolean oneLine = lines.size() == 1 || lines.size() == 2 && lines.get(1).matches("\\(see vmflock.* --help\\)");
    if (code == ExitCode.INVALID_INPUT && oneLine && stdout.toString().isEmpty() && !Files.exists(out)) {
      throw new InvalidInputException("command line", lines.get(0));
    }
    throw new IllegalStateException("exit " + code + ", stderr: " + org.vmflock.model.Limits.quoted(stderr.toString())
        + (stdout.toString().isEmpty() ? "" : ", stdout not empty") + (Files.exists(out) ? ", output directory left" : ""));
  }
}
