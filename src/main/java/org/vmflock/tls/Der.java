package org.vmflock.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The few DER (ASN.1 distinguished encoding) values an X.509 certificate is made of, written
 * byte by byte: the JDK reads certificates but has no public API to write one.
 */
final class Der {

  private static final int SEQUENCE = 0x30;
  private static final int SET = 0x31;
  private static final int BOOLEAN = 0x01;
  private static final int INTEGER = 0x02;
  private static final int BIT_STRING = 0x03;
  private static final int OCTET_STRING = 0x04;
  private static final int NULL = 0x05;
  private static final int OID = 0x06;
  private static final int UTF8_STRING = 0x0c;
  private static final int UTC_TIME = 0x17;
  private static final int GENERALIZED_TIME = 0x18;
  /** UTCTime holds years 1950 to 2049; later ones are GeneralizedTime (RFC 5280, 4.1.2.5). */
  private static final int LAST_UTC_YEAR = 2049;

  private Der() {}

  static byte[] tagged(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] sequence(byte[]... items) {
    return tagged(SEQUENCE, concat(items));
  }

  static byte[] set(byte[]... items) {
    return tagged(SET, concat(items));
  }

  static byte[] integer(BigInteger v) {
    return tagged(INTEGER, v.toByteArray());
  }

  static byte[] bool(boolean v) {
    return tagged(BOOLEAN, new byte[] {(byte) (v ? 0xff : 0)});
  }

  static byte[] nul() {
    return tagged(NULL, new byte[0]);
  }

  /** A BIT STRING of whole bytes. */
  static byte[] bits(byte[] bytes) {
    return tagged(BIT_STRING, concat(new byte[] {0}, bytes));
  }

  /** A named-bit BIT STRING (key usage): bit 0 is the first byte's most significant. */
  static byte[] namedBits(int... bitNumbers) {
    int highest = 0;
    for (int b : bitNumbers) {
      highest = Math.max(highest, b);
    }
    byte[] value = new byte[highest / 8 + 1];
    for (int b : bitNumbers) {
      value[b / 8] |= (byte) (0x80 >>> (b % 8));
    }
    int unused = 7 - highest % 8;
    return tagged(BIT_STRING, concat(new byte[] {(byte) unused}, value));
  }

  static byte[] octets(byte[] bytes) {
    return tagged(OCTET_STRING, bytes);
  }

  static byte[] utf8(String s) {
    return tagged(UTF8_STRING, s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeBase128(out, 40 * Long.parseLong(arcs[0]) + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      writeBase128(out, Long.parseLong(arcs[i]));
    }
    return tagged(OID, out.toByteArray());
  }

  private static void writeBase128(ByteArrayOutputStream out, long v) {
    int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(v) + 6) / 7);
    for (int i = groups - 1; i >= 0; i--) {
      int b = (int) (v >>> (7 * i)) & 0x7f;
      out.write(i > 0 ? b | 0x80 : b);
    }
  }

  static byte[] time(ZonedDateTime t) {
    ZonedDateTime utc = t.withZoneSameInstant(ZoneOffset.UTC);
    if (utc.getYear() <= LAST_UTC_YEAR) {
      return tagged(UTC_TIME, utc.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
    }
    return tagged(GENERALIZED_TIME, utc.format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")).getBytes(StandardCharsets.US_ASCII));
  }
}
