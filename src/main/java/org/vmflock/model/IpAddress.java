package org.vmflock.model;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as two longs, so that the capture path can count per address without
 * allocating. IPv4 addresses are held in their IPv4-mapped IPv6 form ({@code ::ffff:a.b.c.d}) and
 * printed as dotted quads; IPv6 addresses print in the RFC 5952 canonical form.
 */
public record IpAddress(long high, long low) implements Comparable<IpAddress> {

  private static final long V4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;
  private static final long V4_MASK = 0xFFFF_FFFFL;

  public static IpAddress ofIpv4(int address) {
    return new IpAddress(0, V4_MAPPED_PREFIX | (address & V4_MASK));
  }

  /** The low long of an IPv4 address's mapped form, for the allocation-free path. */
  public static long mappedLow(int ipv4) {
    return V4_MAPPED_PREFIX | (ipv4 & V4_MASK);
  }

  public boolean isIpv4() {
    return high == 0 && (low & ~V4_MASK) == V4_MAPPED_PREFIX;
  }

  /**
   * Parses a literal address (no host names, so no DNS lookup): {@code 10.77.0.1},
   * {@code fd77::1}, {@code [fd77::1]}. Throws IllegalArgumentException naming the text.
   */
  public static IpAddress parse(String text) {
    String t = text.trim();
    if (t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    if (t.indexOf(':') < 0) {
      return ofIpv4(parseIpv4(text, t));
    }
    if (t.indexOf('%') >= 0 || !t.matches("[0-9A-Fa-f:][0-9A-Fa-f:.]*")) {
      throw new IllegalArgumentException("invalid IP address '" + Limits.quoted(text) + "'");
    }
    byte[] b;
    try {
      b = InetAddress.getByName(t).getAddress(); // a literal with ':' is never looked up
    } catch (UnknownHostException | SecurityException e) {
      throw new IllegalArgumentException("invalid IP address '" + Limits.quoted(text) + "'");
    }
    if (b.length == 4) {
      return ofIpv4(((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF));
    }
    return new IpAddress(readLong(b, 0), readLong(b, 8));
  }

  /**
   * Empty when this is a unicast address a host may have; else what it is instead (unspecified,
   * loopback, multicast, broadcast, reserved).
   */
  public String unicastProblem() {
    if (isIpv4()) {
      int v = (int) low;
      int first = (v >>> 24) & 0xFF;
      if (v == -1) {
        return this + " is the broadcast address";
      }
      if (first == 0) {
        return this + " is in 0.0.0.0/8 (this network)";
      }
      if (first == 127) {
        return this + " is a loopback address";
      }
      if (first >= 224) {
        return this + (first < 240 ? " is a multicast address" : " is a reserved (class E) address");
      }
      return "";
    }
    if (high == 0 && (low == 0 || low == 1)) {
      return this + (low == 0 ? " is the unspecified address" : " is the loopback address");
    }
    if ((high >>> 56) == 0xFF) {
      return this + " is a multicast address";
    }
    return "";
  }

  private static int parseIpv4(String original, String t) {
    // by hand, no split nor stream: a collector parses every peer of every report it is sent
    int v = 0;
    int parts = 0;
    int i = 0;
    int n = t.length();
    while (true) {
      int octet = 0;
      int digits = 0;
      while (i < n && t.charAt(i) != '.') {
        char c = t.charAt(i);
        if (c < '0' || c > '9' || ++digits > 3) {
          throw new IllegalArgumentException("invalid IP address '" + Limits.quoted(original) + "'");
        }
        octet = octet * 10 + (c - '0');
        i++;
      }
      if (digits == 0 || octet > 255 || ++parts > 4) {
        throw new IllegalArgumentException("invalid IP address '" + Limits.quoted(original) + "'");
      }
      v = (v << 8) | octet;
      if (i == n) {
        break;
      }
      i++; // the dot
    }
    if (parts != 4) {
      throw new IllegalArgumentException("invalid IP address '" + Limits.quoted(original) + "'");
    }
    return v;
  }

  private static long readLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFFL);
    }
    return v;
  }

  @Override
  public String toString() {
    if (isIpv4()) {
      int v = (int) low;
      return ((v >>> 24) & 0xFF) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 4; i++) {
      groups[i] = (int) ((high >>> (48 - 16 * i)) & 0xFFFF);
      groups[i + 4] = (int) ((low >>> (48 - 16 * i)) & 0xFFFF);
    }
    // RFC 5952: the longest run (>= 2) of zero groups becomes "::", the first one on a tie
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  @Override
  public int compareTo(IpAddress o) {
    int c = Long.compareUnsigned(high, o.high);
    return c != 0 ? c : Long.compareUnsigned(low, o.low);
  }
}
