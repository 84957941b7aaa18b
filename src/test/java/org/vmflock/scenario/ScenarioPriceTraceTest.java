package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.PriceSchedule;

/** Hosting prices that follow a price trace: the trace's {@code from} is the scenario's start, later records are changes. */
class ScenarioPriceTraceTest {

  private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  private static final String TRACE = """
      timestamp,region_or_zone,instance_type,price_usd_per_hour
      2015-05-31T23:00:00Z,zone-a,small-vm,0.10
      2015-06-01T00:30:00Z,zone-a,small-vm,0.20
      2015-05-31T22:00:00Z,zone-a,small-vm,0.05
      2015-06-01T01:00:00Z,zone-a,small-vm,0.20
      2015-06-01T02:00:00Z,zone-a,small-vm,0.40
      2015-06-01T00:10:00Z,zone-a,big-vm,1.00
      2015-06-01T00:00:00Z,zone-b,small-vm,0.07
      """;

  @TempDir Path dir;

  private Scenario load(String price) throws Exception {
    Files.writeString(dir.resolve("trace.csv"), TRACE);
    Path f = dir.resolve("p.conf");
    Files.writeString(f, "start = \"2026-06-01T12:00:00Z\"\nsites {\n  a {\n    capacity { slots = 4 }\n    price-per-vm-hour " + price
        + "\n  }\n}\n");
    return ScenarioFile.load(f);
  }

  private static String trace(String zone, String type, String from, String more) {
    return "{ file = \"trace.csv\", zone = " + zone + ", type = " + type + ", from = \"" + from + "\"" + more + " }";
  }

  @Test
  void theTracesFromIsTheStartAndLaterRecordsAreChanges() throws Exception {
    PriceSchedule p = load("{ trace " + trace("zone-a", "small-vm", "2015-06-01T00:00:00Z", "") + " }").infra().require("a").hosting();
    // the last record at or before from (23:00, 0.10) is the price at the start; the repeated 0.20 at 01:00 is no change
    Map<Instant, Double> expected = new TreeMap<>(Map.of(
        START, 0.10,
        Instant.parse("2026-06-01T12:30:00Z"), 0.20,
        Instant.parse("2026-06-01T14:00:00Z"), 0.40));
    assertEquals(expected, p.prices().get(PriceSchedule.ANY_SIZE));
    assertEquals(0.10, p.pricePerVmHour("medium", START), "one trace prices every size");
    assertEquals(0.20, p.pricePerVmHour("small", Instant.parse("2026-06-01T13:59:59Z")));
  }

  @Test
  void eachSizeHasItsTraceOrANumberAndAScale() throws Exception {
    PriceSchedule p = load("{\n      small { trace " + trace("zone-a", "small-vm", "2015-06-01T00:40:00Z", ", scale = 0.5") + " }\n"
        + "      large { trace " + trace("zone-a", "big-vm", "2015-06-01T00:10:00Z", ", scale = 2") + " }\n      medium = 0.3\n    }")
        .infra().require("a").hosting();
    assertEquals(0.10, p.pricePerVmHour("small", START), 1e-12);
    assertEquals(0.20, p.pricePerVmHour("small", Instant.parse("2026-06-01T13:20:00Z")), 1e-12);
    assertEquals(2.00, p.pricePerVmHour("large", START), 1e-12);
    assertEquals(0.3, p.pricePerVmHour("medium", Instant.parse("2026-06-03T00:00:00Z")));
  }

  private void assertRefused(String price, String... fragments) throws Exception {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> load(price));
    assertTrue(e.getMessage().startsWith(dir.resolve("p.conf") + ":"), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
  }

  @Test
  void mistakesAreNamedWithTheirLineAndSetting() throws Exception {
    assertRefused("{ trace { file = \"missing.csv\", zone = zone-a, type = small-vm, from = \"2015-06-01T00:00:00Z\" } }",
        "p.conf:5: sites.a.price-per-vm-hour.trace.file", "no such file", "missing.csv");
    assertRefused("{ trace " + trace("zone-c", "small-vm", "2015-06-01T00:00:00Z", "") + " }",
        "p.conf:5: sites.a.price-per-vm-hour.trace.zone", "no zone or region 'zone-c'", "[zone-a, zone-b]");
    assertRefused("{ trace " + trace("zone-b", "big-vm", "2015-06-01T00:00:00Z", "") + " }",
        "sites.a.price-per-vm-hour.trace.type", "no type 'big-vm' in zone zone-b", "[small-vm]");
    assertRefused("{ trace " + trace("zone-a", "big-vm", "2015-06-01T00:00:00Z", "") + " }",
        "sites.a.price-per-vm-hour.trace.from", "no record of zone-a big-vm at or before 2015-06-01T00:00:00Z", "2015-06-01T00:10:00Z");
    assertRefused("{ trace { file = \"trace.csv\", zone = zone-a, type = small-vm } }", "sites.a.price-per-vm-hour.trace.from", "missing setting");
    assertRefused("{ small { trace " + trace("zone-a", "small-vm", "2015-06-01T00:00:00Z", ", scale = -1") + " } }",
        "sites.a.price-per-vm-hour.small.trace.scale", "a price scale is between 1.0E-6 and 1000000, not -1");
    assertRefused("{ trace " + trace("zone-a", "small-vm", "2015-06-01T00:00:00Z", "") + ", small = 0.1 }",
        "sites.a.price-per-vm-hour", "not both");
    assertRefused("{ small { file = \"trace.csv\" } }", "sites.a.price-per-vm-hour.small", "expected a price or { trace");
  }

  @Test
  void aNegativePriceInTheTraceIsNamedWithBothFiles() throws Exception {
    Files.writeString(dir.resolve("bad.csv"), "timestamp,region_or_zone,instance_type,price_usd_per_hour\n"
        + "2015-06-01T00:00:00Z,zone-a,small-vm,0.1\n2015-06-01T01:00:00Z,zone-a,small-vm,-0.1\n");
    assertRefused("{ trace { file = \"bad.csv\", zone = zone-a, type = small-vm, from = \"2015-06-01T00:00:00Z\" } }",
        "p.conf:5: sites.a.price-per-vm-hour.trace.file", "bad.csv:3: a price is a finite number >= 0, not -0.1");
    Files.writeString(dir.resolve("bad.csv"), "time,zone,type,price\n");
    assertRefused("{ trace { file = \"bad.csv\", zone = zone-a, type = small-vm, from = \"2015-06-01T00:00:00Z\" } }",
        "bad.csv:1: expected the header");
  }
}
