package org.vmflock.monitor.capture;

import static org.vmflock.monitor.capture.ByteOrderAccess.getHighLow;
import static org.vmflock.monitor.capture.ByteOrderAccess.getInt;
import static org.vmflock.monitor.capture.ByteOrderAccess.getLong;
import static org.vmflock.monitor.capture.ByteOrderAccess.getUnsignedInt;
import static org.vmflock.monitor.capture.ByteOrderAccess.getUnsignedShort;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * pcapng: a sequence of blocks in sections, each section with its own byte order and interfaces.
 * Packets come from Enhanced, Simple and (obsolete) Packet Blocks; other blocks are skipped.
 */
final class PcapngBlockParser implements RecordParser {
  static final int SECTION_HEADER_BLOCK = 0x0A0D0D0A;

  private static final int INTERFACE_DESCRIPTION_BLOCK = 1;
  private static final int OBSOLETE_PACKET_BLOCK = 2;
  private static final int SIMPLE_PACKET_BLOCK = 3;
  private static final int ENHANCED_PACKET_BLOCK = 6;
  private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  private static final int SUPPORTED_MAJOR_VERSION = 1;

  /** Block type and block total length. */
  private static final int BLOCK_HEADER_LENGTH = 8;
  private static final int BLOCK_LENGTH_OFFSET = 4;
  /** The trailing copy of the block total length. */
  private static final int BLOCK_TRAILER_LENGTH = 4;
  private static final int MIN_BLOCK_LENGTH = BLOCK_HEADER_LENGTH + BLOCK_TRAILER_LENGTH;
  private static final int ALIGNMENT = 4;

  private static final int SHB_BYTE_ORDER_OFFSET = 8;
  private static final int SHB_MAJOR_OFFSET = 12;
  private static final int SHB_MINOR_OFFSET = 14;
  private static final int SHB_MIN_LENGTH = 28;

  private static final int IDB_LINK_TYPE_OFFSET = 8;
  private static final int IDB_SNAP_LENGTH_OFFSET = 12;
  private static final int IDB_OPTIONS_OFFSET = 16;
  private static final int IDB_MIN_LENGTH = 20;

  // Enhanced and obsolete Packet Blocks share this layout; the latter splits the interface field
  private static final int PACKET_INTERFACE_OFFSET = 8;
  private static final int PACKET_TIMESTAMP_OFFSET = 12;
  private static final int PACKET_CAPTURED_OFFSET = 20;
  private static final int PACKET_ORIGINAL_OFFSET = 24;
  private static final int PACKET_DATA_OFFSET = 28;
  private static final int PACKET_MIN_LENGTH = 32;

  private static final int SPB_ORIGINAL_OFFSET = 8;
  private static final int SPB_DATA_OFFSET = 12;
  private static final int SPB_MIN_LENGTH = 16;

  private static final int OPTION_HEADER_LENGTH = 4;
  private static final int OPT_ENDOFOPT = 0;
  private static final int IF_TSRESOL = 9;
  private static final int IF_TSOFFSET = 14;
  private static final int IF_TSOFFSET_LENGTH = 8;

  private final CaptureInput in;
  private final List<PcapngInterface> interfaces = new ArrayList<>();
  private boolean bigEndian;
  private long framesRead;
  /** Simple Packet Blocks have no timestamp: they get the last one seen. */
  private long lastTimestampMicros;

  private PcapngBlockParser(CaptureInput in) {
    this.in = in;
  }

  /** Reads the Section Header Block at the start of {@code in}. */
  static PcapngBlockParser open(CaptureInput in) throws IOException, CaptureFormatException {
    PcapngBlockParser parser = new PcapngBlockParser(in);
    parser.sectionHeader();
    return parser;
  }

  @Override
  public long read(FrameSink sink, long maxFrames) throws IOException, CaptureFormatException {
    long delivered = 0;
    while (delivered < maxFrames) {
      if (in.limit - in.pos < BLOCK_HEADER_LENGTH && !blockHeaderAvailable()) {
        break;
      }
      int type = getInt(in.buf, in.pos, bigEndian);
      if (type == ENHANCED_PACKET_BLOCK || type == OBSOLETE_PACKET_BLOCK) {
        timestampedPacket(sink, type == OBSOLETE_PACKET_BLOCK);
        delivered++;
      } else if (type == SIMPLE_PACKET_BLOCK) {
        simplePacket(sink);
        delivered++;
      } else if (type == INTERFACE_DESCRIPTION_BLOCK) {
        interfaceDescription();
      } else if (type == SECTION_HEADER_BLOCK) {
        sectionHeader();
      } else {
        skipBlock();
      }
    }
    return delivered;
  }

  private void timestampedPacket(FrameSink sink, boolean obsolete)
      throws IOException, CaptureFormatException {
    long frame = framesRead + 1;
    int total = loadBlock(PACKET_MIN_LENGTH, frame);
    byte[] buf = in.buf;
    int p = in.pos;
    long interfaceId =
        obsolete
            ? getUnsignedShort(buf, p + PACKET_INTERFACE_OFFSET, bigEndian)
            : getUnsignedInt(buf, p + PACKET_INTERFACE_OFFSET, bigEndian);
    PcapngInterface iface = interfaceOf(interfaceId, frame);
    int captured = getInt(buf, p + PACKET_CAPTURED_OFFSET, bigEndian);
    int original = getInt(buf, p + PACKET_ORIGINAL_OFFSET, bigEndian);
    checkPacket(captured, original, iface, total, PACKET_DATA_OFFSET, frame);
    long micros = iface.scale().toMicros(getHighLow(buf, p + PACKET_TIMESTAMP_OFFSET, bigEndian));
    lastTimestampMicros = micros;
    in.pos = p + total;
    framesRead = frame;
    sink.frame(micros, original, buf, p + PACKET_DATA_OFFSET, captured);
  }

  private void simplePacket(FrameSink sink) throws IOException, CaptureFormatException {
    long frame = framesRead + 1;
    int total = loadBlock(SPB_MIN_LENGTH, frame);
    byte[] buf = in.buf;
    int p = in.pos;
    if (interfaces.isEmpty()) {
      throw in.error(
          in.offset(), frame, "simple packet block before any interface description block");
    }
    PcapngInterface iface = interfaces.get(0);
    int original = getInt(buf, p + SPB_ORIGINAL_OFFSET, bigEndian);
    // the block has no captured length: the packet is cut by the snap length and the block size
    int room = total - SPB_DATA_OFFSET - BLOCK_TRAILER_LENGTH;
    long captured = Math.min(Integer.toUnsignedLong(original), room);
    if (iface.snapLength() > 0) {
      captured = Math.min(captured, iface.snapLength());
    }
    checkPacket((int) captured, original, iface, total, SPB_DATA_OFFSET, frame);
    in.pos = p + total;
    framesRead = frame;
    sink.frame(lastTimestampMicros, original, buf, p + SPB_DATA_OFFSET, (int) captured);
  }

  private PcapngInterface interfaceOf(long interfaceId, long frame) throws CaptureFormatException {
    if (interfaceId >= interfaces.size()) {
      throw in.error(
          in.offset(),
          frame,
          "corrupt packet block: interface "
              + interfaceId
              + " not described (section has "
              + interfaces.size()
              + ")");
    }
    return interfaces.get((int) interfaceId);
  }

  private void checkPacket(
      int captured, int original, PcapngInterface iface, int total, int dataOffset, long frame)
      throws CaptureFormatException {
    if (captured < 0 || captured > iface.maxCaptured() || captured > original) {
      throw in.error(
          in.offset(), frame, CaptureLimits.checkLengths(captured, original, iface.snapLength()));
    }
    if (dataOffset + padded(captured) + BLOCK_TRAILER_LENGTH > total) {
      throw in.error(
          in.offset(),
          frame,
          "corrupt packet block: captured length "
              + captured
              + " does not fit in a block of "
              + total
              + " bytes");
    }
  }

  private void interfaceDescription() throws IOException, CaptureFormatException {
    int total = loadBlock(IDB_MIN_LENGTH, 0);
    byte[] buf = in.buf;
    int p = in.pos;
    int index = interfaces.size();
    int linkType = getUnsignedShort(buf, p + IDB_LINK_TYPE_OFFSET, bigEndian);
    if (linkType != LinkTypes.ETHERNET) {
      throw in.error(in.offset(), 0, LinkTypes.unsupported(linkType, " on interface " + index));
    }
    long rawSnapLength = getUnsignedInt(buf, p + IDB_SNAP_LENGTH_OFFSET, bigEndian);
    int snapLength = (int) Math.min(Integer.MAX_VALUE, rawSnapLength);
    int tsresol = TimestampScale.DEFAULT_TSRESOL;
    long tsoffset = 0;
    int end = p + total - BLOCK_TRAILER_LENGTH;
    int o = p + IDB_OPTIONS_OFFSET;
    while (o + OPTION_HEADER_LENGTH <= end) {
      int code = getUnsignedShort(buf, o, bigEndian);
      int length = getUnsignedShort(buf, o + Short.BYTES, bigEndian);
      int value = o + OPTION_HEADER_LENGTH;
      if (code == OPT_ENDOFOPT) {
        break;
      }
      if (value + length > end) {
        throw in.error(
            in.offset(), 0, "corrupt interface description block: option " + code + " overruns it");
      }
      if (code == IF_TSRESOL && length >= 1) {
        tsresol = Byte.toUnsignedInt(buf[value]);
      } else if (code == IF_TSOFFSET && length >= IF_TSOFFSET_LENGTH) {
        tsoffset = getLong(buf, value, bigEndian);
      }
      o = value + padded(length);
    }
    TimestampScale scale = TimestampScale.of(tsresol, tsoffset);
    if (scale == null) {
      throw in.error(
          in.offset(),
          0,
          String.format(
              "unsupported timestamp resolution if_tsresol=0x%02x, if_tsoffset=%d on interface %d",
              tsresol, tsoffset, index));
    }
    interfaces.add(PcapngInterface.of(snapLength, scale));
    in.pos = p + total;
  }

  private void sectionHeader() throws IOException, CaptureFormatException {
    if (!in.ensure(SHB_BYTE_ORDER_OFFSET + Integer.BYTES, 0)) {
      throw in.error(
          in.offset(),
          0,
          "truncated section header block: " + in.available() + " bytes left");
    }
    int magic = getInt(in.buf, in.pos + SHB_BYTE_ORDER_OFFSET, false);
    if (magic == BYTE_ORDER_MAGIC) {
      bigEndian = false;
    } else if (Integer.reverseBytes(magic) == BYTE_ORDER_MAGIC) {
      bigEndian = true;
    } else {
      throw in.error(
          in.offset(),
          0,
          String.format("corrupt section header block: byte-order magic 0x%08x", magic));
    }
    int total = loadBlock(SHB_MIN_LENGTH, 0);
    int major = getUnsignedShort(in.buf, in.pos + SHB_MAJOR_OFFSET, bigEndian);
    int minor = getUnsignedShort(in.buf, in.pos + SHB_MINOR_OFFSET, bigEndian);
    if (major != SUPPORTED_MAJOR_VERSION) {
      throw in.error(in.offset(), 0, "unsupported pcapng version " + major + "." + minor);
    }
    interfaces.clear();
    in.pos += total;
  }

  /** Skips a block we have no use for, streaming through it whatever its size. */
  private void skipBlock() throws IOException, CaptureFormatException {
    long start = in.offset();
    long total = checkedLength(MIN_BLOCK_LENGTH, 0);
    if (!in.skip(total - BLOCK_TRAILER_LENGTH, 0) || !in.ensure(BLOCK_TRAILER_LENGTH, 0)) {
      throw truncatedBlock(start, total, in.offset() + in.available() - start, 0);
    }
    long trailer = getUnsignedInt(in.buf, in.pos, bigEndian);
    if (trailer != total) {
      throw trailerMismatch(start, total, trailer, 0);
    }
    in.pos += BLOCK_TRAILER_LENGTH;
  }

  /**
   * Brings the whole block at {@link CaptureInput#pos} into the buffer and checks its lengths.
   *
   * @return the block total length
   */
  private int loadBlock(int minLength, long frame) throws IOException, CaptureFormatException {
    long total = checkedLength(minLength, frame);
    if (total > CaptureInput.MAX_BUFFER_SIZE) {
      throw in.error(
          in.offset(),
          frame,
          "corrupt block: length " + total + " exceeds " + CaptureInput.MAX_BUFFER_SIZE);
    }
    if (!in.ensure((int) total, frame)) {
      throw truncatedBlock(in.offset(), total, in.available(), frame);
    }
    long trailer = getUnsignedInt(in.buf, in.pos + (int) total - BLOCK_TRAILER_LENGTH, bigEndian);
    if (trailer != total) {
      throw trailerMismatch(in.offset(), total, trailer, frame);
    }
    return (int) total;
  }

  /** The block total length at {@link CaptureInput#pos}, checked for alignment and minimum. */
  private long checkedLength(int minLength, long frame) throws CaptureFormatException {
    long total = getUnsignedInt(in.buf, in.pos + BLOCK_LENGTH_OFFSET, bigEndian);
    if (total % ALIGNMENT != 0 || total < minLength) {
      throw in.error(
          in.offset(),
          frame,
          "corrupt block: total length "
              + total
              + (total % ALIGNMENT != 0
                  ? " is not a multiple of " + ALIGNMENT
                  : " is less than " + minLength));
    }
    return total;
  }

  private boolean blockHeaderAvailable() throws IOException, CaptureFormatException {
    if (in.ensure(BLOCK_HEADER_LENGTH, 0)) {
      return true;
    }
    if (in.available() == 0) {
      return false;
    }
    throw in.error(
        in.offset(),
        0,
        "truncated block header: "
            + BLOCK_HEADER_LENGTH
            + " bytes expected, "
            + in.available()
            + " left");
  }

  private CaptureFormatException truncatedBlock(long start, long total, long left, long frame) {
    return in.error(
        start, frame, "truncated block: header says " + total + " bytes, " + left + " left");
  }

  private CaptureFormatException trailerMismatch(long start, long total, long trailer, long frame) {
    return in.error(
        start,
        frame,
        "corrupt block: trailing length " + trailer + " does not match leading length " + total);
  }

  private static int padded(int length) {
    return (length + ALIGNMENT - 1) & -ALIGNMENT;
  }

  @Override
  public long framesRead() {
    return framesRead;
  }

  /** The snap length of interface 0 of the current section, 0 before it is described. */
  @Override
  public int snapLength() {
    return interfaces.isEmpty() ? 0 : interfaces.get(0).snapLength();
  }

  /** Classic pcap notion only; pcapng resolutions are per interface. */
  @Override
  public boolean nanosecondResolution() {
    return false;
  }
}
