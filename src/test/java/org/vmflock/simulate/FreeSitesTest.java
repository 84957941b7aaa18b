package org.vmflock.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;

/** A free site is one whose hosting price is 0 all along: in its schedule and in the timeline's price changes. */
class FreeSitesTest {

  @TempDir
  Path dir;

  @Test
  void aSiteIsFreeOnlyIfNoPriceOfItsScheduleOrTimelineIsPositive() throws Exception {
    Path f = dir.resolve("free.conf");
    Files.writeString(f, """
        start = "2026-06-01T12:00:00Z"
        sites {
          grid { capacity { slots = 4 }, price-per-vm-hour = 0 }
          later { capacity { slots = 4 }, price-per-vm-hour = 0 }
          sized { capacity { slots = 4 }, price-per-vm-hour { small = 0, medium = 0.1 } }
          cloud { capacity { slots = 4 }, price-per-vm-hour = 0.1 }
          promo { capacity { slots = 4 }, price-per-vm-hour = 0.1 }
        }
        default-link { latency = 5ms, bandwidth = 1Gbps }
        timeline = [
          { at = "2026-06-01T13:00:00Z", price { site = later, per-vm-hour = 0.05 } }
          { at = "2026-06-01T13:00:00Z", price { site = grid, per-vm-hour = 0 } }
          { at = "2026-06-01T13:00:00Z", price { site = promo, per-vm-hour = 0 } }
        ]
        """);
    Scenario s = ScenarioFile.load(f);
    assertEquals(List.of("grid"), Inputs.freeSites(s.infra(), s.timeline()));
  }

  @Test
  void theSimulatorsInputCarriesTheScenariosCurrency() throws Exception {
    Path f = dir.resolve("eur.conf");
    Files.writeString(f, """
        start = "2026-06-01T12:00:00Z"
        currency = "EUR"
        sites { grid { capacity { slots = 4 }, price-per-vm-hour = 0 } }
        """);
    assertEquals("EUR", Inputs.of(ScenarioFile.load(f)).currency().getCurrencyCode());
  }
}
