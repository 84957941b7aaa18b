package org.vmflock.monitor.capture;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The uncompressed bytes of a capture file, read in large chunks into one growable array. Parsers
 * work directly on {@link #buf} between {@link #pos} and {@link #limit} and advance {@link #pos};
 * {@link #ensure} compacts and refills so that a record straddling two chunks becomes contiguous.
 */
final class CaptureInput implements Closeable {
  /** Records are at most 256 KiB, so a bigger block is corrupt long before this. */
  static final int MAX_BUFFER_SIZE = 16 << 20;

  private static final int GZIP_MAGIC_LENGTH = 2;
  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;
  /** The JDK default of 512 bytes makes the inflater return tiny pieces. */
  private static final int GZIP_INPUT_BUFFER_SIZE = 64 << 10;
  private static final int BYTE_MASK = 0xFF;

  private final Path file;
  private final InputStream stream;
  private final boolean gzip;

  /** The bytes; replaced by a bigger array when a record does not fit. */
  byte[] buf;
  /** Next unread byte in {@link #buf}. */
  int pos;
  /** End of the valid bytes in {@link #buf}. */
  int limit;
  /** Offset in the uncompressed stream of {@code buf[0]}. */
  private long base;
  private boolean endOfStream;

  private CaptureInput(Path file, InputStream stream, boolean gzip, int bufferSize) {
    this.file = file;
    this.stream = stream;
    this.gzip = gzip;
    this.buf = new byte[bufferSize];
  }

  /** Opens the file, going through a gzip decoder when it starts with the gzip magic. */
  static CaptureInput open(Path file, int bufferSize) throws IOException, CaptureFormatException {
    if (bufferSize < 1 || bufferSize > MAX_BUFFER_SIZE) {
      throw new IllegalArgumentException("buffer size out of range: " + bufferSize);
    }
    InputStream raw = Files.newInputStream(file);
    try {
      PushbackInputStream head = new PushbackInputStream(raw, GZIP_MAGIC_LENGTH);
      byte[] magic = head.readNBytes(GZIP_MAGIC_LENGTH);
      head.unread(magic);
      boolean gzip =
          magic.length == GZIP_MAGIC_LENGTH
              && (magic[0] & BYTE_MASK) == GZIP_MAGIC_0
              && (magic[1] & BYTE_MASK) == GZIP_MAGIC_1;
      InputStream stream = head;
      if (gzip) {
        try {
          stream = new GZIPInputStream(head, GZIP_INPUT_BUFFER_SIZE);
        } catch (ZipException | EOFException e) {
          throw gzipError(file, 0, 0, e);
        }
      }
      return new CaptureInput(file, stream, gzip, bufferSize);
    } catch (IOException | CaptureFormatException | RuntimeException e) {
      closeQuietly(raw, e);
      throw e;
    }
  }

  Path file() {
    return file;
  }

  boolean gzip() {
    return gzip;
  }

  int available() {
    return limit - pos;
  }

  /** Offset in the uncompressed stream of the next unread byte. */
  long offset() {
    return base + pos;
  }

  /** Offset in the uncompressed stream of {@code buf[index]}. */
  long offsetOf(int index) {
    return base + index;
  }

  /**
   * Makes at least {@code n} bytes available from {@link #pos}, compacting, growing and refilling
   * the buffer as needed; {@link #buf} and {@link #pos} may change.
   *
   * @param frameNumber the frame being read, for error messages (0 when not in a frame)
   * @return false when the stream ends first; {@link #available()} then tells how many are left
   */
  boolean ensure(int n, long frameNumber) throws IOException, CaptureFormatException {
    if (limit - pos >= n) {
      return true;
    }
    if (n > buf.length) {
      grow(n, frameNumber);
    } else {
      compact();
    }
    fill(n, frameNumber);
    return limit - pos >= n;
  }

  /**
   * Skips {@code n} bytes, streaming through them when they are more than the buffer holds.
   *
   * @return false when the stream ends first
   */
  boolean skip(long n, long frameNumber) throws IOException, CaptureFormatException {
    long remaining = n;
    while (remaining > limit - pos) {
      remaining -= limit - pos;
      pos = limit;
      if (!ensure(1, frameNumber)) {
        return false;
      }
    }
    pos += (int) remaining;
    return true;
  }

  CaptureFormatException error(long byteOffset, long frameNumber, String detail) {
    return new CaptureFormatException(file, byteOffset, frameNumber, detail);
  }

  @Override
  public void close() throws IOException {
    stream.close();
  }

  private void compact() {
    int unread = limit - pos;
    System.arraycopy(buf, pos, buf, 0, unread);
    base += pos;
    limit = unread;
    pos = 0;
  }

  private void grow(int n, long frameNumber) throws CaptureFormatException {
    if (n > MAX_BUFFER_SIZE) {
      throw error(
          offset(),
          frameNumber,
          "corrupt record: " + n + " bytes exceed the " + MAX_BUFFER_SIZE + "-byte buffer limit");
    }
    byte[] bigger = new byte[Math.max(n, (int) Math.min(MAX_BUFFER_SIZE, 2L * buf.length))];
    int unread = limit - pos;
    System.arraycopy(buf, pos, bigger, 0, unread);
    base += pos;
    limit = unread;
    pos = 0;
    buf = bigger;
  }

  /** Reads until {@code n} bytes are available or the stream ends, as much as fits each time. */
  private void fill(int n, long frameNumber) throws IOException, CaptureFormatException {
    try {
      while (!endOfStream && limit - pos < n) {
        int read = stream.read(buf, limit, buf.length - limit);
        if (read < 0) {
          endOfStream = true;
        } else {
          limit += read;
        }
      }
    } catch (ZipException | EOFException e) {
      if (!gzip) {
        throw e;
      }
      throw gzipError(file, base + limit, frameNumber, e);
    }
  }

  private static CaptureFormatException gzipError(
      Path file, long offset, long frameNumber, IOException cause) {
    String detail = "corrupt or truncated gzip stream: " + cause.getMessage();
    return new CaptureFormatException(file, offset, frameNumber, detail, cause);
  }

  private static void closeQuietly(InputStream in, Exception pending) {
    try {
      in.close();
    } catch (IOException e) {
      pending.addSuppressed(e);
    }
  }
}
