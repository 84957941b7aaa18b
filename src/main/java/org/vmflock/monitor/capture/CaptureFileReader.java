package org.vmflock.monitor.capture;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Streams the Ethernet frames of a classic pcap or pcapng capture file, gzipped or not, to a {@link
 * FrameSink}. Frames are handed over as slices of one internal buffer that is filled in large
 * chunks: nothing is copied or allocated per frame.
 *
 * <p>Not thread-safe. Any malformation is reported as a {@link CaptureFormatException} naming the
 * file, the byte offset and the frame; after one, every further {@link #read} throws it again.
 */
public final class CaptureFileReader implements Closeable {
  /** Large enough that refills are rare, small enough to stay in L2/L3 for the compaction. */
  public static final int DEFAULT_BUFFER_SIZE = 1 << 20;

  private static final int MAGIC_LENGTH = 4;

  private final CaptureInput input;
  private final RecordParser parser;
  private CaptureFormatException failure;
  private boolean closed;

  private CaptureFileReader(CaptureInput input, RecordParser parser) {
    this.input = input;
    this.parser = parser;
  }

  /**
   * Opens a capture file and reads its file header. Gzip is recognised by its magic bytes, the
   * format by the capture magic; only Ethernet captures are accepted.
   */
  public static CaptureFileReader open(Path file) throws IOException, CaptureFormatException {
    return open(file, DEFAULT_BUFFER_SIZE);
  }

  /** As {@link #open(Path)} with a chosen initial buffer size, so tests can force refills. */
  static CaptureFileReader open(Path file, int bufferSize)
      throws IOException, CaptureFormatException {
    CaptureInput input = CaptureInput.open(file, bufferSize);
    try {
      return new CaptureFileReader(input, detect(input));
    } catch (IOException | CaptureFormatException | RuntimeException e) {
      try {
        input.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static RecordParser detect(CaptureInput input)
      throws IOException, CaptureFormatException {
    if (!input.ensure(MAGIC_LENGTH, 0)) {
      throw input.error(
          0,
          0,
          input.available() == 0
              ? "empty file"
              : "not a pcap or pcapng file (only " + input.available() + " bytes)");
    }
    int magic = ByteOrderAccess.getInt(input.buf, input.pos, false);
    if (PcapRecordParser.isMagic(magic)) {
      return PcapRecordParser.open(input);
    }
    if (magic == PcapngBlockParser.SECTION_HEADER_BLOCK) {
      return PcapngBlockParser.open(input);
    }
    // shown in file order, the way a hex dump shows it
    throw input.error(
        0,
        0,
        String.format("not a pcap or pcapng file (magic 0x%08x)", Integer.reverseBytes(magic)));
  }

  /**
   * Delivers up to {@code maxFrames} frames to {@code sink}. The frame bytes are only valid during
   * the sink call.
   *
   * @return how many frames were delivered; 0 means the end of the file
   */
  public long read(FrameSink sink, long maxFrames) throws IOException, CaptureFormatException {
    if (maxFrames <= 0) {
      throw new IllegalArgumentException("maxFrames must be positive: " + maxFrames);
    }
    if (closed) {
      throw new IOException("reader of " + input.file() + " is closed");
    }
    if (failure != null) {
      throw failure;
    }
    try {
      return parser.read(sink, maxFrames);
    } catch (CaptureFormatException e) {
      failure = e;
      throw e;
    }
  }

  /** Frames delivered so far. */
  public long framesRead() {
    return parser.framesRead();
  }

  /** Offset in the uncompressed stream just after the last header or record consumed. */
  public long bytesConsumed() {
    return input.offset();
  }

  public Path file() {
    return input.file();
  }

  /** True when the file was gzipped. */
  public boolean gzipped() {
    return input.gzip();
  }

  /** Classic pcap with nanosecond timestamps (magic a1b23c4d); always false for pcapng. */
  public boolean nanosecondResolution() {
    return parser.nanosecondResolution();
  }

  /**
   * The snap length of a classic pcap file; for pcapng, that of interface 0 of the current section
   * (0 until it is described). 0 means no limit.
   */
  public int snapLength() {
    return parser.snapLength();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    input.close();
  }
}
