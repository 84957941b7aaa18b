package org.vmflock.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The newest event an H2 journal acknowledged (its {@code ordering}), kept beside the file in
 * {@code vmflock.acknowledged}: the witness a truncated journal cannot erase. A journal cut exactly
 * where one of H2's chunks ends reads as the same journal a little earlier; with this mark, a
 * journal that lacks an event it acknowledged is known to be damaged. Written after the event is
 * stored in the file, so the mark never runs ahead of it.
 */
final class AcknowledgedMark {

  static final String FILE = "vmflock.acknowledged";
  private static final String KEY = "ordering=";
  // the highest mark written for each file by this JVM (several nodes of a test share one journal)
  private static final Map<Path, Long> WRITTEN = new ConcurrentHashMap<>();

  private AcknowledgedMark() {}

  /** The mark beside an H2 database file ({@code vmflock.mv.db}). */
  static Path of(Path h2File) {
    return h2File.resolveSibling(FILE);
  }

  /** Raises the mark to {@code ordering} (never lowers it). */
  static void advance(Path mark, long ordering) {
    WRITTEN.compute(mark, (m, written) -> {
      if (written != null && written >= ordering) {
        return written;
      }
      try {
        Path next = m.resolveSibling(FILE + ".next");
        Files.writeString(next, KEY + ordering + "\n", StandardCharsets.UTF_8);
        Files.move(next, m, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + m, e);
      }
      return ordering;
    });
  }

  /** The mark, if there is a readable one. */
  static OptionalLong read(Path mark) {
    try {
      String text = Files.readString(mark, StandardCharsets.UTF_8).strip();
      return text.startsWith(KEY) ? OptionalLong.of(Long.parseLong(text.substring(KEY.length()))) : OptionalLong.empty();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Forgets the mark: the journal starts anew. */
  static void clear(Path mark) {
    WRITTEN.remove(mark);
    try {
      Files.deleteIfExists(mark);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + mark, e);
    }
  }
}
