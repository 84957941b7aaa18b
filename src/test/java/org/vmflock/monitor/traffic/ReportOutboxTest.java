package org.vmflock.monitor.traffic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportOutboxTest {

  private static List<Long> periods(List<Map.Entry<Long, String>> sent) {
    return sent.stream().map(Map.Entry::getKey).toList();
  }

  @Test
  void capacityAndInFlightMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new ReportOutbox<String>(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ReportOutbox<String>(1, 0));
  }

  @Test
  void reportsAreSentOldestFirstWithTheirContent() {
    ReportOutbox<String> box = new ReportOutbox<>(10, 10);
    box.add(12, "r12");
    box.add(10, "r10");
    box.add(11, "r11");
    assertEquals(List.of(Map.entry(10L, "r10"), Map.entry(11L, "r11"), Map.entry(12L, "r12")), box.toSend());
    assertEquals(3, box.size());
  }

  @Test
  void beyondCapacityTheOldestReportsAreGivenUpAndCounted() {
    ReportOutbox<String> box = new ReportOutbox<>(2, 5);
    assertEquals(List.of(), box.add(1, "r1"));
    assertEquals(List.of(), box.add(2, "r2"));
    assertEquals(List.of(1L), box.add(3, "r3"));
    assertEquals(List.of(2L), box.add(4, "r4"));
    assertEquals(2, box.size());
    assertEquals(2, box.dropped());
    assertEquals(List.of(3L, 4L), periods(box.toSend()));
  }

  @Test
  void aReportOlderThanAllKeptIsItselfGivenUpWhenFull() {
    ReportOutbox<String> box = new ReportOutbox<>(2, 5);
    box.add(5, "r5");
    box.add(6, "r6");
    assertEquals(List.of(0L), box.add(0, "r0"));
    assertEquals(1, box.dropped());
    assertEquals(List.of(5L, 6L), periods(box.toSend()));
  }

  @Test
  void atMostMaxInFlightAreOutstanding() {
    ReportOutbox<String> box = new ReportOutbox<>(10, 2);
    for (long p = 1; p <= 4; p++) {
      box.add(p, "r" + p);
    }
    assertEquals(List.of(1L, 2L), periods(box.toSend()));
    assertEquals(List.of(), box.toSend()); // both still in flight
    box.done(1);
    assertEquals(List.of(3L), periods(box.toSend()));
    box.done(3);
    assertEquals(List.of(4L), periods(box.toSend()));
    assertEquals(List.of(), box.toSend());
    assertEquals(2, box.size()); // 2 and 4 wait for their answer
  }

  @Test
  void aFailedReportIsSentAgain() {
    ReportOutbox<String> box = new ReportOutbox<>(10, 1);
    box.add(1, "r1");
    box.add(2, "r2");
    assertEquals(List.of(1L), periods(box.toSend()));
    box.failed(1);
    // 1 is still the oldest: it goes again before 2
    assertEquals(List.of(Map.entry(1L, "r1")), box.toSend());
    box.done(1);
    assertEquals(List.of(2L), periods(box.toSend()));
    box.done(2);
    assertTrue(box.isEmpty());
    assertEquals(0, box.dropped());
  }

  @Test
  void givingUpAReportInFlightFreesItsSlot() {
    ReportOutbox<String> box = new ReportOutbox<>(2, 1);
    box.add(1, "r1");
    assertEquals(List.of(1L), periods(box.toSend()));
    box.add(2, "r2");
    assertEquals(List.of(1L), box.add(3, "r3"));
    assertEquals(List.of(2L), periods(box.toSend()));
  }

  @Test
  void doneOrFailedForAnUnknownPeriodChangesNothing() {
    ReportOutbox<String> box = new ReportOutbox<>(3, 3);
    box.add(1, "r1");
    box.done(7);
    box.failed(8);
    assertEquals(1, box.size());
    assertFalse(box.isEmpty());
    assertEquals(List.of(1L), periods(box.toSend()));
  }

  @Test
  void addingAPeriodAgainReplacesItsReport() {
    ReportOutbox<String> box = new ReportOutbox<>(3, 3);
    box.add(1, "old");
    assertEquals(List.of(), box.add(1, "new"));
    assertEquals(1, box.size());
    assertEquals(List.of(Map.entry(1L, "new")), box.toSend());
  }
}
