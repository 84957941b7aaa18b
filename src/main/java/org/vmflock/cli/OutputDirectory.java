package org.vmflock.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.vmflock.model.InvalidInputException;

/**
 * Where a command writes its results, all or nothing: everything goes to a staging directory beside
 * the target, renamed into place only once complete. A failure leaves the target as it was.
 */
public final class OutputDirectory implements AutoCloseable {

  private final Path target;
  private final Path staging;
  private final boolean replace;
  private boolean committed;

  private OutputDirectory(Path target, Path staging, boolean replace) {
    this.target = target;
    this.staging = staging;
    this.replace = replace;
  }

  /** Refuses a non-empty target unless {@code replace}; creates the staging directory. */
  public static OutputDirectory prepare(Path target, boolean replace) {
    Path t = target.toAbsolutePath().normalize();
    if (Files.exists(t) && !Files.isDirectory(t)) {
      throw new InvalidInputException(target.toString(), "exists and is not a directory");
    }
    if (Files.isDirectory(t) && !replace && !isEmpty(t)) {
      throw new InvalidInputException(target.toString(), "is not empty (use --force to replace it)");
    }
    try {
      Files.createDirectories(t.getParent());
      Path staging = Files.createTempDirectory(t.getParent(), "." + t.getFileName() + ".partial-");
      return new OutputDirectory(t, staging, replace);
    } catch (IOException e) {
      throw new InvalidInputException(target.toString(), "cannot create: " + e.getMessage());
    }
  }

  /** Where to write now. */
  public Path staging() {
    return staging;
  }

  public Path target() {
    return target;
  }

  /** Moves the finished results into place. */
  public void commit() throws IOException {
    if (Files.isDirectory(target)) {
      if (!replace && !isEmpty(target)) {
        throw new DirectoryNotEmptyException(target.toString());
      }
      deleteTree(target);
    }
    Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    committed = true;
  }

  /** Without a commit, the staging directory is deleted. */
  @Override
  public void close() {
    if (!committed) {
      deleteTree(staging);
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
