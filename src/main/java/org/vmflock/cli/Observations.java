package org.vmflock.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.HostMonitor;
import org.vmflock.monitor.Sensor;
import org.vmflock.monitor.export.StatisticsExporter;
import org.vmflock.monitor.stats.QueryAnswer;

/** What replay and capture write, and what they say about their sensors. */
final class Observations {

  private Observations() {}

  static void write(Path dir, QueryAnswer.Statistics stats, VmInventory inventory, PeriodGrid grid, String name) throws IOException {
    StatisticsExporter.write(dir, stats, inventory.names(), grid.lengthMillis(), "VM x VM traffic of " + name);
  }

  static void warnAboutSensors(HostMonitor.Drained drained, Progress progress) {
    drained.failure().ifPresent(f -> progress.warn("capture failed: " + f));
    for (Sensor.Drained s : drained.sensors()) {
      if (s.rejected() > 0) {
        progress.warn(s.subject() + ": " + s.rejected() + " report(s) refused by the collector (see the log)");
      }
      if (s.givenUp() > 0) {
        progress.warn(s.subject() + ": " + s.givenUp() + " report(s) given up, the collector was unreachable");
      }
      if (s.lateFrames() > 0) {
        progress.warn(s.subject() + ": " + s.lateFrames() + " frame(s) arrived after their period was reported");
      }
    }
  }
}
