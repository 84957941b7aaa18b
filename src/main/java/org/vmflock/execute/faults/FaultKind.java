package org.vmflock.execute.faults;

/** What goes wrong in a run of the fault harness: one kind of fault per run, or all of them at once. */
public enum FaultKind {
  /** Steps and compensations fail, before or after their effect, or the actuator crashes; on any attempt. */
  ACTUATOR_FAILURE("actuator failure"),
  /** A step or compensation never answers, before or after its effect: the saga's step timeout must fire. */
  ACTUATOR_TIMEOUT("actuator timeout"),
  /** A message from the saga to a site actor, or its answer, is lost. */
  MESSAGE_LOST("message lost"),
  /** A message from the saga to a site actor arrives twice (at once, or after the next one), or its answer does. */
  MESSAGE_DUPLICATED("message duplicated"),
  /** A write to the journal of the saga or of a site actor fails, before or after the events are stored. */
  JOURNAL_FAILURE("journal failure"),
  /** The saga actor is stopped in the middle of a step; a new incarnation recovers from the journal and resumes. */
  SAGA_CRASH("saga crash"),
  /** All of the above in the same run, each less often. */
  MIXED("all mixed");

  private final String label;

  FaultKind(String label) {
    this.label = label;
  }

  /** A short name for reports. */
  public String label() {
    return label;
  }
}
