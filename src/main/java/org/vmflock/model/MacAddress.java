package org.vmflock.model;

import java.util.Locale;

/** A 48-bit Ethernet address, held as a long for allocation-free lookups on the capture path. */
public record MacAddress(long value) {

  private static final long MASK_48 = 0xFFFF_FFFF_FFFFL;
  private static final long GROUP_BIT = 0x0100_0000_0000L;

  public MacAddress {
    if ((value & ~MASK_48) != 0) {
      throw new IllegalArgumentException("not a 48-bit MAC address: " + Long.toHexString(value));
    }
  }

  /** Parses {@code 02:00:00:77:00:01} (also with '-' separators); throws IllegalArgumentException. */
  public static MacAddress parse(String text) {
    String[] parts = text.trim().split("[:-]", -1);
    if (parts.length != 6) {
      throw new IllegalArgumentException("invalid MAC address '" + Limits.quoted(text) + "' (expected six hex bytes like 02:00:00:77:00:01)");
    }
    long v = 0;
    for (String p : parts) {
      if (!p.matches("[0-9A-Fa-f]{1,2}")) { // Integer.parseInt alone would accept a sign: "+1"
        throw new IllegalArgumentException("invalid MAC address '" + Limits.quoted(text) + "'");
      }
      int b;
      try {
        b = Integer.parseInt(p, 16);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("invalid MAC address '" + Limits.quoted(text) + "'");
      }
      v = (v << 8) | b;
    }
    return new MacAddress(v);
  }

  /** Reads six bytes in network order. */
  public static long read(byte[] buf, int offset) {
    return ((buf[offset] & 0xFFL) << 40)
        | ((buf[offset + 1] & 0xFFL) << 32)
        | ((buf[offset + 2] & 0xFFL) << 24)
        | ((buf[offset + 3] & 0xFFL) << 16)
        | ((buf[offset + 4] & 0xFFL) << 8)
        | (buf[offset + 5] & 0xFFL);
  }

  public static boolean isGroup(long mac) {
    return (mac & GROUP_BIT) != 0;
  }

  public byte[] bytes() {
    byte[] b = new byte[6];
    for (int i = 0; i < 6; i++) {
      b[i] = (byte) (value >>> (40 - 8 * i));
    }
    return b;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(17);
    for (int i = 0; i < 6; i++) {
      if (i > 0) {
        sb.append(':');
      }
      sb.append(String.format(Locale.ROOT, "%02x", (value >>> (40 - 8 * i)) & 0xFF));
    }
    return sb.toString();
  }
}
