package org.vmflock.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The values and edits generated inputs are made of: numbers at and beyond every limit (and written
 * as Java would read them but people do not: {@code 1d}, {@code 0x1p3}), texts with separators,
 * quotes, control and non-ASCII characters, and edits of a whole text or file (bytes flipped, lines
 * cut, repeated or swapped, a byte-order mark, bytes that are not UTF-8).
 */
public final class Garbage {

  private Garbage() {}

  /** Numbers that sit on, or just past, a limit somewhere, or that parse where they should not. */
  static final List<String> NUMBERS = List.of("0", "-0", "1", "-1", "2", "0.5", "0.001", "0.0009", "1000", "1001", "1e308", "-1e308",
      "1e-300", "4.9e-324", "1.7976931348623157E308", "NaN", "Infinity", "-Infinity", "1d", "2f", "0x1p3", "0x10", "1_000", "1,5",
      " 1 ", "+1", "1e999", "9223372036854775808", "2147483648", "-2147483649", "00001", "1.", ".5", "", " ", "1e15", "1e16", "1024",
      "1025", "65535", "65536", "100000", "100001", "1000000", "1000000000", "1e6", "1e7", "3", "8", "64", "0.1", "10000", "10001");

  /** Durations, some fine, some not. */
  static final List<String> DURATIONS = List.of("1ns", "1ms", "99ms", "100ms", "1s", "5s", "30s", "5m", "1h", "2h", "8h", "1d", "366d",
      "100000d", "1e300s", "-5m", "0s", "10 furlongs", "1.5h", "PT1H", "", "9223372036854775807ns", "1000000000d", "20ms", "11s");

  /** Rates and sizes. */
  static final List<String> RATES = List.of("10Gbps", "1Gbps", "0Gbps", "-1Gbps", "1bps", "1e300Gbps", "20MB/s", "512KiB/s", "1kB/s",
      "999B/s", "1e13B/s", "1e14B/s", "10 furlongs/s", "Gbps", "1.25GB/s", "NaNGbps");
  static final List<String> SIZES = List.of("4GiB", "2GiB", "64GiB", "0", "-1GiB", "1EiB", "2EiB", "1e300B", "huge", "8192", "1PiB",
      "64TiB", "65TiB");

  /** Instants: inside the range, at its ends, outside it, malformed. */
  static final List<String> INSTANTS = List.of("2026-06-01T12:00:00Z", "2026-06-01T13:00:00Z", "2026-06-02T00:00:00Z",
      "2026-06-01T11:00:00Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59Z", "+10000-01-01T00:00:00Z",
      "+1000000000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-06-01", "yesterday", "", "2100-01-01T00:00:00Z",
      "2015-06-01T00:00:00Z", "2015-06-01T01:00:00Z");

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_.,;:#\"'\\/ \t{}[]=$*%@!?\u00e9\u4e2d\uFEFF\u0000\n\r";

  public static <T> T pick(SplittableRandom r, List<T> values) {
    return values.get(r.nextInt(values.size()));
  }

  public static boolean chance(SplittableRandom r, double p) {
    return r.nextDouble() < p;
  }

  /** A number as text: a notable one, or a random one of any magnitude and sign. */
  static String number(SplittableRandom r) {
    return switch (r.nextInt(4)) {
      case 0, 1 -> pick(r, NUMBERS);
      case 2 -> Long.toString(r.nextLong(-1000, 100_000));
      default -> Double.toString(Math.pow(10, r.nextDouble(-320, 320)) * (r.nextBoolean() ? 1 : -1));
    };
  }

  /** A short text of any characters; now and then a very long one. */
  public static String text(SplittableRandom r) {
    int n = chance(r, 0.02) ? 2000 + r.nextInt(20_000) : r.nextInt(12);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  /** A name: a plain one mostly, sometimes one vmflock refuses. */
  static String name(SplittableRandom r, String prefix) {
    return switch (r.nextInt(10)) {
      case 0 -> text(r);
      case 1 -> "#" + prefix + r.nextInt(4);
      case 2 -> prefix.repeat(40);
      default -> prefix + r.nextInt(6);
    };
  }

  /** {@code text} with a few random edits: characters inserted, deleted or replaced, lines cut, repeated or swapped. */
  static String mutate(SplittableRandom r, String text) {
    List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
    int edits = 1 + r.nextInt(3);
    for (int e = 0; e < edits && !lines.isEmpty(); e++) {
      int i = r.nextInt(lines.size());
      String line = lines.get(i);
      switch (r.nextInt(7)) {
        case 0 -> lines.remove(i);
        case 1 -> lines.add(i, line);
        case 2 -> lines.set(i, line.substring(0, r.nextInt(line.length() + 1)));
        case 3 -> {
          int j = r.nextInt(lines.size());
          lines.set(i, lines.get(j));
          lines.set(j, line);
        }
        case 4 -> {
          int at = r.nextInt(line.length() + 1);
          lines.set(i, line.substring(0, at) + text(r) + line.substring(at));
        }
        case 5 -> lines.set(i, line.replaceFirst("[0-9]+(\\.[0-9]+)?", number(r).replace("$", "")));
        default -> lines.add(i, text(r));
      }
    }
    return String.join("\n", lines);
  }

  /** The UTF-8 bytes of {@code text}, now and then with a byte-order mark, a few bytes flipped, or cut short. */
  static byte[] bytes(SplittableRandom r, String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    if (chance(r, 0.03)) {
      byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
      byte[] with = new byte[b.length + 3];
      System.arraycopy(bom, 0, with, 0, 3);
      System.arraycopy(b, 0, with, 3, b.length);
      b = with;
    }
    if (chance(r, 0.02) && b.length > 0) {
      b[r.nextInt(b.length)] = (byte) (0x80 | r.nextInt(0x80)); // not UTF-8 on its own
    }
    if (chance(r, 0.02)) {
      b = Arrays.copyOf(b, r.nextInt(b.length + 1));
    }
    return b;
  }

  /** {@code b} with a few bytes flipped, set to a notable value, or the whole cut short or extended. */
  static byte[] mutateBytes(SplittableRandom r, byte[] b) {
    byte[] out = b.clone();
    int edits = 1 + r.nextInt(4);
    for (int e = 0; e < edits && out.length > 0; e++) {
      int i = r.nextInt(out.length);
      switch (r.nextInt(6)) {
        case 0 -> out[i] ^= (byte) (1 << r.nextInt(8));
        case 1 -> out[i] = (byte) (int) pick(r, List.of(0x00, 0xFF, 0x7F, 0x80, 0x01));
        case 2 -> out = Arrays.copyOf(out, i);
        case 3 -> out = Arrays.copyOf(out, out.length + r.nextInt(64));
        case 4 -> {
          // a 32-bit field (a length, a timestamp) set to something large
          int v = pick(r, List.of(-1, Integer.MAX_VALUE, 0x10000, 70_000, 1 << 20, 0));
          for (int k = 0; k < 4 && i + k < out.length; k++) {
            out[i + k] = (byte) (v >>> (8 * k));
          }
        }
        default -> out[i] = (byte) r.nextInt(256);
      }
    }
    return out;
  }
}
