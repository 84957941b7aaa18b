package org.vmflock.monitor.traffic;

/** A host capture's own counters for one period (frames that belong to no VM), sent to its site's collector. */
public record HostReport(String site, HostTraffic traffic, long lateFrames, boolean partial) {

  public String host() {
    return traffic.host();
  }

  public long period() {
    return traffic.period();
  }
}
