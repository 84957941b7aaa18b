package org.vmflock.testing;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.DecisionRecord;

/** Decisions built in tests: each predicted figure given (negative: none), no audit nor result yet. */
public final class Decisions {

  private Decisions() {}

  public static DecisionRecord of(long id, Instant at, String application, DecisionKind kind, String reason, double predictedSeconds,
      double predictedCost, double staySeconds, double stayCost, double spent, List<String> migrations) {
    return new DecisionRecord(id, at, application, kind, reason, DecisionRecord.figure(predictedSeconds), DecisionRecord.figure(predictedCost),
        DecisionRecord.figure(staySeconds), DecisionRecord.figure(stayCost), spent, migrations,
        migrations.isEmpty() ? DecisionRecord.Outcome.NONE : DecisionRecord.Outcome.PENDING, Optional.empty(), Optional.empty());
  }
}
