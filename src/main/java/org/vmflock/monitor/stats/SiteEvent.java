package org.vmflock.monitor.stats;

import java.util.List;
import org.vmflock.CborSerializable;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.SensorReport;

/** What a site's collector persists (M5). {@link SiteStatistics#apply} folds them into its state. */
public sealed interface SiteEvent extends CborSerializable {

  /** Sensors of {@code host} to expect; re-registering a VM moves it to that host. */
  record VmsRegistered(String host, List<RosterEntry> vms) implements SiteEvent {
    public VmsRegistered {
      vms = List.copyOf(vms);
    }
  }

  /** The VMs of {@code host} are no longer expected (their application ended, or they moved away). */
  record HostDeregistered(String host) implements SiteEvent {}

  record ReportRecorded(SensorReport report, long receivedAtMillis) implements SiteEvent {}

  record HostReportRecorded(HostReport report, long receivedAtMillis) implements SiteEvent {}

  record PeriodClosed(long period, CloseReason reason, List<String> missing, long atMillis) implements SiteEvent {
    public PeriodClosed {
      missing = List.copyOf(missing);
    }
  }

  /** Retention: every period up to and including {@code throughPeriod} is forgotten. */
  record PeriodsPruned(long throughPeriod) implements SiteEvent {}
}
