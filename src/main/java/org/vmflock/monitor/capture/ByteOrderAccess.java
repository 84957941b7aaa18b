package org.vmflock.monitor.capture;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Reads integers of either byte order straight out of a byte array, without a ByteBuffer. */
final class ByteOrderAccess {
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle SHORT_LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle SHORT_BE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final long UNSIGNED_INT_MASK = 0xFFFF_FFFFL;
  private static final int UNSIGNED_SHORT_MASK = 0xFFFF;
  private static final int INT_BITS = 32;

  private ByteOrderAccess() {}

  static int getInt(byte[] buf, int offset, boolean bigEndian) {
    // constant VarHandles on both branches keep the access intrinsified
    return bigEndian ? (int) INT_BE.get(buf, offset) : (int) INT_LE.get(buf, offset);
  }

  static long getUnsignedInt(byte[] buf, int offset, boolean bigEndian) {
    return getInt(buf, offset, bigEndian) & UNSIGNED_INT_MASK;
  }

  static int getUnsignedShort(byte[] buf, int offset, boolean bigEndian) {
    short s = bigEndian ? (short) SHORT_BE.get(buf, offset) : (short) SHORT_LE.get(buf, offset);
    return s & UNSIGNED_SHORT_MASK;
  }

  /** A 64-bit value stored as two 32-bit words, high word first (pcapng timestamps). */
  static long getHighLow(byte[] buf, int offset, boolean bigEndian) {
    long high = getInt(buf, offset, bigEndian);
    return (high << INT_BITS) | getUnsignedInt(buf, offset + Integer.BYTES, bigEndian);
  }

  /** A plain 64-bit value in the given byte order (pcapng options such as if_tsoffset). */
  static long getLong(byte[] buf, int offset, boolean bigEndian) {
    long first = getUnsignedInt(buf, offset, bigEndian);
    long second = getUnsignedInt(buf, offset + Integer.BYTES, bigEndian);
    return bigEndian ? (first << INT_BITS) | second : (second << INT_BITS) | first;
  }

  static void putInt(byte[] buf, int offset, int value, boolean bigEndian) {
    if (bigEndian) {
      INT_BE.set(buf, offset, value);
    } else {
      INT_LE.set(buf, offset, value);
    }
  }

  static void putShort(byte[] buf, int offset, int value, boolean bigEndian) {
    if (bigEndian) {
      SHORT_BE.set(buf, offset, (short) value);
    } else {
      SHORT_LE.set(buf, offset, (short) value);
    }
  }
}
