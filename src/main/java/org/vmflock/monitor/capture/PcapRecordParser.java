package org.vmflock.monitor.capture;

import static org.vmflock.monitor.capture.ByteOrderAccess.getInt;
import static org.vmflock.monitor.capture.ByteOrderAccess.getUnsignedInt;
import static org.vmflock.monitor.capture.ByteOrderAccess.getUnsignedShort;
import static org.vmflock.monitor.capture.CaptureLimits.MICROS_PER_SECOND;
import static org.vmflock.monitor.capture.CaptureLimits.NANOS_PER_MICRO;

import java.io.IOException;

/** Classic libpcap format: a 24-byte global header, then 16-byte record headers and frames. */
final class PcapRecordParser implements RecordParser {
  static final int MAGIC_MICROS = 0xA1B2C3D4;
  static final int MAGIC_NANOS = 0xA1B23C4D;
  static final int GLOBAL_HEADER_LENGTH = 24;
  static final int MAGIC_OFFSET = 0;
  static final int RECORD_HEADER_LENGTH = 16;

  private static final int SUPPORTED_MAJOR_VERSION = 2;
  static final int VERSION_MAJOR_OFFSET = 4;
  static final int VERSION_MINOR_OFFSET = 6;
  static final int SNAP_LENGTH_OFFSET = 16;
  static final int LINK_TYPE_OFFSET = 20;
  /** libpcap's LT_LINKTYPE: the upper bits of the field carry FCS flags, not the type. */
  private static final int LINK_TYPE_MASK = 0x03FF_FFFF;

  static final int TS_SECONDS_OFFSET = 0;
  static final int TS_FRACTION_OFFSET = 4;
  static final int CAPTURED_LENGTH_OFFSET = 8;
  static final int ORIGINAL_LENGTH_OFFSET = 12;

  private final CaptureInput in;
  private final boolean bigEndian;
  private final boolean nanos;
  private final int snapLength;
  private final int maxCaptured;
  private long framesRead;

  private PcapRecordParser(CaptureInput in, boolean bigEndian, boolean nanos, int snapLength) {
    this.in = in;
    this.bigEndian = bigEndian;
    this.nanos = nanos;
    this.snapLength = snapLength;
    this.maxCaptured = CaptureLimits.maxCaptured(snapLength);
  }

  /** True when the first four bytes, read little-endian, are a classic pcap magic. */
  static boolean isMagic(int magicLittleEndian) {
    int swapped = Integer.reverseBytes(magicLittleEndian);
    return magicLittleEndian == MAGIC_MICROS
        || magicLittleEndian == MAGIC_NANOS
        || swapped == MAGIC_MICROS
        || swapped == MAGIC_NANOS;
  }

  /** Reads and checks the global header at the start of {@code in}. */
  static PcapRecordParser open(CaptureInput in) throws IOException, CaptureFormatException {
    if (!in.ensure(GLOBAL_HEADER_LENGTH, 0)) {
      throw in.error(
          in.offset(),
          0,
          "truncated global header: "
              + GLOBAL_HEADER_LENGTH
              + " bytes expected, "
              + in.available()
              + " present");
    }
    byte[] buf = in.buf;
    int p = in.pos;
    int magic = getInt(buf, p + MAGIC_OFFSET, false);
    boolean bigEndian = magic != MAGIC_MICROS && magic != MAGIC_NANOS;
    boolean nanos = getInt(buf, p + MAGIC_OFFSET, bigEndian) == MAGIC_NANOS;
    int major = getUnsignedShort(buf, p + VERSION_MAJOR_OFFSET, bigEndian);
    int minor = getUnsignedShort(buf, p + VERSION_MINOR_OFFSET, bigEndian);
    if (major != SUPPORTED_MAJOR_VERSION) {
      throw in.error(in.offset(), 0, "unsupported pcap version " + major + "." + minor);
    }
    int snapLength =
        (int) Math.min(Integer.MAX_VALUE, getUnsignedInt(buf, p + SNAP_LENGTH_OFFSET, bigEndian));
    int linkType = getInt(buf, p + LINK_TYPE_OFFSET, bigEndian) & LINK_TYPE_MASK;
    if (linkType != LinkTypes.ETHERNET) {
      throw in.error(in.offset(), 0, LinkTypes.unsupported(linkType, ""));
    }
    in.pos = p + GLOBAL_HEADER_LENGTH;
    return new PcapRecordParser(in, bigEndian, nanos, snapLength);
  }

  @Override
  public long read(FrameSink sink, long maxFrames) throws IOException, CaptureFormatException {
    final CaptureInput in = this.in;
    final boolean bigEndian = this.bigEndian;
    long delivered = 0;
    while (delivered < maxFrames) {
      if (in.limit - in.pos < RECORD_HEADER_LENGTH && !headerAvailable()) {
        break;
      }
      byte[] buf = in.buf;
      int p = in.pos;
      int captured = getInt(buf, p + CAPTURED_LENGTH_OFFSET, bigEndian);
      int original = getInt(buf, p + ORIGINAL_LENGTH_OFFSET, bigEndian);
      // one range test for the common case; the slow path names the violated rule
      if (captured < 0 || captured > maxCaptured || captured > original) {
        throw in.error(
            in.offsetOf(p),
            framesRead + 1,
            CaptureLimits.checkLengths(captured, original, snapLength));
      }
      int recordLength = RECORD_HEADER_LENGTH + captured;
      if (in.limit - p < recordLength) {
        if (!in.ensure(recordLength, framesRead + 1)) {
          throw truncatedBody(captured);
        }
        buf = in.buf;
        p = in.pos;
      }
      long seconds = getUnsignedInt(buf, p + TS_SECONDS_OFFSET, bigEndian);
      long fraction = getUnsignedInt(buf, p + TS_FRACTION_OFFSET, bigEndian);
      long micros = seconds * MICROS_PER_SECOND + (nanos ? fraction / NANOS_PER_MICRO : fraction);
      in.pos = p + recordLength;
      framesRead++;
      delivered++;
      sink.frame(micros, original, buf, p + RECORD_HEADER_LENGTH, captured);
    }
    return delivered;
  }

  /** Slow path: refills for the next record header; false at a clean end of file. */
  private boolean headerAvailable() throws IOException, CaptureFormatException {
    if (in.ensure(RECORD_HEADER_LENGTH, framesRead + 1)) {
      return true;
    }
    if (in.available() == 0) {
      return false;
    }
    throw in.error(
        in.offset(),
        framesRead + 1,
        "truncated record header: "
            + RECORD_HEADER_LENGTH
            + " bytes expected, "
            + in.available()
            + " left");
  }

  private CaptureFormatException truncatedBody(int captured) {
    return in.error(
        in.offset(),
        framesRead + 1,
        "truncated record: header says "
            + captured
            + " captured bytes, "
            + (in.available() - RECORD_HEADER_LENGTH)
            + " left");
  }

  @Override
  public long framesRead() {
    return framesRead;
  }

  @Override
  public int snapLength() {
    return snapLength;
  }

  @Override
  public boolean nanosecondResolution() {
    return nanos;
  }
}
