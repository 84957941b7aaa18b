package org.vmflock.monitor.capture;

import java.io.ByteArrayOutputStream;

/** Builds capture bytes field by field in a chosen byte order, independently of the reader. */
final class ByteWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final boolean bigEndian;

  ByteWriter(boolean bigEndian) {
    this.bigEndian = bigEndian;
  }

  static ByteWriter littleEndian() {
    return new ByteWriter(false);
  }

  static ByteWriter bigEndian() {
    return new ByteWriter(true);
  }

  ByteWriter u8(int v) {
    out.write(v & 0xFF);
    return this;
  }

  ByteWriter u16(int v) {
    return bigEndian ? u8(v >>> 8).u8(v) : u8(v).u8(v >>> 8);
  }

  ByteWriter u32(long v) {
    return bigEndian
        ? u16((int) (v >>> 16)).u16((int) v)
        : u16((int) v).u16((int) (v >>> 16));
  }

  ByteWriter u64(long v) {
    return bigEndian ? u32(v >>> 32).u32(v) : u32(v).u32(v >>> 32);
  }

  ByteWriter bytes(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  ByteWriter bytes(int... values) {
    for (int v : values) {
      u8(v);
    }
    return this;
  }

  ByteWriter zeros(int n) {
    for (int i = 0; i < n; i++) {
      u8(0);
    }
    return this;
  }

  /** Zero bytes up to the next multiple of four. */
  ByteWriter pad4() {
    return zeros((4 - out.size() % 4) % 4);
  }

  int size() {
    return out.size();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
