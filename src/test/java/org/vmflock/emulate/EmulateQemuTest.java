package org.vmflock.emulate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.qemu.GuestImage;
import org.vmflock.testing.Cli;

/**
 * {@code vmflock emulate simulations/emulation-qemu.conf} end to end: two QEMU guests (TCG here)
 * started one per site run their ring exchange; vmflock's manager moves one of them with a real
 * QEMU live migration across the 5 ms link; the report's migrations.csv shows it predicted by the
 * migration model and measured by QEMU, the guest's memory intact at its destination; the ring
 * finished, verified; nothing of the lab is left. One run of policy vmflock (two guest boots under
 * TCG: the test takes minutes on a busy machine).
 */
class EmulateQemuTest {

  @TempDir Path dir;

  @Test
  void aQemuApplicationRunsEndToEndAndItsMigrationIsPredictedAndMeasured() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), "needs root: " + EmulatedFederation.unavailableReason());
    assumeTrue(GuestImage.unavailableReason().isEmpty(), GuestImage.unavailableReason().orElse(""));
    Path out = dir.resolve("report");
    // a run's node (or anything) on the cluster's default port does not stop emulate: its node takes any free port
    java.net.ServerSocket taken = null;
    try {
      taken = new java.net.ServerSocket(25520, 1, java.net.InetAddress.getLoopbackAddress());
    } catch (java.io.IOException held) {
      // held already by something else: the same test
    }
    Cli.Run r;
    try {
      r = Cli.run("emulate", "simulations/emulation-qemu.conf", "--policy", "vmflock", "--out", out, "--quiet");
    } finally {
      if (taken != null) {
        taken.close();
      }
    }
    String load = Files.readString(Path.of("/proc/loadavg")).strip();
    assertEquals(0, r.exitCode(), r.err());

    List<String> results = Files.readAllLines(out.resolve("results.csv"));
    Map<String, String> ring = row(results, 1);
    assertEquals("qemu-ring", ring.get("profile"), results.toString());
    assertTrue(!ring.get("finished_at").isEmpty(), "the ring finished, verified (its bytes and the guests' memory): " + results);
    assertTrue(Double.parseDouble(ring.get("completion_s")) > 0, results.toString());
    assertTrue(Integer.parseInt(ring.get("migrations")) >= 1, "vmflock moved a guest: " + results + " (load " + load + ")");

    List<String> migrations = Files.readAllLines(out.resolve("migrations.csv"));
    assertTrue(migrations.size() >= 2, "a migration row: " + migrations);
    for (int i = 1; i < migrations.size(); i++) {
      Map<String, String> m = row(migrations, i);
      String all = String.join(",", migrations.get(i));
      double memory = Double.parseDouble(m.get("memory_mib")) * (1 << 20);
      double nonzero = Double.parseDouble(m.get("nonzero_mb")) * 1e6;
      assertEquals("ring", m.get("application"), all);
      assertTrue(nonzero > 16 * (1 << 20) && nonzero < memory, "the guest's fill is non-zero, its RAM is not all: " + all);
      long bytes = Long.parseLong(m.get("measured_bytes"));
      assertTrue(bytes > 0.9 * nonzero && bytes < 4 * memory, "QEMU sent the non-zero memory, and not endlessly: " + all);
      assertTrue(!m.get("measured_total_ms").isEmpty() && !m.get("measured_downtime_ms").isEmpty(), "QEMU reported its times: " + all);
      assertTrue(Long.parseLong(m.get("measured_total_ms")) > 0 && Long.parseLong(m.get("measured_downtime_ms")) > 0, "QEMU's times: " + all);
      assertEquals("true", m.get("predicted_converged"), "a 4 MiB/s guest under a 64 MiB/s cap converges: " + all);
      assertTrue(Double.parseDouble(m.get("predicted_total_ms")) > 0 && Double.parseDouble(m.get("predicted_downtime_ms")) > 0
          && Long.parseLong(m.get("predicted_bytes")) > nonzero * 0.9, "the model's prediction: " + all);
      assertTrue(!m.get("error_bytes_pct").isEmpty() && !m.get("error_total_pct").isEmpty(), "the model's error: " + all);
      assertEquals("true", m.get("memory_intact"), "the guest's memory checked at its destination: " + all);
    }
    String page = Files.readString(out.resolve("index.html"));
    assertTrue(page.contains("QEMU live migrations: predicted and measured") && page.contains("migrations.csv"), "the report's section");
    String own = "vmfl-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    assertTrue(Leftovers.of(own).isEmpty(), "left by this JVM's lab: " + Leftovers.of(own));
  }

  /** Row {@code i} of a CSV (no quoted commas before the last column), by column name. */
  private static Map<String, String> row(List<String> csv, int i) {
    String[] header = csv.get(0).split(",");
    String[] f = csv.get(i).split(",", -1);
    Map<String, String> byName = new HashMap<>();
    for (int c = 0; c < header.length && c < f.length; c++) {
      byName.put(header[c], f[c]);
    }
    return byName;
  }
}
