package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.node.NodeConfig;
import org.vmflock.scenario.ScenarioFile;

/**
 * A node's controller on the whole of {@code simulations/large.conf} (20 sites, 1,000 applications,
 * 30,000 VMs, FT at 64 VMs all-to-all among them): every application submitted, one planning round
 * over all of them, status pages asked during and after it. Every message (serialized as if it
 * crossed the network) and every event goes through the actor system's own serializer: none may
 * reach 64 KiB (Pekko's remote limit is 256 KiB; a node's messages stay well below it).
 */
class LargeFederationMessagesTest {

  private static final long LIMIT = 64 * 1024;

  @Test
  void noMessageNorEventOfALargeFederationReaches64KiB(@TempDir Path journal) throws Exception {
    ManagerScaleRun.Figures f = ManagerScaleRun.run(NodeConfig.load(Optional.empty(), Map.of()),
        ScenarioFile.load(Path.of("simulations", "large.conf")), journal, true, line -> {});
    assertEquals(1000, f.applications());
    assertEquals(30_000, f.vms());
    assertEquals(1000, f.decisions(), "a decision for every application");
    for (ManagerScaleRun.Kind kind : new ManagerScaleRun.Kind[] {ManagerScaleRun.Kind.MESSAGE, ManagerScaleRun.Kind.EVENT}) {
      Map.Entry<String, Long> largest = f.largest().get(kind);
      assertTrue(largest != null && largest.getValue() > 0, kind + ": measured");
      assertTrue(largest.getValue() < LIMIT, "the largest " + kind + " is " + ManagerScaleRun.describe(largest));
    }
  }
}
