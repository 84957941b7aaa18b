package org.vmflock.knowledge;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a decision does to its application. */
public enum DecisionKind {
  /** A new application's initial placement (P4). */
  PLACE,
  /** Migrations of some of its VMs. */
  MIGRATE,
  /** Nothing: where it runs is the best found. */
  STAY,
  /** The platform moved VMs off a site whose availability ended (suspended and resumed elsewhere). */
  FORCED;

  /** The name in journals, reports and the API: lowercase. */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the decision changes where a VM runs. */
  public boolean changes() {
    return this != STAY;
  }

  @Override
  public String toString() {
    return label();
  }
}
