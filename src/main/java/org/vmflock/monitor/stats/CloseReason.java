package org.vmflock.monitor.stats;

/** Why a period's statistics are final. */
public enum CloseReason {
  /** Still waiting for reports. */
  OPEN,
  /** Every expected sensor reported. */
  ALL_REPORTED,
  /** The grace time ran out; the sensors that did not report are recorded as missing. */
  GRACE
}
