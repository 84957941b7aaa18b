package org.vmflock.knowledge;

/** Where an application is in its life. */
public enum AppStatus {
  /** Submitted, waiting for its initial placement. */
  SUBMITTED,
  /** Placed and running. */
  RUNNING,
  /** Done: its VMs no longer take room. */
  FINISHED
}
