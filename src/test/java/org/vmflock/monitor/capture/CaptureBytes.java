package org.vmflock.monitor.capture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** Hand-made capture files: classic pcap headers and pcapng blocks, laid out byte by byte. */
final class CaptureBytes {
  static final int PCAPNG_SHB = 0x0A0D0D0A;
  static final int PCAPNG_IDB = 1;
  static final int PCAPNG_PB = 2;
  static final int PCAPNG_SPB = 3;
  static final int PCAPNG_NRB = 4;
  static final int PCAPNG_ISB = 5;
  static final int PCAPNG_EPB = 6;
  static final int PCAPNG_DSB = 0x0A;
  static final int PCAPNG_CUSTOM = 0x0BAD;

  private CaptureBytes() {}

  /** Classic pcap global header: magic a1b2c3d4 (µs) or a1b23c4d (ns) in the chosen order. */
  static ByteWriter pcapHeader(boolean bigEndian, boolean nanos, int snapLength, int linkType) {
    return new ByteWriter(bigEndian)
        .u32(nanos ? 0xA1B23C4DL : 0xA1B2C3D4L)
        .u16(2)
        .u16(4)
        .u32(0)
        .u32(0)
        .u32(snapLength)
        .u32(linkType);
  }

  /** One classic record: header then the captured bytes. */
  static void pcapRecord(ByteWriter w, long seconds, long fraction, int original, byte[] data) {
    w.u32(seconds).u32(fraction).u32(data.length).u32(original).bytes(data);
  }

  /** A pcapng block around {@code body} (padded here): type, length, body, length. */
  static byte[] block(boolean bigEndian, int type, byte[] body) {
    int padded = (body.length + 3) & -4;
    int total = 12 + padded;
    return new ByteWriter(bigEndian)
        .u32(type)
        .u32(total)
        .bytes(body)
        .zeros(padded - body.length)
        .u32(total)
        .toByteArray();
  }

  /** Section Header Block, version 1.0, unknown section length, with an shb_userappl option. */
  static byte[] sectionHeader(boolean bigEndian) {
    byte[] app = "vmflock".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    ByteWriter body =
        new ByteWriter(bigEndian)
            .u32(0x1A2B3C4DL)
            .u16(1)
            .u16(0)
            .u64(-1L)
            .u16(4)
            .u16(app.length)
            .bytes(app)
            .pad4()
            .u16(0)
            .u16(0);
    return block(bigEndian, PCAPNG_SHB, body.toByteArray());
  }

  /** Interface Description Block; {@code tsresol} < 0 leaves the option out; same for tsoffset. */
  static byte[] interfaceDescription(
      boolean bigEndian, int linkType, int snapLength, int tsresol, Long tsoffset) {
    ByteWriter body = new ByteWriter(bigEndian).u16(linkType).u16(0).u32(snapLength);
    if (tsresol >= 0) {
      body.u16(9).u16(1).u8(tsresol).zeros(3);
    }
    if (tsoffset != null) {
      body.u16(14).u16(8).u64(tsoffset);
    }
    if (tsresol >= 0 || tsoffset != null) {
      body.u16(0).u16(0);
    }
    return block(bigEndian, PCAPNG_IDB, body.toByteArray());
  }

  /** Enhanced Packet Block with an optional epb_flags option. */
  static byte[] enhancedPacket(
      boolean bigEndian, int iface, long ticks, int original, byte[] data, boolean withFlags) {
    ByteWriter body =
        new ByteWriter(bigEndian)
            .u32(iface)
            .u32(ticks >>> 32)
            .u32(ticks)
            .u32(data.length)
            .u32(original)
            .bytes(data)
            .pad4();
    if (withFlags) {
      body.u16(2).u16(4).u32(1).u16(0).u16(0);
    }
    return block(bigEndian, PCAPNG_EPB, body.toByteArray());
  }

  /** Obsolete Packet Block: 16-bit interface id and drops count. */
  static byte[] obsoletePacket(
      boolean bigEndian, int iface, long ticks, int original, byte[] data) {
    ByteWriter body =
        new ByteWriter(bigEndian)
            .u16(iface)
            .u16(0)
            .u32(ticks >>> 32)
            .u32(ticks)
            .u32(data.length)
            .u32(original)
            .bytes(data);
    return block(bigEndian, PCAPNG_PB, body.toByteArray());
  }

  static byte[] simplePacket(boolean bigEndian, int original, byte[] data) {
    byte[] body = new ByteWriter(bigEndian).u32(original).bytes(data).toByteArray();
    return block(bigEndian, PCAPNG_SPB, body);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] seq(int length, int first) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (first + i);
    }
    return b;
  }
}
