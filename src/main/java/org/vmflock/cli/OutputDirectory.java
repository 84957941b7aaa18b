package org.vmflock.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import org.vmflock.model.InvalidInputException;

/**
 * Where a command writes its results, all or nothing: everything goes to a staging directory beside
 * the target ({@code .<target>.partial-*}), renamed into place only once complete; a report it
 * replaces is first renamed aside ({@code .<target>.replaced-*}), so that a reader never finds a
 * half-written or half-deleted one. A failure leaves the target as it was.
 *
 * <p>Interrupted (Ctrl-C, SIGTERM), the process deletes its staging directory as it exits. A
 * process killed in the middle (kill -9, a power cut) leaves it behind.
 * Each holds a marker naming the process that made it; the next command writing to the same target
 * removes those whose process is gone, and only those: a directory without the marker is not ours
 * (unless it is empty and a minute old: one killed between its making and its marking).
 */
public final class OutputDirectory implements AutoCloseable {

  /** The marker in a staging directory: the pid and start time of the process writing there. */
  static final String MARKER = ".vmflock-staging";
  private static final String PARTIAL = ".partial-";
  private static final String REPLACED = ".replaced-";
  private static final java.time.Duration UNMARKED_GRACE = java.time.Duration.ofMinutes(1);

  private final Path target;
  private final Path staging;
  private final boolean replace;
  private volatile boolean committed;
  /** Deletes the staging directory when the JVM exits before a commit or a close (Ctrl-C, SIGTERM). */
  private final Thread onExit;

  private OutputDirectory(Path target, Path staging, boolean replace) {
    this.target = target;
    this.staging = staging;
    this.replace = replace;
    this.onExit = new Thread(() -> {
      for (int attempt = 0; attempt < 3 && !committed && Files.exists(staging); attempt++) {
        try {
          deleteTree(staging); // a writer may still add a file meanwhile: then once more
        } catch (UncheckedIOException e) {
          // looked at again
        }
      }
    }, "vmflock-output-cleanup");
    Runtime.getRuntime().addShutdownHook(onExit);
  }

  /** Refuses a non-empty target unless {@code replace}; removes stale staging directories; creates a new one. */
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
      removeStale(t);
      return new OutputDirectory(t, marked(Files.createTempDirectory(t.getParent(), "." + t.getFileName() + PARTIAL)), replace);
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

  /** Moves the finished results into place; a report replaced is renamed aside first, then deleted. */
  public void commit() throws IOException {
    Optional<Path> aside = Optional.empty();
    if (Files.isDirectory(target)) {
      if (!replace && !isEmpty(target)) {
        throw new DirectoryNotEmptyException(target.toString());
      }
      Path holder = marked(Files.createTempDirectory(target.getParent(), "." + target.getFileName() + REPLACED));
      Files.move(target, holder.resolve("old"), StandardCopyOption.ATOMIC_MOVE);
      aside = Optional.of(holder);
    }
    Files.delete(staging.resolve(MARKER));
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (aside.isPresent()) {
        Files.move(aside.get().resolve("old"), target, StandardCopyOption.ATOMIC_MOVE); // the old report back in place
        deleteTree(aside.get());
      }
      throw e;
    }
    committed = true;
    aside.ifPresent(OutputDirectory::deleteTree);
  }

  /** Without a commit, the staging directory is deleted. */
  @Override
  public void close() {
    if (!committed) {
      deleteTree(staging);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException e) {
      // the JVM is exiting: the hook runs, finding nothing left to delete
    }
  }

  /** Writes the marker naming this process into a new directory. */
  private static Path marked(Path dir) throws IOException {
    ProcessHandle self = ProcessHandle.current();
    String started = self.info().startInstant().map(Instant::toString).orElse("");
    Files.writeString(dir.resolve(MARKER), "pid=" + self.pid() + "\nstarted=" + started + "\n", StandardCharsets.UTF_8);
    return dir;
  }

  /** Deletes this target's staging and set-aside directories whose marker names a process that is gone. */
  static void removeStale(Path target) throws IOException {
    String name = target.getFileName().toString();
    try (DirectoryStream<Path> siblings = Files.newDirectoryStream(target.getParent(),
        p -> p.getFileName().toString().startsWith("." + name + PARTIAL) || p.getFileName().toString().startsWith("." + name + REPLACED))) {
      for (Path p : siblings) {
        if (Files.isDirectory(p) && (Files.isRegularFile(p.resolve(MARKER)) ? !writerAlive(p.resolve(MARKER)) : emptyAndOld(p))) {
          deleteTree(p);
        }
      }
    }
  }

  /**
   * A staging directory is marked as soon as it is made; one killed in between is empty and
   * unmarked. Left that way for {@link #UNMARKED_GRACE}, it is no live writer's.
   */
  private static boolean emptyAndOld(Path dir) throws IOException {
    return isEmpty(dir) && Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(UNMARKED_GRACE));
  }

  /** Whether the process a marker names still runs (the same pid started at the same time). */
  private static boolean writerAlive(Path marker) throws IOException {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(marker, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      return true; // being committed or removed right now by its writer
    }
    long pid;
    try {
      pid = Long.parseLong(p.getProperty("pid", ""));
    } catch (NumberFormatException e) {
      return false;
    }
    String started = p.getProperty("started", "");
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(h -> started.isEmpty() || h.info().startInstant().map(Instant::toString).orElse("").equals(started))
        .isPresent();
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
