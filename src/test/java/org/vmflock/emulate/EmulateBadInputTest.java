package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.testing.Cli;

/** emulate refuses bad input in one line naming what and where (exit 2), and says what it lacks without root (exit 3). */
class EmulateBadInputTest {

  @TempDir Path dir;

  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      sites { a { capacity { slots = 4 } }, b { capacity { slots = 4 } } }
      default-link { latency = 1ms, bandwidth = 100Mbps }
      """;

  private Cli.Run emulate(String scenario) throws Exception {
    Path file = dir.resolve("s.conf");
    Files.writeString(file, scenario);
    return Cli.run("emulate", file, "--out", dir.resolve("out"));
  }

  private static void refused(Cli.Run r, String... parts) {
    assertEquals(2, r.exitCode(), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    for (String p : parts) {
      assertTrue(r.err().contains(p), "'" + p + "' in: " + r.err());
    }
  }

  @Test
  void anUnknownProgramIsNamedWithItsFileLineAndTheKnownOnes() throws Exception {
    refused(emulate(SITES + """
        applications {
          md { program = "gromacs", vms = 2, work = 10s, placement = a }
        }
        """), "s.conf:5", "applications.md.program", "unknown program 'gromacs'", "lammps");
  }

  @Test
  void aBrokenScenarioIsNamedWithItsFileAndLine() throws Exception {
    refused(emulate(SITES + "applications { md { program = \"lammps\" \n"), "s.conf");
  }

  @Test
  void anApplicationWithoutProgramCannotBeEmulated() throws Exception {
    refused(emulate(SITES + """
        applications {
          md { vms = 2, work = 10s, placement = a }
        }
        """), "applications.md", "an emulation runs real programs");
  }

  @Test
  void aProgramOnRanksItDoesNotSupportIsRefused() throws Exception {
    refused(emulate(SITES + """
        applications {
          md { program = "lammps", vms = 3, work = 10s, placement = a }
        }
        """), "applications.md", "runs on", "not 3");
  }

  @Test
  void anUnknownVmKindIsNamedWithItsFileLineAndTheKnownOnes() throws Exception {
    refused(emulate(SITES + """
        applications {
          ring {
            vm-kind = xen
            vms = 2, work = 10s, placement = a
          }
        }
        """), "s.conf:6", "applications.ring.vm-kind", "unknown VM kind 'xen'", "namespace, qemu");
  }

  @Test
  void aQemuGuestTooSmallForItsKernelIsRefusedOnItsLine() throws Exception {
    refused(emulate(SITES + """
        applications {
          ring {
            vm-kind = qemu
            vms = 2, work = 10s, placement = a
            memory = 64MiB
          }
        }
        """), "s.conf:8", "applications.ring.memory", "QEMU guest's memory", "134217728");
  }

  @Test
  void withoutRootItExitsThreeSayingWhatIsMissing() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), "needs root to drop its powers: " + EmulatedFederation.unavailableReason());
    assumeTrue(java.util.Arrays.stream(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "setpriv"))), "needs setpriv (util-linux)");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process p = new ProcessBuilder("setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", java, "-cp", classPath,
        "org.vmflock.cli.VmflockCommand", "emulate", "simulations/emulation.conf", "--out", dir.resolve("out").toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(3, p.exitValue(), output);
    assertTrue(output.contains("emulate") && output.contains("CAP_NET_ADMIN"), output);
    assertEquals(1, output.strip().lines().count(), "one line: " + output);
  }
}
