package org.vmflock.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.testing.Decisions;

/** A decision repeating its application's previous one is counted, not logged again. */
class DecisionLogTest {

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static DecisionRecord d(long id, String app, DecisionKind kind, String reason) {
    return Decisions.of(id, T.plusSeconds(id), app, kind, reason, -1, -1, -1, -1, 0, List.of());
  }

  @Test
  void aRepeatedStayIsCountedAndTheNextChangeSaysHowOften() {
    DecisionLog log = new DecisionLog();
    assertEquals(Optional.of("decision 1: cg stays: no feasible move"), log.line(d(1, "cg", DecisionKind.STAY, "cg stays: no feasible move")));
    for (int i = 2; i <= 91; i++) {
      assertEquals(Optional.empty(), log.line(d(i, "cg", DecisionKind.STAY, "cg stays: no feasible move")));
    }
    assertEquals(90, log.repeats("cg"));
    assertEquals(Optional.of("decision 92: lu stays: no feasible move"), log.line(d(92, "lu", DecisionKind.STAY, "lu stays: no feasible move")),
        "another application's decision is its own");
    assertEquals(Optional.of("decision 93: cg moves 4 VMs to nancy (the previous decision 1 was repeated 90 times since)"),
        log.line(d(93, "cg", DecisionKind.MIGRATE, "cg moves 4 VMs to nancy")));
    assertEquals(0, log.repeats("cg"));
  }

  @Test
  void aStayForAnotherReasonIsLogged() {
    DecisionLog log = new DecisionLog();
    log.line(d(1, "cg", DecisionKind.STAY, "cg stays: its placement is the best found"));
    assertEquals(Optional.of("decision 2: cg stays: no feasible move"), log.line(d(2, "cg", DecisionKind.STAY, "cg stays: no feasible move")));
    assertEquals(Optional.of("decision 3: cg stays: its placement is the best found"),
        log.line(d(3, "cg", DecisionKind.STAY, "cg stays: its placement is the best found")));
  }
}
