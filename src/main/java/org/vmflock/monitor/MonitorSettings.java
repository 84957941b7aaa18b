package org.vmflock.monitor;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.IpAddress;
import org.vmflock.model.PeriodGrid;
import org.vmflock.monitor.stats.CollectorSettings;

/** The {@code vmflock.monitor}, {@code vmflock.collector} and {@code vmflock.query} settings. */
public record MonitorSettings(
    PeriodGrid grid,
    List<IpAddress> fileServers,
    Duration flushInterval,
    Duration watermarkLag,
    Duration reportRetryInterval,
    Duration reportTimeout,
    int maxUnacknowledgedReports,
    int maxReportsInFlight,
    CaptureSettings capture,
    int replayBatchFrames,
    CollectorSettings collector,
    int snapshotEvery,
    Duration collectorTickInterval,
    Duration queryPollInterval,
    Duration collectorTimeout) {

  /** How live captures open their handles. */
  public record CaptureSettings(int snapLength, boolean promiscuous, int bufferBytes, Duration readTimeout, String filter) {
    /** The same capture keeping only the frames {@code own} (tcpdump syntax) selects, and of those what the user's filter keeps. */
    public CaptureSettings narrowedTo(String own) {
      return new CaptureSettings(snapLength, promiscuous, bufferBytes, readTimeout, filter.isBlank() ? own : "(" + own + ") and (" + filter + ")");
    }
  }

  public static MonitorSettings from(Config c) {
    try {
      Config m = c.getConfig("vmflock.monitor");
      Config col = c.getConfig("vmflock.collector");
      Config q = c.getConfig("vmflock.query");
      PeriodGrid grid = PeriodGrid.of(m.getDuration("period"));
      List<IpAddress> fileServers = m.getStringList("file-servers").stream().map(IpAddress::parse).toList();
      Config cap = m.getConfig("capture");
      return new MonitorSettings(
          grid,
          fileServers,
          positive(m, "flush-interval"),
          m.getDuration("watermark-lag"),
          positive(m, "report-retry-interval"),
          positive(m, "report-timeout"),
          atLeastOne(m, "max-unacknowledged-reports"),
          atLeastOne(m, "max-reports-in-flight"),
          new CaptureSettings(
              atLeastOne(cap, "snap-length"),
              cap.getBoolean("promiscuous"),
              Math.toIntExact(cap.getBytes("buffer-size")),
              positive(cap, "read-timeout"),
              cap.getString("filter")),
          atLeastOne(m, "replay-batch-frames"),
          new CollectorSettings(grid, col.getDuration("grace"), col.getInt("retention-periods")),
          atLeastOne(col, "snapshot-every"),
          positive(col, "tick-interval"),
          positive(q, "poll-interval"),
          positive(q, "collector-timeout"));
    } catch (com.typesafe.config.ConfigException e) {
      throw new InvalidInputException(e.origin() != null ? e.origin().description() : "configuration", e.getMessage());
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new InvalidInputException("configuration", e.getMessage());
    }
  }

  private static Duration positive(Config c, String path) {
    Duration d = c.getDuration(path);
    if (d.isNegative() || d.isZero()) {
      throw new InvalidInputException(c.origin().description(), path + " must be positive, not " + d);
    }
    return d;
  }

  private static int atLeastOne(Config c, String path) {
    int v = c.getInt(path);
    if (v < 1) {
      throw new InvalidInputException(c.origin().description(), path + " must be at least 1, not " + v);
    }
    return v;
  }
}
