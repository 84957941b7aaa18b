package org.vmflock.emulate.apps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.emulate.lab.EmulatedFederation;

/**
 * A campaign of a tiny size: a short LAMMPS run (30 steps), one site and the split against its
 * groups, 2 ms one way, 2 repetitions: a CSV of a header and 4 verified rows, WAN bytes only for the split.
 */
class MeasurementCampaignTest {

  @Test
  void aTinyCampaignWritesAWellFormedCsv() throws Exception {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    String missing = MpiPrograms.unavailableReason();
    assumeTrue(missing.isEmpty(), missing);
    Path dir = Files.createTempDirectory("vmflock-campaign-");
    try {
      MpiProgram shortLammps = new LammpsMelt(ProgramInputs.text(LammpsMelt.DECK).replace("run             300", "run             30"));
      MeasurementCampaign.Plan plan = new MeasurementCampaign.Plan(List.of(shortLammps), 4, List.of(Duration.ofMillis(2)),
          List.of(1_000_000_000L), List.of(MeasurementCampaign.PlacementKind.ONE_SITE, MeasurementCampaign.PlacementKind.AGAINST), 2, 2, 7,
          Duration.ofSeconds(100));
      List<String> progress = new ArrayList<>();
      Path csv = dir.resolve("m.csv");
      MeasurementCampaign.run(plan, csv, dir.resolve("runs"), progress::add);
      progress.forEach(System.out::println);
      List<String> lines = Files.readAllLines(csv);
      assertEquals(MeasurementCampaign.HEADER, lines.get(0));
      assertEquals(5, lines.size(), String.join("\n", lines));
      assertEquals(4, progress.size());
      int columns = MeasurementCampaign.HEADER.split(",").length;
      List<String> repetitions = new ArrayList<>();
      for (String row : lines.subList(1, lines.size())) {
        String[] f = row.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)");
        assertEquals(columns, f.length, row);
        assertEquals("lammps", f[0]);
        assertEquals("4", f[1]);
        assertEquals("2", f[4]);
        assertEquals("1000000000", f[5]);
        repetitions.add(f[6]);
        assertTrue(Double.parseDouble(f[7]) > 0, row);
        assertEquals("true", f[9], row);
        long wan = Long.parseLong(f[8]);
        if (f[2].equals("one-site")) {
          assertEquals("vm1=a;vm2=a;vm3=a;vm4=a", f[3]);
          assertTrue(wan < 100_000, "only broadcasts cross: " + row);
        } else {
          assertEquals("against", f[2]);
          assertEquals(2, java.util.Arrays.stream(f[3].split(";")).filter(p -> p.endsWith("=b")).count(), row);
          assertTrue(wan > 1_000_000, "the split's halo crosses the link: " + row);
        }
      }
      assertEquals(List.of("2", "2", "3", "3"), repetitions, "two repetitions numbered from the first one asked, 2");
      assertEquals(List.of(), ourNamespaces(), "the campaign's lab is gone");
    } finally {
      WorkDirs.deleteTree(dir);
    }
  }

  /** The network namespaces of this JVM's labs (their ids start with vmfl-<pid in base 36>-). */
  static List<String> ourNamespaces() throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    String prefix = "vmfl-" + Long.toString(ProcessHandle.current().pid(), 36) + "-";
    return out.lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(prefix)).toList();
  }
}
