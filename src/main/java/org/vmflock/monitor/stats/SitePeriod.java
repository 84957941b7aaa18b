package org.vmflock.monitor.stats;

import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pcollections.TreePMap;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.SensorReport;

/**
 * One site's statistics of one period: the reports of its sensors (by VM) and hosts, when the
 * collector first heard of the period, and whether (and why) it is final. A sensor that did not
 * report by the grace time is listed in {@code missing}: its traffic is unknown, not zero.
 */
public record SitePeriod(
    long period,
    SortedMap<String, SensorReport> reports,
    SortedMap<String, HostReport> hosts,
    long firstSeenMillis,
    CloseReason closeReason,
    List<String> missing,
    long closedAtMillis) {

  public SitePeriod {
    // persistent maps: a report added shares the rest with the period before (O(log n), no copy)
    reports = reports instanceof TreePMap<String, SensorReport> p ? p : TreePMap.from(reports);
    hosts = hosts instanceof TreePMap<String, HostReport> p ? p : TreePMap.from(hosts);
    missing = List.copyOf(missing);
  }

  static SitePeriod opened(long period, long firstSeenMillis) {
    return new SitePeriod(period, new TreeMap<>(), new TreeMap<>(), firstSeenMillis, CloseReason.OPEN, List.of(), 0);
  }

  public boolean closed() {
    return closeReason != CloseReason.OPEN;
  }

  SitePeriod withReport(SensorReport r) {
    List<String> stillMissing = missing.contains(r.vm()) ? missing.stream().filter(vm -> !vm.equals(r.vm())).toList() : missing;
    return new SitePeriod(period, ((TreePMap<String, SensorReport>) reports).plus(r.vm(), r), hosts, firstSeenMillis, closeReason, stillMissing,
        closedAtMillis);
  }

  /**
   * The period with these reports (of distinct VMs) added: one by one when they are few next to the
   * period's, else the period's reports copied once into a tree built from the sorted whole
   * (O(n + k log n), where k persistent insertions would allocate a path each).
   */
  SitePeriod withReports(List<SensorReport> rs) {
    int n = reports.size();
    if ((long) rs.size() * (32 - Integer.numberOfLeadingZeros(n + 1)) <= n) {
      SitePeriod sp = this;
      for (SensorReport r : rs) {
        sp = sp.withReport(r);
      }
      return sp;
    }
    TreeMap<String, SensorReport> all = new TreeMap<>(reports);
    java.util.Set<String> vms = new java.util.HashSet<>();
    for (SensorReport r : rs) {
      all.put(r.vm(), r);
      vms.add(r.vm());
    }
    List<String> stillMissing = missing.isEmpty() ? missing : missing.stream().filter(vm -> !vms.contains(vm)).toList();
    return new SitePeriod(period, TreePMap.fromSortedMap(all), hosts, firstSeenMillis, closeReason, stillMissing, closedAtMillis);
  }

  SitePeriod withHost(HostReport r) {
    return new SitePeriod(period, reports, ((TreePMap<String, HostReport>) hosts).plus(r.host(), r), firstSeenMillis, closeReason, missing, closedAtMillis);
  }

  SitePeriod close(CloseReason reason, List<String> missingVms, long atMillis) {
    return new SitePeriod(period, reports, hosts, firstSeenMillis, reason, missingVms, atMillis);
  }
}
