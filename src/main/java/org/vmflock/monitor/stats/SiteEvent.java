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

  /**
   * The VMs of {@code host} are no longer expected (their application ended, or they moved away),
   * and were not at the site from period {@code fromPeriod} on: the periods from there that closed
   * with them missing no longer count them missing (a deregistration that came after the grace time,
   * as a late report would). {@code null} in journals written before it (and {@link Long#MAX_VALUE}
   * when the period is not known): no closed period changes.
   */
  record HostDeregistered(String host, Long fromPeriod) implements SiteEvent {
    public HostDeregistered {
      fromPeriod = fromPeriod == null ? Long.MAX_VALUE : fromPeriod;
    }
  }

  /** One sensor report recorded (a {@code Collector.Report} before reports were written together; still read from older journals). */
  record ReportRecorded(SensorReport report, long receivedAtMillis) implements SiteEvent {}

  /**
   * Sensor reports recorded together, in this order, each as a {@link ReportRecorded} of its own
   * would be: those of one collector write (a batch, or the messages gathered while the write before
   * was in flight), one journal row.
   */
  record ReportsRecorded(List<SensorReport> reports, long receivedAtMillis) implements SiteEvent {
    public ReportsRecorded {
      reports = List.copyOf(reports);
      if (reports.isEmpty()) {
        throw new IllegalArgumentException("ReportsRecorded holds no report");
      }
    }
  }

  record HostReportRecorded(HostReport report, long receivedAtMillis) implements SiteEvent {}

  record PeriodClosed(long period, CloseReason reason, List<String> missing, long atMillis) implements SiteEvent {
    public PeriodClosed {
      missing = List.copyOf(missing);
    }
  }

  /** Retention: every period up to and including {@code throughPeriod} is forgotten. */
  record PeriodsPruned(long throughPeriod) implements SiteEvent {}
}
