package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.testing.Cli;

/** The one entry point (I1): every mode a subcommand with its help, and exit codes scripts can rely on. */
class CommandLineTest {

  private static final List<String> MODES = List.of("simulate", "run", "inject", "keys", "replay", "capture", "query", "groups", "plan", "bench");

  @Test
  void everyModeHasItsHelp() {
    Cli.Run top = Cli.run("--help");
    assertEquals(0, top.exitCode());
    for (String mode : MODES) {
      assertTrue(top.out().contains(mode), mode + " listed in\n" + top.out());
      Cli.Run help = Cli.run(mode, "--help");
      assertEquals(0, help.exitCode(), mode);
      assertTrue(help.out().startsWith("Usage: vmflock " + mode), help.out());
    }
    for (String bench : List.of("simulate", "sensor", "plan", "manager", "fuzz", "cluster")) {
      Cli.Run help = Cli.run("bench", bench, "--help");
      assertEquals(0, help.exitCode(), bench);
      assertTrue(help.out().startsWith("Usage: vmflock bench " + bench), help.out());
    }
  }

  @Test
  void usageErrorsExitTwoWithOneLineAndAPointer() {
    Cli.Run unknown = Cli.run("simulat");
    assertEquals(ExitCode.INVALID_INPUT, unknown.exitCode());
    List<String> lines = unknown.err().strip().lines().toList();
    assertEquals(2, lines.size(), unknown.err());
    assertTrue(lines.get(0).startsWith("vmflock: ") && lines.get(1).contains("--help"), unknown.err());

    Cli.Run badOption = Cli.run("simulate", "--seed", "many");
    assertEquals(ExitCode.INVALID_INPUT, badOption.exitCode());
    assertTrue(badOption.err().startsWith("simulate: ") && badOption.err().contains("--seed"), badOption.err());

    Cli.Run none = Cli.run();
    assertEquals(ExitCode.INVALID_INPUT, none.exitCode());
    assertTrue(none.err().contains("missing a command"), none.err());
  }

  @Test
  void anUnexpectedErrorIsOneLineWithoutAStackTrace() {
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = VmflockCommand.commandLine();
    cli.addSubcommand("explode", new picocli.CommandLine(new Exploding()));
    cli.setErr(new java.io.PrintWriter(err, true));
    assertEquals(ExitCode.FAILURE, cli.execute("explode"));
    List<String> lines = err.toString().lines().toList();
    assertEquals(1, lines.size(), err.toString());
    assertTrue(lines.get(0).startsWith("vmflock explode: failed: out of memory (Java heap space)"), lines.get(0));
  }

  @picocli.CommandLine.Command(name = "explode")
  static final class Exploding implements java.util.concurrent.Callable<Integer> {
    @Override
    public Integer call() {
      throw new OutOfMemoryError("Java heap space");
    }
  }

  @Test
  void aSettingOfTheWrongTypeExitsTwoInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path scenario = dir.resolve("s.conf");
    java.nio.file.Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites { a { capacity { slots = 8 }, price-per-vm-hour = 0.1 } }
        applications { x { vms = 4, work = 2h, objective = [cost] } }
        """);
    for (String mode : List.of("plan", "simulate")) {
      Cli.Run r = mode.equals("plan") ? Cli.run("plan", "--scenario", scenario) : Cli.run("simulate", scenario, "--out", dir.resolve("out"), "--quiet");
      ReplayBadInputTest.assertOneLineError(r, "s.conf:3: applications.x.objective: expected a text, not list");
    }
    Cli.Run set = Cli.run("groups", "--algorithm", "report", "--set", "vmflock.analyze.modularity.iterations=[1]",
        org.vmflock.testing.TestData.npb("ep.A.4.bytes.csv"));
    ReplayBadInputTest.assertOneLineError(set, "vmflock.analyze.modularity.iterations");
  }

  @Test
  void aPlacementOverCapacityIsInvalidInputForPlanAndSimulateAlike(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path scenario = dir.resolve("s.conf");
    java.nio.file.Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites { a { capacity { slots = 2 }, price-per-vm-hour = 0.1 } }
        applications { x { vms = 4, work = 2h, placement = a } }
        """);
    Cli.Run plan = Cli.run("plan", "--scenario", scenario);
    ReplayBadInputTest.assertOneLineError(plan, "applications.x.placement: the applications placed at site a take 4 slots");
    Cli.Run simulate = Cli.run("simulate", scenario, "--out", dir.resolve("out"), "--quiet");
    ReplayBadInputTest.assertOneLineError(simulate, "applications.x.placement: the applications placed at site a take 4 slots");
  }

  @Test
  void outOfRangeSettingsAndOptionsAreRefusedNamingThem() {
    Cli.Run scale = Cli.run("groups", "--algorithm", "report", "--set", "vmflock.run.time-scale=1e300",
        org.vmflock.testing.TestData.npb("ep.A.4.bytes.csv"));
    ReplayBadInputTest.assertOneLineError(scale, "command-line options", "vmflock.run.time-scale is between 0.001 and 1000000, not 1.0E300");
    // refused before any database or process is touched
    Cli.Run kills = Cli.run("bench", "cluster", "--kills", "-1");
    assertEquals(ExitCode.INVALID_INPUT, kills.exitCode(), kills.err());
    assertTrue(kills.err().contains("--kills") && kills.err().contains("not -1"), kills.err());
  }

  @Test
  void aUsageErrorQuotingALineBreakStaysOnItsLine() {
    // found by bench fuzz: picocli quotes the argument as typed
    Cli.Run r = Cli.run("query", "--journal", "/nowhere", "--type", "mean", "--periods", "1\n2");
    ReplayBadInputTest.assertOneLineError(r, "query: Invalid value for option '--periods': '1\\n2'");
    Cli.Run unknown = Cli.run("0du\r", "groups", "--algorithm", "report", org.vmflock.testing.TestData.npb("ep.A.4.bytes.csv"));
    ReplayBadInputTest.assertOneLineError(unknown, "vmflock: Unmatched argument at index 0: '0du\\r'");
  }
}
