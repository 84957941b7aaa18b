package org.vmflock.monitor.capture;

/** Sanity limits and units shared by the parsers. */
final class CaptureLimits {
  /** libpcap's MAXIMUM_SNAPLEN: no real capture has a bigger record. */
  static final int MAX_CAPTURED_LENGTH = 256 << 10;

  static final long MICROS_PER_SECOND = 1_000_000L;
  static final long NANOS_PER_MICRO = 1_000L;

  private CaptureLimits() {}

  /**
   * The detail of the error for impossible captured/original lengths, or {@code null} when they
   * are fine. Lengths are unsigned 32-bit values held in ints.
   */
  static String checkLengths(int captured, int original, int snapLength) {
    long cap = Integer.toUnsignedLong(captured);
    long orig = Integer.toUnsignedLong(original);
    if (cap > MAX_CAPTURED_LENGTH) {
      return "corrupt record header: captured length " + cap + " > maximum " + MAX_CAPTURED_LENGTH;
    }
    if (snapLength > 0 && cap > snapLength) {
      return "corrupt record header: captured length " + cap + " > snap length " + snapLength;
    }
    if (cap > orig) {
      return "corrupt record header: captured length " + cap + " > original length " + orig;
    }
    if (orig > Integer.MAX_VALUE) {
      return "corrupt record header: original length " + orig + " too large";
    }
    return null;
  }

  /** Largest captured length a record may have under the given snap length (0 = none). */
  static int maxCaptured(int snapLength) {
    return snapLength > 0 ? Math.min(snapLength, MAX_CAPTURED_LENGTH) : MAX_CAPTURED_LENGTH;
  }
}
