package org.vmflock.monitor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.stats.OtherTraffic;
import org.vmflock.monitor.stats.PeriodStatistics;
import org.vmflock.monitor.traffic.HostTraffic;

class StatisticsDocumentTest {

  /** Period 56_666_667 of a 30 s grid: 1_700_000_010 s = 2023-11-14T22:13:30Z to 22:14:00Z. */
  private static final long P = 56_666_667L;

  @TempDir Path dir;

  /**
   * The matrix is in the order vm2, vm1, vm3 and the document's in vm1, vm2, vm3: the pairs come
   * out in the document's order. vm1->vm2 3 packets 300 bytes; vm2->vm1 1 packet 60 bytes;
   * vm2->vm3 2 packets 128 bytes; vm3 is missing.
   */
  private static PeriodStatistics period() {
    double[][] packets = new double[3][3];
    double[][] bytes = new double[3][3];
    // indices in the matrix's own order: vm2 = 0, vm1 = 1, vm3 = 2
    packets[1][0] = 3;
    bytes[1][0] = 300;
    packets[0][1] = 1;
    bytes[0][1] = 60;
    packets[0][2] = 2;
    bytes[0][2] = 128;
    return new PeriodStatistics(P, 1_700_000_010_000L, 1_700_000_040_000L, true, List.of("vm3"), List.of("vm2"),
        new TrafficMatrix(List.of("vm2", "vm1", "vm3"), packets, bytes),
        List.of(new OtherTraffic("vm1", 1, 50, 2, 2000, 1, 60, 3, true), new OtherTraffic("vm2", 0, 0, 0, 0, 0, 0, 0, false)),
        List.of(new HostTraffic("h1", P, 1, 90, 2, 120, 1, 13)));
  }

  private static PeriodStatistics emptyPeriod() {
    return new PeriodStatistics(P + 1, 1_700_000_040_000L, 1_700_000_070_000L, false, List.of("vm1", "vm2"), List.of(),
        TrafficMatrix.zero(List.of("vm1", "vm2", "vm3")), List.of(), List.of());
  }

  private static StatisticsDocument document() {
    return StatisticsDocument.of(List.of(period(), emptyPeriod()), List.of("vm1", "vm2", "vm3"), 30_000);
  }

  /** XML trees hold one child as an object and several as an array: read both as a list. */
  private static List<JsonNode> all(JsonNode node) {
    List<JsonNode> out = new ArrayList<>();
    if (node == null || node.isMissingNode()) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(out::add);
    } else {
      out.add(node);
    }
    return out;
  }

  private static List<String> texts(JsonNode node) {
    return all(node).stream().map(JsonNode::asText).toList();
  }

  @Test
  void onlyNonZeroPairsAreListedInTheDocumentsVmOrder() {
    StatisticsDocument d = document();
    assertEquals("vmflock", d.generator());
    assertEquals(30_000, d.periodMillis());
    assertEquals(List.of(
            new StatisticsDocument.Pair("vm1", "vm2", 3, 300),
            new StatisticsDocument.Pair("vm2", "vm1", 1, 60),
            new StatisticsDocument.Pair("vm2", "vm3", 2, 128)),
        d.periods().get(0).traffic());
    assertEquals(List.of(), d.periods().get(1).traffic());
  }

  @Test
  void xmlHasTheExpectedElementsAndAttributes() throws Exception {
    String xml = StatisticsDocument.xml().writeValueAsString(document());
    assertTrue(xml.startsWith("<statistics "), xml);
    JsonNode root = StatisticsDocument.xml().readTree(xml);

    assertEquals("vmflock", root.get("generator").asText());
    assertEquals(30_000, root.get("periodMillis").asLong());
    assertEquals(List.of("vm1", "vm2", "vm3"), texts(root.get("vms").get("vm")));

    List<JsonNode> periods = all(root.get("period"));
    assertEquals(2, periods.size());
    JsonNode p = periods.get(0);
    assertEquals(P, p.get("id").asLong());
    assertEquals("2023-11-14T22:13:30Z", p.get("start").asText());
    assertEquals("2023-11-14T22:14:00Z", p.get("end").asText());
    assertEquals("true", p.get("complete").asText());
    assertEquals(List.of("vm3"), texts(p.get("missing")));
    assertEquals(List.of("vm2"), texts(p.get("extrapolated")));

    List<JsonNode> traffic = all(p.get("traffic"));
    assertEquals(3, traffic.size());
    assertEquals("vm1", traffic.get(0).get("src").asText());
    assertEquals("vm2", traffic.get(0).get("dst").asText());
    assertEquals(3, traffic.get(0).get("packets").asLong());
    assertEquals(300, traffic.get(0).get("bytes").asLong());
    assertEquals("vm2", traffic.get(2).get("src").asText());
    assertEquals("vm3", traffic.get(2).get("dst").asText());
    assertEquals(128, traffic.get(2).get("bytes").asLong());

    List<JsonNode> other = all(p.get("other"));
    assertEquals(2, other.size());
    JsonNode o = other.get(0);
    assertEquals("vm1", o.get("vm").asText());
    assertEquals(1, o.get("fromOutsidePackets").asLong());
    assertEquals(50, o.get("fromOutsideBytes").asLong());
    assertEquals(2, o.get("toFileServersPackets").asLong());
    assertEquals(2000, o.get("toFileServersBytes").asLong());
    assertEquals(1, o.get("nonIpFrames").asLong());
    assertEquals(60, o.get("nonIpBytes").asLong());
    assertEquals(3, o.get("lateFrames").asLong());
    assertEquals("true", o.get("partial").asText());
    assertEquals("false", other.get(1).get("partial").asText());

    JsonNode h = all(p.get("host")).get(0);
    assertEquals("h1", h.get("name").asText());
    assertEquals(1, h.get("unknownDestinationFrames").asLong());
    assertEquals(90, h.get("unknownDestinationBytes").asLong());
    assertEquals(2, h.get("multicastFrames").asLong());
    assertEquals(120, h.get("multicastBytes").asLong());
    assertEquals(1, h.get("malformedFrames").asLong());
    assertEquals(13, h.get("malformedBytes").asLong());

    JsonNode empty = periods.get(1);
    assertEquals(P + 1, empty.get("id").asLong());
    assertEquals("false", empty.get("complete").asText());
    assertEquals(List.of("vm1", "vm2"), texts(empty.get("missing")));
    assertTrue(all(empty.get("traffic")).isEmpty());
    assertTrue(all(empty.get("host")).isEmpty());
  }

  @Test
  void xmlAttributesAreAttributes() throws Exception {
    String xml = StatisticsDocument.xml().writeValueAsString(document());
    assertTrue(xml.contains("<statistics generator=\"vmflock\" periodMillis=\"30000\">"), xml);
    assertTrue(xml.contains("<period id=\"56666667\" start=\"2023-11-14T22:13:30Z\" end=\"2023-11-14T22:14:00Z\" complete=\"true\">"), xml);
    assertTrue(xml.contains("<traffic src=\"vm1\" dst=\"vm2\" packets=\"3\" bytes=\"300\"/>"), xml);
    assertTrue(xml.contains("<missing>vm3</missing>"), xml);
  }

  @Test
  void jsonHasTheSameContent() throws Exception {
    String json = StatisticsDocument.json().writeValueAsString(document());
    JsonNode root = StatisticsDocument.json().readTree(json);
    assertEquals("vmflock", root.get("generator").asText());
    assertEquals(30_000, root.get("periodMillis").asLong());
    assertEquals(List.of("vm1", "vm2", "vm3"), texts(root.get("vms")));

    JsonNode periods = root.get("periods");
    assertEquals(2, periods.size());
    JsonNode p = periods.get(0);
    assertEquals(P, p.get("id").asLong());
    assertEquals("2023-11-14T22:13:30Z", p.get("start").asText());
    assertEquals("2023-11-14T22:14:00Z", p.get("end").asText());
    assertTrue(p.get("complete").asBoolean());
    assertEquals(List.of("vm3"), texts(p.get("missing")));
    assertEquals(List.of("vm2"), texts(p.get("extrapolated")));
    assertEquals(3, p.get("traffic").size());
    assertEquals("vm2", p.get("traffic").get(1).get("src").asText());
    assertEquals("vm1", p.get("traffic").get(1).get("dst").asText());
    assertEquals(1, p.get("traffic").get(1).get("packets").asLong());
    assertEquals(60, p.get("traffic").get(1).get("bytes").asLong());
    assertEquals(2000, p.get("other").get(0).get("toFileServersBytes").asLong());
    assertTrue(p.get("other").get(0).get("partial").asBoolean());
    assertEquals("h1", p.get("hosts").get(0).get("name").asText());
    assertEquals(13, p.get("hosts").get(0).get("malformedBytes").asLong());

    JsonNode empty = periods.get(1);
    assertFalse(empty.get("complete").asBoolean());
    assertEquals(0, empty.get("traffic").size());
    assertEquals(0, empty.get("hosts").size());
    assertEquals(List.of("vm1", "vm2"), texts(empty.get("missing")));
  }

  @Test
  void writesFilesThatReadBack() throws Exception {
    Path xml = dir.resolve("statistics.xml");
    Path json = dir.resolve("statistics.json");
    document().writeXml(xml);
    document().writeJson(json);
    assertEquals(StatisticsDocument.xml().readTree(StatisticsDocument.xml().writeValueAsString(document())),
        StatisticsDocument.xml().readTree(Files.readString(xml)));
    assertEquals(StatisticsDocument.json().readTree(StatisticsDocument.json().writeValueAsString(document())),
        StatisticsDocument.json().readTree(json.toFile()));
  }
}
