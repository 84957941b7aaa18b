package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rsh agent runs a command in the VM named or addressed, as ssh runs one on a host (how mpirun reaches its ranks). */
class RshAgentTest {

  @Test
  void theAgentRunsTheCommandInTheVmItNames() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    Path dir = Files.createTempDirectory("vmflock-agent-");
    try (EmulatedFederation lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(1), 100_000_000L)).build())) {
      EmulatedVm vm1 = lab.addVm("vm1", "a");
      EmulatedVm vm2 = lab.addVm("vm2", "b");
      Path agent = lab.writeRshAgent(dir.resolve("agent"));

      CommandResult byName = HostCommands.run(List.of(agent.toString(), "vm2", "ip -o -4 addr show dev eth0;", "cat /proc/self/cgroup"),
          null, HostCommands.TIMEOUT);
      assertEquals(0, byName.exitCode(), byName.output());
      assertTrue(byName.output().contains("inet " + vm2.ipWithPrefix()), byName.output());
      assertTrue(byName.output().contains(lab.id() + "/vm-vm2"), "runs in the VM's cgroup: " + byName.output());

      CommandResult byAddress = HostCommands.run(List.of(agent.toString(), "-x", vm1.ip().toString(), "echo", "$((6*7))", "&&", "exit 3"),
          null, HostCommands.TIMEOUT);
      assertEquals(3, byAddress.exitCode(), "the command's own exit code: " + byAddress.output());
      assertEquals("42", byAddress.output().strip());

      CommandResult unknown = HostCommands.run(List.of(agent.toString(), "vm9", "true"), null, HostCommands.TIMEOUT);
      assertEquals(255, unknown.exitCode(), "like ssh to a host that does not answer");
    } finally {
      LabTool.deleteTree(dir);
    }
  }
}
