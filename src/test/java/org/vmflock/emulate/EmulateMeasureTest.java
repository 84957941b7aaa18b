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
import org.vmflock.emulate.apps.MeasurementCampaign;
import org.vmflock.emulate.apps.MpiPrograms;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.testing.Cli;

/**
 * {@code vmflock emulate --measure} end to end, through the command line, at its smallest: a
 * scenario of one application (LAMMPS, 4 ranks), two placements (all on one site, split against
 * its communication groups), one WAN level (2 ms one way, 1 Gbit/s), one repetition. The dataset
 * has the campaign's columns and one verified row per run, real seconds, the split's halo on the
 * link and next to nothing for one site; nothing of the lab is left. {@code --delays} without
 * {@code --measure} is refused.
 */
class EmulateMeasureTest {

  @TempDir Path dir;

  @Test
  void aTinyCampaignThroughTheCommandLineWritesTheDataset() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), "needs root: " + EmulatedFederation.unavailableReason());
    assumeTrue(MpiPrograms.unavailableReason().isEmpty(), MpiPrograms.unavailableReason());
    Path scenario = dir.resolve("tiny.conf");
    Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites {
          rennes { capacity { slots = 4, cores = 16, memory = 32GiB }, price-per-vm-hour = 0.10 }
          nancy { capacity { slots = 4, cores = 16, memory = 32GiB }, price-per-vm-hour = 0.10 }
        }
        links = [ { between = [rennes, nancy], latency = 5ms, bandwidth = 1Gbps } ]
        applications {
          md { program = "lammps", vms = 4, placement { rennes = [vm1, vm2, vm3, vm4] } }
        }
        """);
    Path out = dir.resolve("measured");
    Cli.Run r = Cli.run("emulate", scenario, "--measure", "--out", out, "--quiet", "--placements", "one-site,against", "--delays", "2ms",
        "--rates", "1Gbps", "--repetitions", "1");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(out.resolve("measurements.csv"));
    assertEquals(MeasurementCampaign.HEADER, lines.get(0));
    assertEquals(3, lines.size(), String.join("\n", lines));
    List<String> header = List.of(MeasurementCampaign.HEADER.split(","));
    Map<String, Map<String, String>> byKind = new TreeMap<>();
    for (String row : lines.subList(1, lines.size())) {
      String[] f = row.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
      assertEquals(header.size(), f.length, row);
      Map<String, String> m = new TreeMap<>();
      for (int i = 0; i < f.length; i++) {
        m.put(header.get(i), f[i]);
      }
      byKind.put(m.get("placement_kind"), m);
      assertEquals("lammps", m.get("application"), row);
      assertEquals("4", m.get("ranks"), row);
      assertEquals("2", m.get("delay_ms"), row);
      assertEquals("1000000000", m.get("rate_bps"), row);
      assertEquals("1", m.get("repetition"), row);
      assertEquals("true", m.get("verified"), row);
      assertTrue(Double.parseDouble(m.get("seconds")) > 0, row);
      assertTrue(Double.parseDouble(m.get("load_start")) >= 0, row);
    }
    assertEquals(List.of("against", "one-site"), List.copyOf(byKind.keySet()));
    assertEquals("vm1=a;vm2=a;vm3=a;vm4=a", byKind.get("one-site").get("placement"));
    assertTrue(Long.parseLong(byKind.get("one-site").get("wan_bytes")) < 100_000, "only broadcasts cross: " + byKind.get("one-site"));
    assertEquals(2, byKind.get("against").get("placement").split("=b", -1).length - 1, "two VMs on each site: " + byKind.get("against"));
    assertTrue(Long.parseLong(byKind.get("against").get("wan_bytes")) > 10_000_000, "the split's halo crosses the link: " + byKind.get("against"));
    assertEquals(List.of("measurements.csv"), Files.list(out).map(p -> p.getFileName().toString()).sorted().toList(), "nothing else in --out");
    String own = "vmfl-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    assertTrue(Leftovers.of(own).isEmpty(), "left by this JVM's lab: " + Leftovers.of(own));
  }

  @Test
  void campaignLevelsWithoutMeasureAreRefused() {
    Cli.Run r = Cli.run("emulate", "simulations/emulation.conf", "--delays", "2ms", "--quiet");
    assertEquals(2, r.exitCode(), r.err());
    assertTrue(r.err().contains("--delays") && r.err().contains("only with --measure"), r.err());
  }
}
