package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMatrix;

/** {@code vm-kind = qemu}: an application of QEMU guests, their workload read and checked, the planner's belief derived from it. */
class QemuApplicationScenarioTest {

  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      sites { a { capacity { slots = 4 } }, b { capacity { slots = 4 } } }
      default-link { latency = 5ms, bandwidth = 1Gbps }
      """;
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  private Scenario load(String applications) throws Exception {
    Path f = dir.resolve("s.conf");
    Files.writeString(f, SITES + applications);
    return ScenarioFile.load(f, ProfileCatalog.NPB, org.vmflock.emulate.ProgramCatalog.INSTANCE);
  }

  private void refused(String applications, String... parts) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> load(applications));
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
    }
  }

  @Test
  void aQemuApplicationHasItsGuestsWorkloadAndARingThePlannerBelieves() throws Exception {
    Scenario.ScenarioApplication a = load("""
        applications {
          ring {
            vm-kind = qemu
            vms = 3
            memory = 256MiB
            dirty-rate = 8MiB/s
            guest { fill = 32MiB, working-set = 16MiB, rounds = 500, message = 8KiB }
            work = 10s
            placement = a
          }
        }
        """).application("ring").orElseThrow();
    assertEquals(QemuGuests.VmKind.QEMU, a.vmKind());
    assertEquals(new QemuGuests(256 * MIB, 32 * MIB, 16 * MIB, 8 * MIB, 500, 8192), a.qemu().orElseThrow());
    assertEquals(256 * MIB, a.app().vms().get(0).memoryBytes(), "the planner migrates the guest's RAM");
    assertEquals(8 * MIB, a.app().vms().get(0).dirtyBytesPerSecond());
    assertEquals(50, a.app().workload().syncsPerWork(), 1e-9, "a round per sync: 500 rounds over 10 s");
    TrafficMatrix t = a.app().workload().trafficPerWork();
    assertEquals(500 * 8192 / 10.0, t.bytes(0, 1), 1e-6, "vm1 sends to vm2");
    assertEquals(500 * 8192 / 10.0, t.bytes(2, 0), 1e-6, "the last sends to the first");
    assertEquals(0, t.bytes(1, 0), "nothing backwards");
    assertEquals(500 * 6 / 10.0, t.packets(1, 2), 1e-6, "8 KiB in 6 segments");
  }

  @Test
  void namespaceIsTheDefaultAndAQemuApplicationHasDefaults() throws Exception {
    Scenario s = load("""
        applications {
          md { program = "lammps", vms = 4, placement = a }
          ring { vm-kind = qemu, vms = 2, work = 5s, placement = b }
        }
        """);
    assertEquals(QemuGuests.VmKind.NAMESPACE, s.application("md").orElseThrow().vmKind());
    QemuGuests g = s.application("ring").orElseThrow().qemu().orElseThrow();
    assertEquals(QemuGuests.DEFAULT_MEMORY, g.memoryBytes());
    assertTrue(g.fillBytes() + g.workingSetBytes() <= g.memoryBytes() - QemuGuests.KERNEL_BYTES, g.toString());
    assertEquals(1000, g.rounds());
  }

  @Test
  void badVmKindsAndGuestsAreNamedWithTheirLine() {
    refused("applications {\n  r {\n    vm-kind = kvm\n    vms = 2, work = 5s, placement = a\n  }\n}\n", "s.conf:6", "applications.r.vm-kind",
        "unknown VM kind 'kvm'");
    refused("applications {\n  r {\n    vm-kind = qemu, program = \"lammps\"\n    vms = 4, placement = a\n  }\n}\n", "applications.r.program",
        "ring exchange");
    refused("applications {\n  r {\n    vms = 2, work = 5s, placement = a\n    guest { rounds = 5 }\n  }\n}\n", "s.conf:7", "applications.r.guest",
        "set vm-kind = qemu");
    refused("applications {\n  r {\n    vm-kind = qemu, vms = 2, work = 5s, placement = a\n    dirty-rate = 1GiB/s\n  }\n}\n", "s.conf:7",
        "applications.r.dirty-rate", "QEMU guest's dirty rate");
    refused("applications {\n  r {\n    vm-kind = qemu, vms = 2, work = 5s, placement = a, memory = 128MiB\n    guest { fill = 60MiB }\n  }\n}\n",
        "s.conf:7", "applications.r.guest.fill", "less 64 MiB for its kernel");
    refused("applications {\n  r {\n    vm-kind = qemu, vms = 2, work = 5s, placement = a\n    guest { rounds = 0 }\n  }\n}\n", "s.conf:7",
        "applications.r.guest.rounds", "ring rounds");
    refused("applications {\n  r {\n    vm-kind = qemu, vms = 2, work = 5s, placement = a\n    guest { message = 1GiB }\n  }\n}\n",
        "applications.r.guest.message", "ring message");
    refused("applications {\n  r {\n    vm-kind = qemu, vms = 2, work = 5s, placement = a\n    guest { ram = 1GiB }\n  }\n}\n",
        "applications.r.guest", "ram");
  }
}
