package org.vmflock.monitor.stats;

import java.util.List;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.traffic.HostTraffic;

/**
 * The global statistics of one period, all sites merged: the VM x VM matrix, whether the period is
 * final, which sensors are missing (their columns are unknown, not zero), which were extrapolated
 * from the period before, and the traffic that is not between VMs.
 */
public record PeriodStatistics(
    long period,
    long startMillis,
    long endMillis,
    boolean complete,
    List<String> missing,
    List<String> extrapolated,
    TrafficMatrix matrix,
    List<OtherTraffic> other,
    List<HostTraffic> hosts) {

  public PeriodStatistics {
    missing = List.copyOf(missing);
    extrapolated = List.copyOf(extrapolated);
    other = List.copyOf(other);
    hosts = List.copyOf(hosts);
  }
}
