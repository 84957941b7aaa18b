package org.vmflock.simulate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small state file replaced whole and durably: written beside the old one, forced to disk,
 * renamed over it (atomic), and the directory forced, so that after a crash at any moment the file
 * is either the old content or the new one. A header line carries the body's length and SHA-256:
 * a truncated or altered file is refused as damaged ({@link DamagedStateException}), never read in
 * part.
 */
public final class StateFile {

  /** The first line: {@code vmflock-state 1 <kind> <length> <sha256>}. */
  private static final Pattern HEADER = Pattern.compile("vmflock-state 1 ([a-z-]+) (\\d+) ([0-9a-f]{64})");
  /** A state file larger than this is not one of ours. */
  public static final long MAX_BYTES = 256L << 20;

  private StateFile() {}

  /** Replaces {@code file} with {@code body}, durably; {@code kind} names what it holds (checked on read). */
  public static void write(Path file, String kind, byte[] body) {
    String header = "vmflock-state 1 " + kind + " " + body.length + " " + sha256(body) + "\n";
    Path dir = file.toAbsolutePath().getParent();
    Path aside = dir.resolve("." + file.getFileName() + ".new");
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(aside, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer all = ByteBuffer.allocate(header.length() + body.length);
        all.put(header.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
        while (all.hasRemaining()) {
          ch.write(all);
        }
        ch.force(true);
      }
      try {
        Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot rename " + aside + " atomically", e);
      }
      forceDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** The body of {@code file}, empty if there is none; {@link DamagedStateException} if it is not whole. */
  public static Optional<byte[]> read(Path file, String kind) {
    byte[] all;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new DamagedStateException(file, "larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new DamagedStateException(file, "cannot read: " + e.getMessage());
    }
    int eol = -1;
    for (int i = 0; i < Math.min(all.length, 200); i++) {
      if (all[i] == '\n') {
        eol = i;
        break;
      }
    }
    if (eol < 0) {
      throw new DamagedStateException(file, all.length == 0 ? "empty" : "no header line");
    }
    Matcher m = HEADER.matcher(new String(all, 0, eol, StandardCharsets.US_ASCII));
    if (!m.matches()) {
      throw new DamagedStateException(file, "not a vmflock state file (bad header)");
    }
    if (!m.group(1).equals(kind)) {
      throw new DamagedStateException(file, "holds " + m.group(1) + ", not " + kind);
    }
    long length = Long.parseLong(m.group(2));
    int actual = all.length - eol - 1;
    if (actual != length) {
      throw new DamagedStateException(file, (actual < length ? "truncated: " : "too long: ") + actual + " bytes after the header, "
          + length + " expected");
    }
    byte[] body = java.util.Arrays.copyOfRange(all, eol + 1, all.length);
    if (!sha256(body).equals(m.group(3))) {
      throw new DamagedStateException(file, "its content does not match its checksum (altered)");
    }
    return Optional.of(body);
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems cannot open a directory for reading: the rename is durable at their next sync
    }
  }

  private static String sha256(byte[] body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A state file that is not whole: truncated, altered, or not ours. Names the file. */
  public static final class DamagedStateException extends RuntimeException {
    private final Path file;

    public DamagedStateException(Path file, String what) {
      super(file + ": damaged run state: " + what + " (restore it, or start on a fresh data directory)");
      this.file = file;
    }

    public DamagedStateException(Path file, String what, Throwable cause) {
      super(file + ": damaged run state: " + what + " (restore it, or start on a fresh data directory)", cause);
      this.file = file;
    }

    public Path file() {
      return file;
    }
  }
}
