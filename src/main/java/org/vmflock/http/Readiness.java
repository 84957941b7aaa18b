package org.vmflock.http;

import java.util.SortedMap;
import java.util.TreeMap;

/** Whether a node is ready to serve ({@code GET /health/ready}), and what each of its checks found. */
public record Readiness(boolean ready, SortedMap<String, String> checks) {

  public Readiness {
    checks = new TreeMap<>(checks);
  }
}
