package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
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
  void aNodeSensesSitesOfItsScenarioOnly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    Map<String, String> refusals = new java.util.LinkedHashMap<>();
    refusals.put("[atlantis]", "vmflock.node.sites: no site atlantis in the scenario");
    refusals.put("[lyon, lyon]", "vmflock.node.sites: a site named twice");
    refusals.put("[\"bad name\"]", "vmflock.node.sites");
    refusals.put("lyon", "vmflock.node.sites: a list of site names");
    int i = 0;
    for (Map.Entry<String, String> r : refusals.entrySet()) {
      java.nio.file.Path conf = java.nio.file.Files.writeString(dir.resolve(i++ + ".conf"), "vmflock.node.sites = " + r.getKey() + "\n");
      refused(r.getValue(), "node", "--hypervisors", "http://127.0.0.1:7700", "--scenario", "simulations/example.conf", "--config", conf.toString());
    }
  }

  @Test
  void theHypervisorsNeedTheirScenarioAPortAndATimeScale() {
    refused("--scenario", "hypervisors");
    refused("nowhere.conf", "hypervisors", "--scenario", "nowhere.conf");
    refused("--time-scale", "hypervisors", "--scenario", "simulations/example.conf", "--time-scale", "0");
    refused("--port", "hypervisors", "--scenario", "simulations/example.conf", "--port", "70000");
  }
}
