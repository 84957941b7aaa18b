package org.vmflock.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the text files users give vmflock: UTF-8 (a byte-order mark is skipped), at most
 * {@link Limits#MAX_TEXT_FILE_BYTES}, turning every problem into an error that names the file and,
 * for bytes that are not UTF-8, the line and the byte offset.
 */
public final class TextFiles {

  private static final char BYTE_ORDER_MARK = '\uFEFF';

  private TextFiles() {}

  public static List<String> lines(Path file) {
    return text(file).lines().toList();
  }

  /** The whole file as text, without a leading byte-order mark. */
  public static String text(Path file) {
    return decode(file.toString(), bytes(file, Limits.MAX_TEXT_FILE_BYTES));
  }

  /** The file's bytes, refused when there are more than {@code maxBytes} (a device such as /dev/zero never ends). */
  public static byte[] bytes(Path file, long maxBytes) {
    if (Files.isDirectory(file)) {
      throw new InvalidInputException(file.toString(), "is a directory, not a file");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (b.length > maxBytes) {
        throw new InvalidInputException(file.toString(), "larger than " + (maxBytes >> 20) + " MiB: not a file vmflock reads");
      }
      return b;
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file.toString(), "no such file");
    } catch (IOException e) {
      throw new InvalidInputException(file.toString(), "cannot read: " + e.getMessage());
    }
  }

  /** {@code bytes} as UTF-8 text without a leading byte-order mark; {@code source} names them in errors. */
  public static String decode(String source, byte[] bytes) {
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult r = utf8.decode(in, out, true);
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new InvalidInputException(source + ":" + line, String.format("not UTF-8 text: byte 0x%02x at byte offset %d", bytes[at] & 0xFF, at));
    }
    utf8.flush(out);
    out.flip();
    if (out.hasRemaining() && out.get(0) == BYTE_ORDER_MARK) {
      out.position(1);
    }
    return out.toString();
  }
}
