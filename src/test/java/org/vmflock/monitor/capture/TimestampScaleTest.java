package org.vmflock.monitor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampScaleTest {
  private static final BigInteger MICROS = BigInteger.valueOf(1_000_000);
  private static final int BINARY = 0x80;

  /** Exact floor(ticks * 10^6 / unitsPerSecond) + offset * 10^6, ticks unsigned. */
  private static long exact(long ticks, BigInteger unitsPerSecond, long offsetSeconds) {
    BigInteger t = new BigInteger(Long.toUnsignedString(ticks));
    return t.multiply(MICROS).divide(unitsPerSecond).longValueExact() + offsetSeconds * 1_000_000;
  }

  @Test
  void matchesExactArithmeticForDecimalAndBinaryResolutions() {
    Random random = new Random(3);
    for (int exponent = 0; exponent <= 18; exponent++) {
      BigInteger units = BigInteger.TEN.pow(exponent);
      TimestampScale scale = TimestampScale.of(exponent, 7);
      assertNotNull(scale);
      for (int i = 0; i < 200; i++) {
        // keep the result inside a long: at most ~2^63 / 10^6 seconds worth of ticks
        long seconds = random.nextInt(2_000_000_000);
        long ticks =
            exponent <= 6
                ? seconds * units.longValueExact()
                : new BigInteger(64, random).mod(units.multiply(BigInteger.valueOf(seconds + 1)))
                    .longValue();
        assertEquals(
            exact(ticks, units, 7), scale.toMicros(ticks), "10^-" + exponent + " " + ticks);
      }
    }
    for (int shift = 0; shift <= 63; shift++) {
      BigInteger units = BigInteger.ONE.shiftLeft(shift);
      TimestampScale scale = TimestampScale.of(BINARY | shift, 0);
      assertNotNull(scale);
      for (int i = 0; i < 200; i++) {
        // at most 2^43 seconds so that the microseconds fit a long
        long ticks = new BigInteger(Math.min(63, shift + 43), random).longValue();
        assertEquals(exact(ticks, units, 0), scale.toMicros(ticks), "2^-" + shift + " " + ticks);
      }
    }
  }

  @Test
  void rejectsResolutionsItCannotRepresent() {
    assertNull(TimestampScale.of(25, 0)); // 10^-25: factor beyond a long
    assertNull(TimestampScale.of(BINARY | 64, 0));
    assertNull(TimestampScale.of(6, Long.MAX_VALUE)); // offset overflows in microseconds
  }
}
