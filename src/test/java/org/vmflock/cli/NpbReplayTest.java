package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.export.MatrixCsv;
import org.vmflock.model.TrafficMetric;
import org.vmflock.testing.Cli;
import org.vmflock.testing.TestData;

/**
 * The real NAS Parallel Benchmark captures replayed through the whole monitoring path (sensors,
 * sharded collectors on their H2 journal, a DETAILED query) give exactly the reference matrices
 * that were computed from the same captures independently.
 */
class NpbReplayTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cg.A.4", "ep.A.4", "is.A.4", "mg.A.4"})
  void replayGivesTheReferenceMatrices(String run, @TempDir Path tmp) throws Exception {
    Path out = tmp.resolve(run);
    Cli.Run r = Cli.run("replay", "-q", "--vms", TestData.npb("vms4.csv"), "--out", out, "--period", "1s", TestData.npb(run + ".pcap.gz"));
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(Files.readString(TestData.npb(run + ".packets.csv")), Files.readString(out.resolve("total.packets.csv")));
    assertEquals(Files.readString(TestData.npb(run + ".bytes.csv")), Files.readString(out.resolve("total.bytes.csv")));

    // the periods add up to the total, and the documents list the same periods
    TrafficMatrix total = MatrixCsv.read(out.resolve("total.bytes.csv"), TrafficMetric.BYTES);
    List<Path> periods;
    try (Stream<Path> s = Files.list(out.resolve("periods"))) {
      periods = s.filter(p -> p.toString().endsWith(".bytes.csv")).sorted().toList();
    }
    assertTrue(periods.size() >= 2, "a 1 s period cuts these 1.5 to 3 s runs in several periods");
    double sum = 0;
    for (Path p : periods) {
      sum += MatrixCsv.read(p, TrafficMetric.BYTES).totalBytes();
    }
    assertEquals(total.totalBytes(), sum);
    JsonNode json = new ObjectMapper().readTree(out.resolve("stats.json").toFile());
    assertEquals(periods.size(), json.get("periods").size());
    assertEquals(List.of("vm1", "vm2", "vm3", "vm4"), new ObjectMapper().convertValue(json.get("vms"), List.class));
    for (JsonNode p : json.get("periods")) {
      assertTrue(p.get("complete").asBoolean());
      assertEquals(0, p.get("missing").size());
    }
    assertTrue(Files.readString(out.resolve("stats.xml")).contains("<period id=\""));
    BufferedImage png = ImageIO.read(out.resolve("heatmap.png").toFile());
    assertTrue(png.getWidth() >= 640 && png.getHeight() >= 640);
    assertTrue(Files.isRegularFile(out.resolve("journal").resolve("vmflock.mv.db")));
  }

  @Test
  void theJournalALeftReplayAnswersQueries(@TempDir Path tmp) throws Exception {
    Path out = tmp.resolve("mg");
    assertEquals(0, Cli.run("replay", "-q", "--vms", TestData.npb("vms4.csv"), "--out", out, "--period", "1s", TestData.npb("mg.A.4.pcap.gz")).exitCode());
    int periods;
    try (Stream<Path> s = Files.list(out.resolve("periods"))) {
      periods = (int) s.filter(p -> p.toString().endsWith(".bytes.csv")).count();
    }
    TrafficMatrix reference = MatrixCsv.read(TestData.npb("mg.A.4.bytes.csv"), TrafficMetric.BYTES);

    Cli.Run detailed = Cli.run("query", "--journal", out, "--type", "detailed", "--periods", periods);
    assertEquals(0, detailed.exitCode(), detailed.err());
    JsonNode d = new ObjectMapper().readTree(detailed.out());
    assertEquals("precise", d.get("answer").asText());
    assertEquals(periods, d.get("periods").size());
    for (int s = 0; s < 4; s++) {
      for (int t = 0; t < 4; t++) {
        assertEquals(reference.bytes(s, t), d.get("bytes").get(s).get(t).asDouble(), "bytes " + s + "->" + t);
      }
    }
    Cli.Run mean = Cli.run("query", "--journal", out.resolve("journal"), "--type", "mean", "--periods", periods);
    JsonNode m = new ObjectMapper().readTree(mean.out());
    assertEquals("mean", m.get("type").asText());
    assertEquals(reference.bytes(0, 1) / periods, m.get("bytes").get(0).get(1).asDouble(), 1e-6);

    Cli.Run table = Cli.run("query", "--journal", out, "--type", "weighted:2", "--periods", 2, "--format", "table");
    assertEquals(0, table.exitCode(), table.err());
    assertTrue(table.out().startsWith("weighted:2.0 over periods"), table.out());
  }
}
