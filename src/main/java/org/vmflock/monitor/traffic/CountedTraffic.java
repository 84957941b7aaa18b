package org.vmflock.monitor.traffic;

import java.util.List;

/** What a {@link TrafficCounter} hands over when drained: per VM and period, and per host and period. */
public record CountedTraffic(List<VmTraffic> vms, List<HostTraffic> hosts, long frames) {

  public CountedTraffic {
    vms = List.copyOf(vms);
    hosts = List.copyOf(hosts);
  }

  public static CountedTraffic none() {
    return new CountedTraffic(List.of(), List.of(), 0);
  }

  public boolean isEmpty() {
    return frames == 0;
  }
}
