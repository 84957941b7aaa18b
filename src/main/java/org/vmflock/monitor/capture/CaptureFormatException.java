package org.vmflock.monitor.capture;

import java.nio.file.Path;

/**
 * A capture file that cannot be read: wrong magic, unsupported link type, corrupt or truncated
 * record. The message is one line naming the file, the byte offset in the uncompressed stream and,
 * when the problem is inside a frame, its 1-based number, e.g. {@code cg.pcap: byte 1234 (frame
 * 57): truncated record: header says 54 captured bytes, 12 left}.
 */
public final class CaptureFormatException extends Exception {
  private final transient Path file;
  private final long byteOffset;
  private final long frameNumber;
  private final String detail;

  /**
   * @param file the capture file
   * @param byteOffset offset of the faulty header or record in the uncompressed stream
   * @param frameNumber 1-based number of the frame being read, 0 when not in a frame
   * @param detail what is wrong, without the location
   * @param cause the underlying exception, or {@code null}
   */
  public CaptureFormatException(
      Path file, long byteOffset, long frameNumber, String detail, Throwable cause) {
    super(format(file, byteOffset, frameNumber, detail), cause);
    this.file = file;
    this.byteOffset = byteOffset;
    this.frameNumber = frameNumber;
    this.detail = detail;
  }

  public CaptureFormatException(Path file, long byteOffset, long frameNumber, String detail) {
    this(file, byteOffset, frameNumber, detail, null);
  }

  /** The capture file. */
  public Path file() {
    return file;
  }

  /** Offset of the problem in the uncompressed stream. */
  public long byteOffset() {
    return byteOffset;
  }

  /** 1-based number of the frame being read, 0 when the problem is not inside a frame. */
  public long frameNumber() {
    return frameNumber;
  }

  /** The problem without the file and location prefix. */
  public String detail() {
    return detail;
  }

  private static String format(Path file, long byteOffset, long frameNumber, String detail) {
    Path name = file.getFileName();
    StringBuilder sb = new StringBuilder();
    sb.append(name != null ? name : file).append(": byte ").append(byteOffset);
    if (frameNumber > 0) {
      sb.append(" (frame ").append(frameNumber).append(')');
    }
    return sb.append(": ").append(detail).toString();
  }
}
