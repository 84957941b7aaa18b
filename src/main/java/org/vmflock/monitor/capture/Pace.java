package org.vmflock.monitor.capture;

import java.util.Locale;

/**
 * How fast a replay goes: as fast as possible, at the capture's own pace, or N times faster.
 *
 * @param factor capture seconds per wall second; {@code Double.POSITIVE_INFINITY} for "max"
 */
public record Pace(double factor) {

  public static final Pace MAX = new Pace(Double.POSITIVE_INFINITY);
  public static final Pace REALTIME = new Pace(1);

  public Pace {
    if (!(factor > 0)) {
      throw new IllegalArgumentException("a pace is positive, not " + factor);
    }
  }

  public boolean isMax() {
    return Double.isInfinite(factor);
  }

  /** Parses {@code max}, {@code realtime} or {@code xN} (e.g. {@code x10}, {@code x0.5}). */
  public static Pace parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("max")) {
      return MAX;
    }
    if (t.equals("realtime")) {
      return REALTIME;
    }
    if (t.startsWith("x")) {
      try {
        double f = Double.parseDouble(t.substring(1));
        if (f > 0 && Double.isFinite(f)) {
          return new Pace(f);
        }
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException("invalid pace '" + text + "' (expected max, realtime or xN with N > 0, e.g. x10)");
  }

  @Override
  public String toString() {
    return isMax() ? "max" : factor == 1 ? "realtime" : "x" + factor;
  }
}
