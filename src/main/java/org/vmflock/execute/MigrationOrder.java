package org.vmflock.execute;

import java.time.Instant;
import org.vmflock.CborSerializable;
import org.vmflock.model.Vm;
import org.vmflock.plan.Migration;
import org.vmflock.plan.MigrationEstimate;

/**
 * A migration to carry out: which VM of which application goes from which site to which, what it
 * was predicted to take (to audit against what is observed), and when it was ordered. It travels
 * in actor messages and in the saga's {@link SagaEvent.Started} event.
 *
 * @param migrationId unique among all migrations ever ordered; actuators key their idempotency on it
 * @param vm the VM's name, the same as {@code vmSpec.name()}
 */
public record MigrationOrder(
    String migrationId,
    String application,
    String vm,
    Vm vmSpec,
    String from,
    String to,
    MigrationEstimate predicted,
    Instant orderedAt) implements CborSerializable {

  public MigrationOrder {
    if (migrationId.isBlank()) {
      throw new IllegalArgumentException("a migration order needs an id");
    }
    if (!vm.equals(vmSpec.name())) {
      throw new IllegalArgumentException("migration " + migrationId + ": VM '" + vm + "' but its specification names '" + vmSpec.name() + "'");
    }
    if (from.equals(to)) {
      throw new IllegalArgumentException("migration " + migrationId + ": VM '" + vm + "' is already at '" + to + "'");
    }
  }

  /** The order carrying out a planned migration. */
  public static MigrationOrder of(String migrationId, Migration planned, Vm vmSpec, Instant orderedAt) {
    return new MigrationOrder(migrationId, planned.application(), planned.vm(), vmSpec, planned.from(), planned.to(), planned.estimate(), orderedAt);
  }

  @Override
  public String toString() {
    return migrationId + " (" + vm + ": " + from + " -> " + to + ")";
  }
}
