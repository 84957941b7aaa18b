package org.vmflock.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.NetworkPath;
import org.vmflock.site.EnvironmentChange;

/** A scenario's timeline: each kind of event becomes its site change, in time order, and each mistake is named. */
class ScenarioTimelineTest {

  private static final long GIB = 1L << 30;
  private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");
  private static final String SITES = """
      start = "2026-06-01T12:00:00Z"
      sites {
        a { capacity { slots = 4 }, price-per-vm-hour { small = 0.1, medium = 0.2 } }
        b { capacity { slots = 4 }, price-per-vm-hour = 0.2 }
      }
      default-link { latency = 5ms, bandwidth = 1Gbps }
      """;

  @TempDir Path dir;

  private Scenario load(String timeline) throws Exception {
    Path f = dir.resolve("t.conf");
    Files.writeString(f, SITES + "timeline = [\n" + timeline + "\n]\n");
    return ScenarioFile.load(f);
  }

  private static Instant at(int minutes) {
    return START.plus(Duration.ofMinutes(minutes));
  }

  private static TimelineEvent.SiteChange change(Instant at, String site, EnvironmentChange c) {
    return new TimelineEvent.SiteChange(at, site, c);
  }

  @Test
  void eachKindBecomesItsChange() throws Exception {
    Scenario s = load("""
        { at = "2026-06-01T12:01:00Z", price { site = a, per-vm-hour = 0.3, size = medium } }
        { at = "2026-06-01T12:02:00Z", transfer-price { site = a, per-gb = 0.05, to = b } }
        { at = "2026-06-01T12:03:00Z", transfer-price { site = b, per-gb = 0.07 } }
        { at = "2026-06-01T12:04:00Z", capacity { site = a, slots = 10, cores = 40, memory = 80GiB } }
        { at = "2026-06-01T12:05:00Z", speed { site = b, cpu-speed = 1.1 } }
        { at = "2026-06-01T12:06:00Z", availability { site = a, windows = [ { until = "2026-06-01T18:00:00Z" },
            { from = "2026-06-02T00:00:00Z", until = "2026-06-02T06:00:00Z" } ] } }
        { at = "2026-06-01T12:07:00Z", availability { site = b, windows = [] } }
        { at = "2026-06-01T12:08:00Z", quota { site = a, vms = 4 } }
        { at = "2026-06-01T12:09:00Z", quota { site = a } }
        { at = "2026-06-01T12:10:00Z", link { site = a, to = b, latency = 5ms, bandwidth = 10Gbps } }
        { at = "2026-06-01T12:11:00Z", fail { site = b, notice = 15m } }
        { at = "2026-06-01T12:12:00Z", fail { site = a } }
        """);
    assertEquals(List.of(
        change(at(1), "a", new EnvironmentChange.Price("medium", at(1), 0.3)),
        change(at(2), "a", new EnvironmentChange.TransferPrice("b", 0.05)),
        change(at(3), "b", new EnvironmentChange.TransferPrice("default", 0.07)),
        change(at(4), "a", new EnvironmentChange.CapacityChange(new Capacity(10, 40, 80 * GIB))),
        change(at(5), "b", new EnvironmentChange.Speed(1.1)),
        change(at(6), "a", new EnvironmentChange.Availability(List.of(new AvailabilityWindow(at(6), Instant.parse("2026-06-01T18:00:00Z")),
            new AvailabilityWindow(Instant.parse("2026-06-02T00:00:00Z"), Instant.parse("2026-06-02T06:00:00Z"))))),
        change(at(7), "b", new EnvironmentChange.Availability(List.of())),
        change(at(8), "a", new EnvironmentChange.Quota(Optional.of(4))),
        change(at(9), "a", new EnvironmentChange.Quota(Optional.empty())),
        change(at(10), "a", new EnvironmentChange.LinkChange(new EnvironmentChange.SiteLink("b", new NetworkPath(Duration.ofMillis(5), 10e9 / 8)))),
        new TimelineEvent.SiteFailure(at(11), "b", at(26)),
        new TimelineEvent.SiteFailure(at(12), "a", at(12))), s.timeline());
  }

  @Test
  void aPriceWithoutSizeChangesEverySizeTheSitePrices() throws Exception {
    Scenario s = load("""
        { at = "2026-06-01T13:00:00Z", price { site = a, per-vm-hour = 0.5 } }
        { at = "2026-06-01T14:00:00Z", price { site = b, per-vm-hour = 0.6, size = "*" } }
        """);
    assertEquals(List.of(
        change(at(60), "a", new EnvironmentChange.Price("medium", at(60), 0.5)),
        change(at(60), "a", new EnvironmentChange.Price("small", at(60), 0.5)),
        change(at(120), "b", new EnvironmentChange.Price("*", at(120), 0.6))), s.timeline());
  }

  @Test
  void eventsAreInTimeOrderAndInFileOrderAtTheSameInstant() throws Exception {
    Scenario s = load("""
        { at = "2026-06-01T14:00:00Z", speed { site = a, cpu-speed = 3 } }
        { at = "2026-06-01T13:00:00Z", speed { site = b, cpu-speed = 2 } }
        { at = "2026-06-01T14:00:00Z", speed { site = b, cpu-speed = 1 } }
        { at = "2026-06-01T12:00:00Z", fail { site = a, notice = 1h } }
        """);
    assertEquals(List.of(
        new TimelineEvent.SiteFailure(START, "a", at(60)),
        change(at(60), "b", new EnvironmentChange.Speed(2)),
        change(at(120), "a", new EnvironmentChange.Speed(3)),
        change(at(120), "b", new EnvironmentChange.Speed(1))), s.timeline());
  }

  @Test
  void withoutTimelineNothingHappens() throws Exception {
    Path f = dir.resolve("none.conf");
    Files.writeString(f, SITES);
    assertTrue(ScenarioFile.load(f).timeline().isEmpty());
  }

  private void assertRefused(String timeline, String... fragments) throws Exception {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> load(timeline));
    assertTrue(e.getMessage().startsWith(dir.resolve("t.conf") + ":"), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
  }

  @Test
  void mistakesAreNamedWithTheirLineAndField() throws Exception {
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", explode { site = a } }", "t.conf:8: timeline[0].explode", "unknown event kind 'explode'",
        "fail");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", speed { site = a, cpu-speed = 2 }, quota { site = a } }", "t.conf:8: timeline[0].speed",
        "one event per element");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\" }", "t.conf:8: timeline[0]", "no event");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", price { site = a, per-vm-hour = -1 } }", "t.conf:8: timeline[0].price.per-vm-hour",
        "a price per VM-hour is between 0 and 10000, not -1");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", price { site = a, per-vm-hour = 1, size = huge } }", "timeline[0].price.size",
        "unknown VM size 'huge'");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", price { per-vm-hour = 1 } }", "timeline[0].price.site", "missing setting");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", transfer-price { site = a, per-gb = 0.1, to = paris } }",
        "timeline[0].transfer-price.to", "unknown site 'paris'");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", link { site = a, to = a, latency = 1ms, bandwidth = 1Gbps } }", "timeline[0].link.to",
        "the event's site itself");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", link { site = a, to = b, bandwidth = 1Gbps } }", "timeline[0].link.latency",
        "missing setting");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", capacity { site = a, slots = -2 } }", "timeline[0].capacity.slots", "a number of VM slots is between 0 and 1000000, not -2");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", quota { site = a, vms = -1 } }", "timeline[0].quota.vms", "a number of VM slots is between 0 and 1000000, not -1");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", speed { site = a, cpu-speed = 0 } }", "timeline[0].speed.cpu-speed", "a CPU speed is between 0.001 and 1000, not 0");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", fail { site = a, notice = -5m } }", "timeline[0].fail.notice", "must not be negative");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", availability { site = a, windows = [ { until = \"2026-06-01T12:30:00Z\" } ] } }",
        "timeline[0].availability.windows[0].until", "before the event");
    assertRefused("{ at = \"2026-06-01T13:00:00Z\", price = 3 }", "timeline[0].price", "expected an object");
    assertRefused("{ at = \"yesterday\", fail { site = a } }", "timeline[0].at", "not an instant");
  }
}
