package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.emulate.apps.MpiPrograms;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.testing.Cli;

/**
 * kill -9 of an emulate process while its sagas migrate VMs: its lab stays until the next start,
 * which removes all of it (namespaces, run directory, cgroups, the programs' processes), and then
 * runs its own emulation to the end.
 */
class EmulateKilledTest {

  private static final Pattern MIGRATING = Pattern.compile(", [1-9][0-9]* migrating,");

  @TempDir Path dir;

  @Test
  void aNewStartAfterAKillMidMigrationLeavesNothingOfTheDeadOneAndRuns() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), "needs root: " + EmulatedFederation.unavailableReason());
    assumeTrue(MpiPrograms.lookup("lammps").isPresent() && java.util.Arrays.stream(System.getenv("PATH").split(":"))
        .anyMatch(d -> Files.isExecutable(Path.of(d, "lmp")) && Files.isExecutable(Path.of(d, "mpirun"))), "needs lammps and Open MPI");
    Path out = dir.resolve("report");
    Process p = Cli.inOwnJvm("emulate", "simulations/emulation.conf", "--policy", "vmflock", "--out", out).start();
    String prefix = "vmfl-" + Long.toString(p.pid(), 36) + "-";
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture<Boolean> migrating = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          lines.add(line);
          if (MIGRATING.matcher(line).find()) {
            return true;
          }
        }
        return false;
      } catch (java.io.IOException e) {
        return false;
      }
    });
    boolean caught;
    try {
      caught = migrating.get(4, TimeUnit.MINUTES);
    } finally {
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(caught, "the run migrated (killed then): " + String.join("\n", lines));
    List<String> left = Leftovers.of(prefix);
    assertFalse(left.isEmpty(), "a killed emulation leaves its lab until the next start");

    Path small = dir.resolve("small.conf");
    Files.writeString(small, """
        start = "2026-06-01T12:00:00Z"
        sites { a { capacity { slots = 2 } }, b { capacity { slots = 2 } } }
        default-link { latency = 1ms, bandwidth = 100Mbps }
        applications {
          md { program = "lammps", vms = 2, work = 10s, placement = a }
        }
        """);
    long start = System.nanoTime();
    Cli.Run r = Cli.run("emulate", small, "--policy", "none", "--out", out, "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Leftovers.of(prefix).isEmpty(), "left by the killed run: " + Leftovers.of(prefix));
    String own = "vmfl-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    assertTrue(Leftovers.of(own).isEmpty(), "left by the new run: " + Leftovers.of(own));
    List<String> rows = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(2, rows.size(), rows.toString());
    assertFalse(rows.get(1).split(",", -1)[6].isEmpty(), "the new run finished, verified: " + rows);
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMinutes() < 10);
  }
}
