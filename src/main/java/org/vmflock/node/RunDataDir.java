package org.vmflock.node;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.vmflock.model.InvalidInputException;

/**
 * What a `run` node's data directory holds from an earlier run: its timeline (in {@code run/}) and
 * its journal (the H2 files of {@code vmflock.journal.dir}). Resuming it is a choice the user makes
 * ({@code --resume}); {@code --fresh} discards it, never while a node has it open.
 */
public final class RunDataDir {

  private final Path dataDir;
  private final Path runState;
  private final Optional<Path> h2Journal;

  private RunDataDir(Path dataDir, Path runState, Optional<Path> h2Journal) {
    this.dataDir = dataDir;
    this.runState = runState;
    this.h2Journal = h2Journal;
  }

  /** The data directory {@code config} names, with its journal if that is H2 (a PostgreSQL journal is not the directory's). */
  public static RunDataDir of(Config config) {
    Path dir = Path.of(config.getString("vmflock.data-dir")).toAbsolutePath().normalize();
    boolean h2 = config.getString("vmflock.journal.kind").toLowerCase(Locale.ROOT).equals("h2");
    return new RunDataDir(dir, dir.resolve(ScenarioNode.RUN_STATE), h2 ? Optional.of(NodeConfig.h2File(config)) : Optional.empty());
  }

  public Path path() {
    return dataDir;
  }

  /** The timeline of the run held, if one is. */
  public Optional<RunTimeline> timeline() {
    return RunTimeline.peek(runState.resolve("clock.json"));
  }

  /** What the directory holds from an earlier run, in words ("the run of … started at …", "a journal …"); empty when nothing. */
  public Optional<String> held() {
    Optional<RunTimeline> t = timeline();
    if (t.isPresent()) {
      return Optional.of(t.get().describe());
    }
    if (h2Journal.isPresent() && Files.exists(h2Journal.get())) {
      return Optional.of("a journal of an earlier node (" + h2Journal.get() + ")");
    }
    return Optional.empty();
  }

  /**
   * Deletes the run state and the H2 journal's files; the paths deleted.
   *
   * @throws InvalidInputException if a node has the journal open (its file is locked)
   */
  public List<Path> discard() {
    List<Path> deleted = new ArrayList<>();
    try {
      if (h2Journal.isPresent() && Files.exists(h2Journal.get())) {
        refuseIfOpen(h2Journal.get());
        try (Stream<Path> files = Files.list(h2Journal.get().getParent())) {
          for (Path f : files.filter(f -> f.getFileName().toString().startsWith("vmflock.")).sorted().toList()) {
            Files.delete(f);
            deleted.add(f);
          }
        }
      }
      if (Files.exists(runState)) {
        try (Stream<Path> all = Files.walk(runState)) {
          for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
        deleted.add(runState);
      }
    } catch (IOException e) {
      throw new IllegalStateException(dataDir + ": cannot discard the earlier run: " + e.getMessage(), e);
    }
    return deleted;
  }

  private static void refuseIfOpen(Path journal) throws IOException {
    try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new InvalidInputException(journal.toString(), "a node has this journal open: stop it before --fresh");
      }
      lock.release();
    }
  }
}
