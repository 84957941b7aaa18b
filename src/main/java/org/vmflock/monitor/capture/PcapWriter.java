package org.vmflock.monitor.capture;

import static org.vmflock.monitor.capture.PcapRecordParser.CAPTURED_LENGTH_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.GLOBAL_HEADER_LENGTH;
import static org.vmflock.monitor.capture.PcapRecordParser.LINK_TYPE_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.MAGIC_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.ORIGINAL_LENGTH_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.RECORD_HEADER_LENGTH;
import static org.vmflock.monitor.capture.PcapRecordParser.SNAP_LENGTH_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.TS_FRACTION_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.TS_SECONDS_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.VERSION_MAJOR_OFFSET;
import static org.vmflock.monitor.capture.PcapRecordParser.VERSION_MINOR_OFFSET;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a classic little-endian, microsecond pcap of Ethernet frames. Writes go straight to the
 * stream, two per frame: give it a buffered one.
 */
public final class PcapWriter implements Closeable, Flushable {
  private static final int VERSION_MAJOR = 2;
  private static final int VERSION_MINOR = 4;
  private static final boolean BIG_ENDIAN = false;

  private final OutputStream out;
  private final int snapLength;
  private final byte[] header = new byte[GLOBAL_HEADER_LENGTH];
  private long framesWritten;

  /**
   * Writes the global header.
   *
   * @param snapLength the snap length recorded in the header; captured lengths may not exceed it
   */
  public PcapWriter(OutputStream out, int snapLength) throws IOException {
    if (snapLength <= 0) {
      throw new IllegalArgumentException("snap length must be positive: " + snapLength);
    }
    this.out = out;
    this.snapLength = snapLength;
    putInt(MAGIC_OFFSET, PcapRecordParser.MAGIC_MICROS);
    ByteOrderAccess.putShort(header, VERSION_MAJOR_OFFSET, VERSION_MAJOR, BIG_ENDIAN);
    ByteOrderAccess.putShort(header, VERSION_MINOR_OFFSET, VERSION_MINOR, BIG_ENDIAN);
    // thiszone and sigfigs stay 0
    putInt(SNAP_LENGTH_OFFSET, snapLength);
    putInt(LINK_TYPE_OFFSET, LinkTypes.ETHERNET);
    out.write(header, 0, GLOBAL_HEADER_LENGTH);
  }

  /**
   * Appends one frame record.
   *
   * @param timestampMicros capture time, microseconds since the epoch (not negative)
   * @param capturedLength bytes of {@code frame} to store, at most the snap length
   * @param originalLength length on the wire, at least {@code capturedLength}
   */
  public void write(
      long timestampMicros, byte[] frame, int offset, int capturedLength, int originalLength)
      throws IOException {
    if (timestampMicros < 0) {
      throw new IllegalArgumentException("negative timestamp: " + timestampMicros);
    }
    if (capturedLength < 0 || capturedLength > snapLength || capturedLength > originalLength) {
      throw new IllegalArgumentException(
          "captured length "
              + capturedLength
              + " outside [0, min(snap length "
              + snapLength
              + ", original length "
              + originalLength
              + ")]");
    }
    long seconds = timestampMicros / CaptureLimits.MICROS_PER_SECOND;
    if (seconds > Integer.toUnsignedLong(-1)) {
      throw new IllegalArgumentException("timestamp beyond 2106: " + timestampMicros);
    }
    putInt(TS_SECONDS_OFFSET, (int) seconds);
    putInt(TS_FRACTION_OFFSET, (int) (timestampMicros % CaptureLimits.MICROS_PER_SECOND));
    putInt(CAPTURED_LENGTH_OFFSET, capturedLength);
    putInt(ORIGINAL_LENGTH_OFFSET, originalLength);
    out.write(header, 0, RECORD_HEADER_LENGTH);
    out.write(frame, offset, capturedLength);
    framesWritten++;
  }

  private void putInt(int offset, int value) {
    ByteOrderAccess.putInt(header, offset, value, BIG_ENDIAN);
  }

  public long framesWritten() {
    return framesWritten;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
