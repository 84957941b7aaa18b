package org.vmflock.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;

/**
 * The range of each number of vmflock's configuration ({@code reference.conf}, a {@code --config}
 * file, {@code --set KEY=VALUE}), checked once when the configuration is loaded, so that no
 * setting can make a loop spin, a count overflow or an allocation run away. A value out of range
 * is refused naming the setting and where it was written.
 */
final class SettingLimits {

  /** A number setting and its range, or a duration setting (range in milliseconds). */
  private record Setting(String path, double min, double max, boolean duration) {
    static Setting number(String path, double min, double max) {
      return new Setting(path, min, max, false);
    }

    static Setting duration(String path, Duration min, Duration max) {
      return new Setting(path, min.toMillis(), max.toMillis(), true);
    }
  }

  private static final Duration NONE = Duration.ZERO;
  private static final Duration MS = Duration.ofMillis(1);
  private static final Duration HOUR = Duration.ofHours(1);
  private static final Duration DAY = Duration.ofDays(1);
  private static final Duration YEAR = Duration.ofDays(366);
  private static final double MILLION = 1e6;

  private static final List<Setting> SETTINGS = List.of(
      Setting.duration("vmflock.monitor.period", Limits.MIN_STATISTICS_PERIOD, Limits.MAX_PERIOD),
      Setting.duration("vmflock.monitor.flush-interval", MS, HOUR),
      Setting.duration("vmflock.monitor.watermark-lag", NONE, HOUR),
      Setting.duration("vmflock.monitor.report-retry-interval", MS, HOUR),
      Setting.duration("vmflock.monitor.report-timeout", MS, HOUR),
      Setting.number("vmflock.monitor.max-unacknowledged-reports", 1, MILLION),
      Setting.number("vmflock.monitor.max-reports-in-flight", 1, 10_000),
      Setting.number("vmflock.monitor.capture.snap-length", 1, 256 << 10),
      Setting.duration("vmflock.monitor.capture.read-timeout", MS, HOUR),
      Setting.number("vmflock.monitor.replay-batch-frames", 1, 100 * MILLION),
      Setting.duration("vmflock.collector.grace", NONE, DAY),
      Setting.number("vmflock.collector.retention-periods", 0, 10 * MILLION),
      Setting.number("vmflock.collector.snapshot-every", 1, MILLION),
      Setting.duration("vmflock.collector.tick-interval", MS, HOUR),
      Setting.duration("vmflock.query.poll-interval", MS, HOUR),
      Setting.duration("vmflock.query.collector-timeout", MS, HOUR),
      Setting.number("vmflock.analyze.noise-floor.bytes-per-second", 0, Limits.TRAFFIC.max()),
      Setting.number("vmflock.analyze.noise-floor.packets-per-second", 0, Limits.TRAFFIC.max()),
      Setting.number("vmflock.analyze.report.threshold-fraction", 0, 1),
      Setting.number("vmflock.analyze.modularity.resolution", 1e-6, 1000),
      Setting.number("vmflock.analyze.modularity.iterations", 1, 1000),
      Setting.number("vmflock.analyze.modularity.random-starts", 1, 1000),
      Setting.number("vmflock.planner.min-gain-fraction", 0, 1),
      Setting.duration("vmflock.planner.min-gain-time", NONE, YEAR),
      Setting.number("vmflock.planner.min-gain-cost", 0, Limits.MONEY.max()),
      Setting.duration("vmflock.planner.cooldown", NONE, YEAR),
      Setting.number("vmflock.planner.exhaustive-limit", 1, 100 * MILLION),
      Setting.number("vmflock.planner.candidate-sites", 0, Limits.MAX_SCENARIO_SITES),
      Setting.number("vmflock.planner.max-passes", 1, 1000),
      Setting.number("vmflock.planner.max-forced-moves", 0, 100),
      Setting.duration("vmflock.planner.evacuation-lead", NONE, YEAR),
      Setting.duration("vmflock.planner.price-forecast.lookback", MS, YEAR),
      Setting.number("vmflock.planner.price-forecast.min-changes", 1, MILLION),
      Setting.duration("vmflock.planner.price-forecast.reversion", MS, YEAR),
      Setting.number("vmflock.planner.migration.bandwidth-share", 1e-3, 1),
      Setting.duration("vmflock.planner.migration.target-downtime", MS, HOUR),
      Setting.number("vmflock.planner.migration.model.max-rounds", 1, 10_000),
      Setting.number("vmflock.planner.migration.model.cap-efficiency", 1e-3, 100),
      Setting.number("vmflock.planner.migration.model.sender-bytes-per-second", 1, 1e15),
      Setting.number("vmflock.planner.migration.model.path-efficiency", 1e-3, 100),
      Setting.number("vmflock.planner.migration.model.zero-scan-bytes-per-second", 1, 1e300),
      Setting.duration("vmflock.planner.migration.model.switchover", NONE, HOUR),
      Setting.duration("vmflock.planner.migration.model.setup", NONE, HOUR),
      Setting.number("vmflock.planner.migration.model.redirty-share", 1e-3, 1),
      Setting.number("vmflock.planner.migration.model.time-factor", 1e-3, 1000),
      Setting.number("vmflock.planner.migration.model.downtime-factor", 1e-3, 1000),
      Setting.number("vmflock.planner.migration.model.bytes-factor", 1e-3, 1000),
      Setting.number("vmflock.planner.estimator.prior-sigma", 0, 10),
      Setting.number("vmflock.planner.estimator.smoothing", 0, 1),
      Setting.number("vmflock.manager.window-periods", 1, 10_000),
      Setting.duration("vmflock.manager.debounce", NONE, HOUR),
      Setting.number("vmflock.manager.full-replan-every", 0, MILLION),
      Setting.number("vmflock.manager.max-migrations-per-link", 1, 10_000),
      Setting.number("vmflock.manager.max-migrations-per-site", 1, 10_000),
      Setting.duration("vmflock.manager.reservation-lease", Duration.ofSeconds(1), DAY),
      Setting.duration("vmflock.manager.site-timeout", MS, HOUR),
      Setting.number("vmflock.manager.max-failures-after-commit", 0, 1000),
      Setting.number("vmflock.manager.max-compensation-failures", 0, 1000),
      Setting.duration("vmflock.manager.retry-delay", NONE, HOUR),
      Setting.duration("vmflock.manager.step-timeout", Duration.ofSeconds(1), DAY),
      Setting.number("vmflock.http.port", 0, 65_535),
      Setting.number("vmflock.run.time-scale", Limits.TIME_SCALE.min(), Limits.TIME_SCALE.max()),
      Setting.duration("vmflock.run.tick", MS, HOUR),
      Setting.duration("vmflock.emulate.period", Limits.MIN_STATISTICS_PERIOD, Limits.MAX_PERIOD),
      Setting.duration("vmflock.emulate.collector-grace", NONE, DAY),
      Setting.duration("vmflock.emulate.watermark-lag", NONE, HOUR),
      Setting.number("vmflock.emulate.window-periods", 1, 10_000),
      Setting.number("vmflock.emulate.full-replan-every", 0, MILLION),
      Setting.duration("vmflock.emulate.min-gain-time", NONE, YEAR),
      Setting.duration("vmflock.emulate.cooldown", NONE, YEAR),
      Setting.duration("vmflock.emulate.tick", MS, HOUR),
      Setting.duration("vmflock.emulate.run-timeout", Duration.ofSeconds(1), DAY),
      Setting.number("vmflock.journal.max-connections", 1, 100));

  private SettingLimits() {}

  /** Refuses the first setting of {@code c} out of its range. */
  static void check(Config c) {
    for (Setting s : SETTINGS) {
      if (!c.hasPath(s.path())) {
        continue;
      }
      String where = c.getValue(s.path()).origin().description();
      double v;
      try {
        v = s.duration() ? c.getDuration(s.path()).toNanos() / 1e6 : c.getDouble(s.path());
      } catch (ConfigException e) {
        throw new InvalidInputException(where, s.path() + ": " + (s.duration() ? "not a duration" : "not a number") + ": '"
            + Limits.quoted(String.valueOf(c.getValue(s.path()).unwrapped())) + "'");
      }
      Limits.Bound bound = new Limits.Bound(s.path(), s.min(), s.max());
      if (!bound.contains(v)) {
        throw new InvalidInputException(where, s.duration()
            ? s.path() + " is between " + Duration.ofMillis((long) s.min()) + " and " + Duration.ofMillis((long) s.max()) + ", not "
                + Limits.quoted(String.valueOf(c.getValue(s.path()).unwrapped()))
            : bound.problem(v));
      }
    }
  }
}
