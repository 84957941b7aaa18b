package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportJsonTest {

  private final SimulationReport report = SampleReports.small();
  private final JsonNode json = parse(ReportWriter.resultsJson(report));

  @Test
  void keysComeInAFixedOrder() {
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("scenario", "seed", "start", "currency", "free_sites", "sites", "policies", "best"), keys);
    List<String> policyKeys = new ArrayList<>();
    json.get("policies").get(0).fieldNames().forEachRemaining(policyKeys::add);
    assertEquals(List.of("policy", "stats", "totals", "applications"), policyKeys);
  }

  @Test
  void holdsTheScenarioEachPolicysStatsAndTotals() {
    assertEquals("two <sites> & a third", json.get("scenario").asText());
    assertEquals(42, json.get("seed").asLong());
    assertEquals("2024-03-01T00:00:00Z", json.get("start").asText());
    assertEquals("[\"lyon\",\"rennes\",\"nancy\"]", json.get("sites").toString());
    assertEquals("EUR", json.get("currency").asText(), "every cost is in the scenario's currency");
    assertEquals("[\"nancy\"]", json.get("free_sites").toString());
    JsonNode none = json.get("policies").get(0);
    assertEquals("none", none.get("policy").asText());
    JsonNode totals = none.get("totals");
    assertEquals(3, totals.get("applications").asInt());
    assertEquals(2, totals.get("finished").asInt());
    assertEquals(1, totals.get("unfinished").asInt());
    assertEquals(new BigDecimal("5066.667"), totals.get("mean_completion_s").decimalValue());
    assertEquals(new BigDecimal("6600.000"), totals.get("worst_completion_s").decimalValue());
    assertEquals(new BigDecimal("6.500000"), totals.get("total_cost").decimalValue());
    assertEquals(new BigDecimal("0.300000"), totals.get("transfer_cost").decimalValue());
    assertEquals(1, totals.get("deadlines_met").asInt());
    assertEquals(1, totals.get("deadlines_missed").asInt());
    JsonNode chasing = json.get("policies").get(1);
    assertEquals(9, chasing.get("stats").get("decisions").asLong());
    assertEquals(1, chasing.get("stats").get("forced_evacuations").asLong());
    assertEquals(1440, chasing.get("stats").get("invariant_checks").asLong());
    assertEquals(5, chasing.get("totals").get("migrations").asLong());
    assertEquals(new BigDecimal("29884901888"), chasing.get("totals").get("bytes_moved").decimalValue());
  }

  @Test
  void applicationsCarryTheRowsOfResultsCsvWithNullsForWhatIsMissing() {
    JsonNode none = json.get("policies").get(0).get("applications");
    JsonNode unfinished = none.get(1);
    assertEquals("ft-1", unfinished.get("application").asText());
    assertTrue(unfinished.get("finished_at").isNull());
    assertFalse(unfinished.get("deadline_met").asBoolean());
    JsonNode noDeadline = none.get(2);
    assertEquals(SampleReports.LU, noDeadline.get("application").asText());
    assertTrue(noDeadline.get("deadline").isNull());
    assertTrue(noDeadline.get("deadline_met").isNull());
    assertEquals(new BigDecimal("0.333333"), json.get("policies").get(1).get("applications").get(1).get("transfer_cost").decimalValue());

    // every field is the one results.csv shows, in the same form
    String[] lines = ReportWriter.resultsCsv(report).split("\n");
    List<String> header = fields(lines[0]);
    int row = 1;
    for (JsonNode policy : json.get("policies")) {
      for (JsonNode app : policy.get("applications")) {
        List<String> csv = fields(lines[row++]);
        assertEquals(policy.get("policy").asText(), csv.get(0));
        for (int c = 1; c < header.size(); c++) {
          JsonNode v = header.get(c).equals("currency") ? json.get("currency") : app.get(header.get(c));
          String shown = v.isNull() ? "" : v.isBigDecimal() ? v.decimalValue().toPlainString() : v.asText();
          assertEquals(csv.get(c), shown, header.get(c) + " of " + csv.get(1));
        }
      }
    }
    assertEquals(lines.length, row);
  }

  @Test
  void namesTheBestPolicyPerProfileAndObjective() {
    JsonNode best = json.get("best");
    assertEquals(5, best.size());
    JsonNode lu = best.get(2);
    assertEquals("profile", lu.get("dimension").asText());
    assertEquals("lu", lu.get("group").asText());
    assertEquals("[\"price-chasing\"]", lu.get("cheapest").toString());
    assertEquals(new BigDecimal("2.520000"), lu.get("cheapest_cost").decimalValue());
    assertEquals(new BigDecimal("4900.000"), lu.get("fastest_mean_completion_s").decimalValue());
    assertEquals("[\"vmflock\"]", lu.get("fastest").toString());
    assertEquals("objective", best.get(3).get("dimension").asText());
    assertEquals("cost", best.get(3).get("group").asText());
    assertEquals(2, best.get(3).get("applications").asInt());
  }

  @Test
  void isPrettyPrintedWithUnixLineEnds() {
    String text = ReportWriter.resultsJson(report);
    assertTrue(text.startsWith("{\n  \"scenario\": \"two <sites> & a third\",\n  \"seed\": 42,\n"), text.substring(0, 80));
    assertFalse(text.contains("\r"));
    assertTrue(text.endsWith("}\n"));
  }

  /** The fields of one results.csv line (quotes as RFC 4180). */
  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted && c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
        f.append('"');
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.add(f.toString());
        f.setLength(0);
      } else {
        f.append(c);
      }
    }
    out.add(f.toString());
    return out;
  }

  private static JsonNode parse(String text) {
    try {
      // decimals as written: 6.500000 stays 6.500000
      return new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false).readTree(text);
    } catch (Exception e) {
      throw new AssertionError("results.json does not parse", e);
    }
  }
}
