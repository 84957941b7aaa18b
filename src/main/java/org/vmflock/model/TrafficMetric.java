package org.vmflock.model;

import java.util.Locale;

/** Which measure of traffic: frames (messages) or bytes on the wire. */
public enum TrafficMetric {
  PACKETS,
  BYTES;

  /** The value of this measure for {@code sender -> receiver} in {@code m}. */
  public double of(TrafficMatrix m, int sender, int receiver) {
    return this == PACKETS ? m.packets(sender, receiver) : m.bytes(sender, receiver);
  }

  /** {@code packets} or {@code bytes}, as users type it. */
  public static TrafficMetric parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "packets", "messages", "frames" -> PACKETS;
      case "bytes" -> BYTES;
      default -> throw new IllegalArgumentException("unknown metric '" + Limits.quoted(text) + "' (expected bytes or packets)");
    };
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
