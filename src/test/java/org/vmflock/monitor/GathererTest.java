package org.vmflock.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmflock.monitor.Gatherer.Pass;
import org.vmflock.monitor.Gatherer.Write;

/** When a collector writes what: reports gathered while a write is in flight, every message in its order. */
class GathererTest {

  @Test
  void reportsGoAtOnceWhenNoWriteIsInFlightAndTogetherAfterIt() {
    Gatherer<String> g = new Gatherer<>(100);
    assertEquals(List.of(new Write<>(List.of("a"))), g.reports("a", 40));
    assertEquals(List.of(), g.reports("b", 40));
    assertEquals(List.of(), g.reports("c", 1));
    assertEquals(2, g.waiting());
    assertEquals(List.of(new Write<>(List.of("b", "c"))), g.written());
    assertEquals(1, g.writing());
    assertEquals(List.of(), g.written());
    assertEquals(0, g.writing());
    assertEquals(List.of(new Write<>(List.of("d"))), g.reports("d", 1));
  }

  @Test
  void anotherMessageGoesAfterTheReportsThatCameBeforeIt() {
    Gatherer<String> g = new Gatherer<>(100);
    g.reports("a", 10);
    g.reports("b", 10);
    g.reports("c", 10);
    // b and c sent at once (the journal side holds them behind a's write), then the query
    assertEquals(List.of(new Write<>(List.of("b", "c")), new Pass<>("query")), g.other("query"));
    assertEquals(2, g.writing());
    assertEquals(List.of(), g.reports("d", 10));
    assertEquals(List.of(), g.written());
    assertEquals(List.of(new Write<>(List.of("d"))), g.written());
    // nothing waiting: straight through
    assertEquals(List.of(new Pass<>("query 2")), g.other("query 2"));
  }

  @Test
  void aWriteGathersAtMostItsReportsButAMessageLargerGoesAlone() {
    Gatherer<String> g = new Gatherer<>(100);
    g.reports("a", 1);
    g.reports("big", 500);
    g.reports("b", 60);
    g.reports("c", 40);
    g.reports("d", 1);
    assertEquals(List.of(new Write<>(List.of("big"))), g.written());
    assertEquals(List.of(new Write<>(List.of("b", "c"))), g.written());
    assertEquals(List.of(new Write<>(List.of("d"))), g.written());
    assertEquals(List.of(), g.written());
    assertThrows(IllegalStateException.class, g::written);
    assertThrows(IllegalArgumentException.class, () -> new Gatherer<String>(0));
  }
}
