package org.vmflock.knowledge;

/** Where an application is in its life. */
public enum AppStatus {
  /** Announced: it will be submitted at a known time (its submittedAt); the planner holds room for it. */
  ANNOUNCED,
  /** Submitted, waiting for its initial placement. */
  SUBMITTED,
  /** Placed and running. */
  RUNNING,
  /** Done: its VMs no longer take room. */
  FINISHED
}
