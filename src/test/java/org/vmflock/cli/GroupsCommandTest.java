package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.Cli;
import org.vmflock.testing.TestData;

/** {@code vmflock groups} on the NPB matrices, as a user runs it. */
class GroupsCommandTest {

  private static final String CG_RUN = "2.1s";
  private static final String EP_RUN = "3.1s";
  private static final double EPSILON = 1e-12;

  @TempDir Path dir;

  private static JsonNode json(Cli.Run r) throws Exception {
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    return new ObjectMapper().readTree(r.out());
  }

  private static Set<String> fields(JsonNode n) {
    Set<String> names = new TreeSet<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<List<String>> groups(JsonNode root) {
    List<List<String>> groups = new ArrayList<>();
    for (JsonNode g : root.get("groups")) {
      List<String> vms = new ArrayList<>();
      g.get("vms").forEach(v -> vms.add(v.asText()));
      groups.add(vms);
    }
    return groups;
  }

  @Test
  void modularityOnCgPrintsTheTwoHalvesOfTheChainAsJson() throws Exception {
    Cli.Run r = Cli.run("groups", "--algorithm", "modularity", "--duration", CG_RUN, TestData.npb("cg.A.4.bytes.csv"));
    JsonNode root = json(r);
    assertEquals(Set.of("algorithm", "metric", "groups", "ungrouped", "interGroupBytes", "modularity"), fields(root));
    assertEquals("modularity", root.get("algorithm").asText());
    assertEquals("bytes", root.get("metric").asText());
    assertEquals(List.of(List.of("vm1", "vm2"), List.of("vm3", "vm4")), groups(root));
    JsonNode first = root.get("groups").get(0);
    assertEquals(Set.of("vms", "internalBytes", "threshold"), fields(first));
    assertEquals(49_022_838.0, first.get("internalBytes").asDouble());
    assertEquals(0.0, first.get("threshold").asDouble());
    assertEquals(0, root.get("ungrouped").size());
    assertEquals(48_826_368.0, root.get("interGroupBytes").asDouble());
    assertEquals(0.16758211039521156, root.get("modularity").asDouble(), EPSILON);
    assertTrue(r.out().contains("\"interGroupBytes\" : 48826368.0"), "counts in full: " + r.out());
  }

  @Test
  void reportOnCgPrintsOneGroupWithItsThreshold() throws Exception {
    JsonNode root = json(Cli.run("groups", "--algorithm", "report", "--duration", CG_RUN, TestData.npb("cg.A.4.bytes.csv")));
    assertEquals("report", root.get("algorithm").asText());
    assertEquals(List.of(List.of("vm1", "vm2", "vm3", "vm4")), groups(root));
    assertEquals(146_876_138.0, root.get("groups").get(0).get("internalBytes").asDouble());
    assertEquals(24_478_829.0, root.get("groups").get(0).get("threshold").asDouble());
    assertEquals(0.0, root.get("interGroupBytes").asDouble());
  }

  @Test
  void packetsNameTheirFieldsInPackets() throws Exception {
    JsonNode root = json(Cli.run("groups", "--algorithm", "modularity", "--metric", "packets", "--duration", CG_RUN, TestData.npb("cg.A.4.packets.csv")));
    assertEquals("packets", root.get("metric").asText());
    assertEquals(Set.of("algorithm", "metric", "groups", "ungrouped", "interGroupPackets", "modularity"), fields(root));
    assertEquals(Set.of("vms", "internalPackets", "threshold"), fields(root.get("groups").get(0)));
    assertEquals(35_775.0, root.get("groups").get(0).get("internalPackets").asDouble());
    assertEquals(33_478.0, root.get("interGroupPackets").asDouble());
  }

  @Test
  void theMetricDefaultsToWhatTheFilesNameSays() throws Exception {
    JsonNode root = json(Cli.run("groups", "--algorithm", "report", TestData.npb("mg.A.4.packets.csv")));
    assertEquals("packets", root.get("metric").asText());
    assertEquals(0.0, root.get("interGroupPackets").asDouble());
  }

  @Test
  void theTableSaysTheSameForPeople() {
    Cli.Run r = Cli.run("groups", "--algorithm", "modularity", "--duration", CG_RUN, "--format", "table", TestData.npb("cg.A.4.bytes.csv"));
    assertEquals(ExitCode.OK, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals("modularity grouping, bytes over 2.1s, noise floor 10,000 bytes/s", lines.get(0));
    assertTrue(lines.get(2).matches("vm1 vm2\\s+49,022,838\\s+0"), lines.get(2));
    assertTrue(lines.get(3).matches("vm3 vm4\\s+49,026,932\\s+0"), lines.get(3));
    assertEquals("ungrouped: -", lines.get(4));
    assertEquals("between groups: 48,826,368 bytes (33.2 % of 146,876,138)", lines.get(5));
    assertEquals("modularity Q: 0.1676", lines.get(6));
  }

  @Test
  void withoutDurationTheMatrixCoversOnePeriod() throws Exception {
    // a floor of 500 B/s: EP's 3-4 (2,534 B) is 817 B/s over its 3.1 s run, but 84 B/s over a 30 s period
    String floor = "vmflock.analyze.noise-floor.bytes-per-second=500";
    JsonNode overRun = json(Cli.run("groups", "--algorithm", "report", "--set", floor, "--duration", EP_RUN, TestData.npb("ep.A.4.bytes.csv")));
    assertEquals(List.of(List.of("vm1", "vm2", "vm3", "vm4")), groups(overRun));
    JsonNode overPeriod = json(Cli.run("groups", "--algorithm", "report", "--set", floor, TestData.npb("ep.A.4.bytes.csv")));
    assertEquals(List.of(), groups(overPeriod));
    assertEquals(10_224.0, overPeriod.get("interGroupBytes").asDouble());
    JsonNode shortPeriod = json(Cli.run("groups", "--algorithm", "report", "--set", floor, "--set", "vmflock.monitor.period=3s", TestData.npb("ep.A.4.bytes.csv")));
    assertEquals(1, shortPeriod.get("groups").size());
  }

  @Test
  void aMalformedMatrixIsRefusedWithItsFileAndLine() throws Exception {
    Path bad = dir.resolve("bad.csv");
    Files.writeString(bad, "src\\dst,vm1,vm2\nvm1,0,12\nvm2,seven,0\n");
    Cli.Run r = Cli.run("groups", "--algorithm", "report", bad);
    assertEquals(ExitCode.INVALID_INPUT, r.exitCode(), r.err());
    assertEquals("", r.out());
    String first = r.err().lines().findFirst().orElse("");
    assertTrue(first.contains("bad.csv:3") && first.contains("not a number"), first);
  }

  @Test
  void anUnknownAlgorithmOrFormatIsRefused() {
    Cli.Run r = Cli.run("groups", "--algorithm", "louvain", TestData.npb("cg.A.4.bytes.csv"));
    assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
    assertTrue(r.err().contains("unknown algorithm 'louvain' (expected report or modularity)"), r.err());
    assertEquals(ExitCode.INVALID_INPUT, Cli.run("groups", "--algorithm", "report", "--format", "xml", TestData.npb("cg.A.4.bytes.csv")).exitCode());
    assertEquals(ExitCode.INVALID_INPUT, Cli.run("groups", "--algorithm", "report", "--metric", "frames/s", TestData.npb("cg.A.4.bytes.csv")).exitCode());
    assertEquals(ExitCode.INVALID_INPUT, Cli.run("groups", TestData.npb("cg.A.4.bytes.csv")).exitCode());
  }

  @Test
  void aWrongSettingIsRefusedWithItsName() {
    Cli.Run r = Cli.run("groups", "--algorithm", "report", "--set", "vmflock.analyze.report.threshold-fraction=-1", TestData.npb("cg.A.4.bytes.csv"));
    assertEquals(ExitCode.INVALID_INPUT, r.exitCode());
    assertTrue(r.err().contains("threshold-fraction"), r.err());
  }
}
