package org.vmflock.scenario;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Rates as people write them in scenario files: {@code 10Gbps}, {@code 1.25GB/s}, {@code 20MB/s}, {@code 512KiB/s}. */
public final class Units {

  private static final Pattern RATE = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\\s*([A-Za-z/]+)\\s*");

  private Units() {}

  /** Bytes per second; throws IllegalArgumentException naming the text. */
  public static double bytesPerSecond(String text) {
    Matcher m = RATE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid rate '" + text + "' (e.g. 10Gbps, 1.25GB/s, 20MB/s)");
    }
    double v = Double.parseDouble(m.group(1));
    String unit = m.group(2);
    double factor = switch (unit) {
      case "bps", "bit/s" -> 1 / 8.0;
      case "kbps", "Kbps", "kbit/s" -> 1e3 / 8;
      case "Mbps", "Mbit/s" -> 1e6 / 8;
      case "Gbps", "Gbit/s" -> 1e9 / 8;
      case "Tbps", "Tbit/s" -> 1e12 / 8;
      case "B/s" -> 1;
      case "kB/s", "KB/s" -> 1e3;
      case "MB/s" -> 1e6;
      case "GB/s" -> 1e9;
      case "KiB/s" -> 1024;
      case "MiB/s" -> 1024.0 * 1024;
      case "GiB/s" -> 1024.0 * 1024 * 1024;
      default -> throw new IllegalArgumentException("unknown rate unit '" + unit + "' in '" + text
          + "' (bps, kbps, Mbps, Gbps, Tbps, B/s, kB/s, MB/s, GB/s, KiB/s, MiB/s, GiB/s)");
    };
    return v * factor;
  }

  private static final Pattern SIZE = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\\s*([A-Za-z]*)\\s*");

  /** Bytes from a size such as {@code 1GiB}, {@code 256MiB}, {@code 512MB}, {@code 4096} (bytes); throws IllegalArgumentException naming the text. */
  public static double bytes(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid size '" + text + "' (e.g. 1GiB, 256MiB, 512MB)");
    }
    double factor = switch (m.group(2)) {
      case "", "B" -> 1;
      case "kB", "KB" -> 1e3;
      case "MB" -> 1e6;
      case "GB" -> 1e9;
      case "KiB", "K", "k" -> 1024;
      case "MiB", "M" -> 1024.0 * 1024;
      case "GiB", "G" -> 1024.0 * 1024 * 1024;
      default -> throw new IllegalArgumentException("unknown size unit '" + m.group(2) + "' in '" + text + "' (B, kB, MB, GB, KiB, MiB, GiB)");
    };
    return Double.parseDouble(m.group(1)) * factor;
  }

  public static String describeBytesPerSecond(double bps) {
    String[] units = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
    int u = 0;
    while (bps >= 1000 && u < units.length - 1) {
      bps /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, "%.3g %s", bps, units[u]);
  }
}
