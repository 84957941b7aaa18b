package org.vmflock.monitor.stats;

/** The three kinds of statistics query of the report (§4.3.2, M6). */
public enum QueryType {
  /** The values of each period. */
  DETAILED,
  /** The plain mean over the periods. */
  MEAN,
  /** A mean where each period counts {@code weight} times the one before it. */
  WEIGHTED
}
