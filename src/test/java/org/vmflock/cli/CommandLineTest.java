package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.testing.Cli;

/** The one entry point (I1): every mode a subcommand with its help, and exit codes scripts can rely on. */
class CommandLineTest {

  private static final List<String> MODES = List.of("simulate", "run", "inject", "replay", "capture", "query", "groups", "plan", "bench");

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
    for (String bench : List.of("simulate", "sensor", "plan", "manager")) {
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
}
