package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.vmflock.testing.Cli;

/** `vmflock node` and `vmflock hypervisors` refuse bad input in one line naming it (exit 2), before anything starts. */
class ClusterCommandsTest {

  private static void refused(String names, Object... args) {
    Cli.Run r = Cli.run(args);
    assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.err());
    assertTrue(r.err().contains(names), "names " + names + ": " + r.err());
    assertTrue(r.err().strip().lines().count() <= 2, "one line (and the usage hint): " + r.err());
  }

  @Test
  void aNodeNeedsTheHypervisorsHttpAddress() {
    refused("--hypervisors", "node");
    refused("--hypervisors", "node", "--hypervisors", "ftp://127.0.0.1:7700");
    refused("--hypervisors", "node", "--hypervisors", "127.0.0.1:7700");
    refused("--hypervisors", "node", "--hypervisors", "http://[bad");
  }

  @Test
  void theHypervisorsNeedTheirScenarioAPortAndATimeScale() {
    refused("--scenario", "hypervisors");
    refused("nowhere.conf", "hypervisors", "--scenario", "nowhere.conf");
    refused("--time-scale", "hypervisors", "--scenario", "simulations/example.conf", "--time-scale", "0");
    refused("--port", "hypervisors", "--scenario", "simulations/example.conf", "--port", "70000");
  }
}
