package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.apps.MpiPrograms;
import org.vmflock.testing.Cli;

/**
 * The default emulation (two sites 5 ms apart one way, LAMMPS on 4 ranks started with each site
 * holding two ranks that do not talk to each other): vmflock's manager, on what the captures saw,
 * regroups it (migrations, completed), and its measured completion beats policy none's on the
 * same setup; nothing of either lab is left.
 */
class EmulateRegroupsTest {

  @TempDir Path dir;

  @Test
  void vmflockRegroupsTheSplitApplicationAndFinishesSoonerThanNone() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), "needs root: " + EmulatedFederation.unavailableReason());
    assumeTrue(MpiPrograms.lookup("lammps").isPresent() && java.util.Arrays.stream(System.getenv("PATH").split(":"))
        .anyMatch(d -> Files.isExecutable(Path.of(d, "lmp")) && Files.isExecutable(Path.of(d, "mpirun"))), "needs lammps and Open MPI");
    Path out = dir.resolve("report");
    Cli.Run r = Cli.run("emulate", "simulations/emulation.conf", "--compare", "--out", out, "--quiet");
    assertEquals(0, r.exitCode(), r.err());
    List<String> rows = Files.readAllLines(out.resolve("results.csv"));
    Map<String, String[]> byPolicy = new TreeMap<>();
    List<String> header = List.of(rows.get(0).split(","));
    rows.stream().skip(1).map(l -> l.split(",", -1)).forEach(f -> byPolicy.put(f[0], f));
    assertEquals(List.of("none", "vmflock"), List.copyOf(byPolicy.keySet()), rows.toString());
    int finished = header.indexOf("finished_at");
    int completion = header.indexOf("completion_s");
    int migrations = header.indexOf("migrations");
    for (String[] f : byPolicy.values()) {
      assertTrue(!f[finished].isEmpty(), "finished and verified: " + String.join(",", f));
    }
    assertEquals("0", byPolicy.get("none")[migrations]);
    assertTrue(Integer.parseInt(byPolicy.get("vmflock")[migrations]) >= 1, "vmflock migrated: " + rows);
    assertTrue(Files.readString(out.resolve("decisions.csv")).contains("vmflock,"), "a decision of vmflock's that moved VMs");
    double none = Double.parseDouble(byPolicy.get("none")[completion]);
    double vmflock = Double.parseDouble(byPolicy.get("vmflock")[completion]);
    assertTrue(vmflock < none, "vmflock " + vmflock + " s, none " + none + " s (machine load " + Files.readString(Path.of("/proc/loadavg")).strip() + ")");
    assertTrue(Files.readString(out.resolve("wan.csv")).lines().count() == 5, "each policy's link, both ways");
    String own = "vmfl-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    assertTrue(Leftovers.of(own).isEmpty(), "left by this JVM's labs: " + Leftovers.of(own));
  }
}
