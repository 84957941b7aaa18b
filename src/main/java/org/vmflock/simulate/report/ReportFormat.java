package org.vmflock.simulate.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How the report's files write numbers, times and names: the same text for the same value on any
 * machine (no locale, no platform line separator), so a scenario and seed give byte-identical files.
 */
final class ReportFormat {

  /** Decimals of each kind of number in results.csv, results.json and timeline.csv. */
  static final int SECONDS_DECIMALS = 3;
  static final int COST_DECIMALS = 6;
  static final int BYTES_DECIMALS = 0;

  private static final String[] BYTE_UNITS = {"B", "kB", "MB", "GB", "TB", "PB"};

  private ReportFormat() {}

  /** {@code value} rounded half-up to {@code decimals}, plain (no exponent); "" when not a finite number. */
  static String fixed(double value, int decimals) {
    if (!Double.isFinite(value)) {
      return "";
    }
    BigDecimal d = new BigDecimal(value).setScale(decimals, RoundingMode.HALF_UP);
    if (d.signum() == 0) {
      d = d.abs(); // no "-0.000"
    }
    return d.toPlainString();
  }

  /** {@link #fixed} as a JSON number, or null when not a finite number. */
  static BigDecimal decimal(double value, int decimals) {
    String s = fixed(value, decimals);
    return s.isEmpty() ? null : new BigDecimal(s);
  }

  /**
   * {@code t} to the second, as ISO 8601: 2026-06-01T15:10:19Z (rounded half up; the exact figures
   * are the seconds columns, to the millisecond).
   */
  static String instant(Instant t) {
    Instant rounded = t.getNano() >= 500_000_000 ? t.plusSeconds(1) : t;
    return rounded.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  static double secondsBetween(Instant from, Instant to) {
    Duration d = Duration.between(from, to);
    return d.getSeconds() + d.getNano() / 1e9;
  }

  /** A unit in which a duration of up to {@code maxSeconds} reads well in a table or on an axis. */
  enum TimeUnit {
    SECONDS("s", 1, 1), MINUTES("min", 60, 1), HOURS("h", 3600, 2);

    final String symbol;
    final double seconds;
    final int decimals;

    TimeUnit(String symbol, double seconds, int decimals) {
      this.symbol = symbol;
      this.seconds = seconds;
      this.decimals = decimals;
    }

    static TimeUnit forMax(double maxSeconds) {
      if (!(maxSeconds >= 300)) {
        return SECONDS;
      }
      return maxSeconds < 3 * 3600 ? MINUTES : HOURS;
    }

    double of(double seconds) {
      return seconds / this.seconds;
    }

    String format(double seconds) {
      return Double.isFinite(seconds) ? fixed(of(seconds), decimals) : "-";
    }
  }

  /** Decimals for costs in the summary tables: two for sums of tens or more, four for small ones. */
  static int costDecimals(double maxCost) {
    return maxCost >= 10 ? 2 : 4;
  }

  /** 1234567 -> "1.23 MB" (powers of 1000). */
  static String bytes(double b) {
    if (!Double.isFinite(b)) {
      return "-";
    }
    int u = 0;
    double v = b;
    while (Math.abs(v) >= 1000 && u < BYTE_UNITS.length - 1) {
      v /= 1000;
      u++;
    }
    return u == 0 ? fixed(v, 0) + " B" : fixed(v, 2) + " " + BYTE_UNITS[u];
  }

  static String integer(long n) {
    return String.format(Locale.ROOT, "%d", n);
  }

  /**
   * A file-name-safe stem per name, in order: letters, digits, '.', '-' and '_' kept, others
   * replaced by '_'; a stem already taken gets "-2", "-3"...
   */
  static List<String> fileStems(List<String> names) {
    Set<String> taken = new HashSet<>();
    List<String> out = new ArrayList<>();
    for (String name : names) {
      String base = name.replaceAll("[^A-Za-z0-9._-]", "_");
      if (base.isEmpty() || base.startsWith(".")) {
        base = "_" + base;
      }
      String stem = base;
      for (int i = 2; !taken.add(stem.toLowerCase(Locale.ROOT)); i++) {
        stem = base + "-" + i;
      }
      out.add(stem);
    }
    return out;
  }
}
