package org.vmflock.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A price for every size ({@code *}) means every size, whatever each cost before; the history before a change stays. */
class PriceScheduleTest {

  private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");
  private static final Instant T1 = T0.plusSeconds(3600);

  @Test
  void aPriceForEverySizeAppliesToSizesPricedOnTheirOwn() {
    PriceSchedule perSize = new PriceSchedule(Map.of("small", Map.of(T0, 0.05), "medium", Map.of(T0, 0.10)));
    PriceSchedule risen = perSize.withPrice(PriceSchedule.ANY_SIZE, T1, 0.40);
    assertEquals(0.40, risen.pricePerVmHour("small", T1));
    assertEquals(0.40, risen.pricePerVmHour("medium", T1));
    assertEquals(0.40, risen.pricePerVmHour("large", T1), "a size priced by * only");
    assertEquals(0.05, risen.pricePerVmHour("small", T0), "before the change, the old price");
    assertEquals(0.10, risen.pricePerVmHour("medium", T0));
    // one size priced again on its own afterwards keeps its new price
    PriceSchedule later = risen.withPrice("small", T1.plusSeconds(60), 0.02);
    assertEquals(0.02, later.pricePerVmHour("small", T1.plusSeconds(60)));
    assertEquals(0.40, later.pricePerVmHour("medium", T1.plusSeconds(60)));
  }

  @Test
  void pricesFromAnInstantKeepWhatCostsAreCountedWith() {
    PriceSchedule s = PriceSchedule.flat(0.1).withPrice("*", T0, 0.2).withPrice("*", T1, 0.3);
    PriceSchedule from = s.from(T0.plusSeconds(60));
    assertEquals(s.cost("small", T0.plusSeconds(60), T1.plusSeconds(3600)), from.cost("small", T0.plusSeconds(60), T1.plusSeconds(3600)), 1e-12);
    assertEquals(2, from.prices().get("*").size(), "the price in force then and the later one");
  }
}
