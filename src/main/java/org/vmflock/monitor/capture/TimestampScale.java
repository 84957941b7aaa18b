package org.vmflock.monitor.capture;

import static org.vmflock.monitor.capture.CaptureLimits.MICROS_PER_SECOND;

/**
 * Converts pcapng timestamps (unsigned 64-bit counts of {@code if_tsresol} units, plus the
 * {@code if_tsoffset} seconds) to microseconds since the epoch, rounding down.
 */
final class TimestampScale {
  /** The pcapng default: microseconds. */
  static final int DEFAULT_TSRESOL = 6;

  /** Most significant bit of if_tsresol set: the rest is a power of 2, else a power of 10. */
  private static final int TSRESOL_BINARY_FLAG = 0x80;
  private static final int TSRESOL_EXPONENT_MASK = 0x7F;
  private static final int MICRO_EXPONENT = 6;
  /** 10^18 is the largest power of ten in a long. */
  private static final int MAX_DECIMAL_STEPS = 18;
  private static final int MAX_BINARY_EXPONENT = Long.SIZE - 1;
  private static final long DECIMAL_BASE = 10;

  private enum Kind {
    MULTIPLY,
    DIVIDE,
    BINARY
  }

  private final Kind kind;
  private final long factor;
  private final int shift;
  private final long offsetMicros;

  private TimestampScale(Kind kind, long factor, int shift, long offsetMicros) {
    this.kind = kind;
    this.factor = factor;
    this.shift = shift;
    this.offsetMicros = offsetMicros;
  }

  static TimestampScale microseconds() {
    return new TimestampScale(Kind.MULTIPLY, 1, 0, 0);
  }

  /**
   * @param tsresol the if_tsresol option byte
   * @param offsetSeconds the if_tsoffset option (0 when absent)
   * @return the scale, or {@code null} when the resolution cannot be represented
   */
  static TimestampScale of(int tsresol, long offsetSeconds) {
    int exponent = tsresol & TSRESOL_EXPONENT_MASK;
    long offsetMicros;
    try {
      offsetMicros = Math.multiplyExact(offsetSeconds, MICROS_PER_SECOND);
    } catch (ArithmeticException e) {
      return null;
    }
    if ((tsresol & TSRESOL_BINARY_FLAG) != 0) {
      return exponent > MAX_BINARY_EXPONENT
          ? null
          : new TimestampScale(Kind.BINARY, 0, exponent, offsetMicros);
    }
    int steps = Math.abs(exponent - MICRO_EXPONENT);
    if (steps > MAX_DECIMAL_STEPS) {
      return null;
    }
    long factor = 1;
    for (int i = 0; i < steps; i++) {
      factor *= DECIMAL_BASE;
    }
    Kind kind = exponent < MICRO_EXPONENT ? Kind.MULTIPLY : Kind.DIVIDE;
    return new TimestampScale(kind, factor, 0, offsetMicros);
  }

  long toMicros(long ticks) {
    switch (kind) {
      case MULTIPLY:
        return ticks * factor + offsetMicros;
      case DIVIDE:
        return Long.divideUnsigned(ticks, factor) + offsetMicros;
      default:
        return binaryToMicros(ticks) + offsetMicros;
    }
  }

  /** ticks / 2^shift seconds, in microseconds, with a 128-bit product so nothing overflows. */
  private long binaryToMicros(long ticks) {
    if (shift == 0) {
      return ticks * MICROS_PER_SECOND;
    }
    long seconds = ticks >>> shift;
    long fraction = ticks & ((1L << shift) - 1);
    long low = fraction * MICROS_PER_SECOND;
    long high = Math.multiplyHigh(fraction, MICROS_PER_SECOND);
    long fractionMicros = (high << (Long.SIZE - shift)) | (low >>> shift);
    return seconds * MICROS_PER_SECOND + fractionMicros;
  }
}
