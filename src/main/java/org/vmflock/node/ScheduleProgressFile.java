package org.vmflock.node;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.vmflock.simulate.StateFile;

/**
 * How far a `run` node's schedule has come (how many of its events were sent and answered, in
 * order), kept durably in its data directory: each answer is recorded before the next event is
 * sent, so that a restarted node sends again at most the one event in flight (site changes and
 * submissions are idempotent) and never skips one.
 */
public final class ScheduleProgressFile implements FederationDriver.Progress {

  static final String KIND = "run-schedule";
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule()).registerModule(new Jdk8Module())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** What the file holds: events answered, of how many, and when the last answered one was due. */
  record Saved(int sent, int total, Optional<Instant> lastDue) {}

  private final Path file;
  private final int total;
  private int sent;

  private ScheduleProgressFile(Path file, int total, int sent) {
    this.file = file;
    this.total = total;
    this.sent = sent;
  }

  /**
   * The progress kept in {@code file} for a schedule whose events are due at {@code due} (in the
   * order they are sent); none sent if the file does not exist.
   *
   * @throws StateFile.DamagedStateException if the file is not whole, or is not this schedule's
   */
  public static ScheduleProgressFile open(Path file, List<Instant> due) {
    Optional<byte[]> body = StateFile.read(file, KIND);
    if (body.isEmpty()) {
      return new ScheduleProgressFile(file, due.size(), 0);
    }
    Saved saved;
    try {
      saved = JSON.readValue(body.get(), Saved.class);
    } catch (IOException e) {
      throw new StateFile.DamagedStateException(file, "unreadable: " + e.getMessage().replaceAll("\\s+", " "), e);
    }
    boolean matches = saved.total() == due.size() && saved.sent() >= 0 && saved.sent() <= due.size()
        && (saved.sent() == 0 ? saved.lastDue().isEmpty() : saved.lastDue().equals(Optional.of(due.get(saved.sent() - 1))));
    if (!matches) {
      throw new StateFile.DamagedStateException(file, "says " + saved.sent() + " of " + saved.total() + " events sent (the last due "
          + saved.lastDue().map(Instant::toString).orElse("-") + "), which is not this scenario's schedule of " + due.size());
    }
    return new ScheduleProgressFile(file, due.size(), saved.sent());
  }

  @Override
  public synchronized int sent() {
    return sent;
  }

  @Override
  public synchronized void sent(int count, Instant lastDue) {
    try {
      StateFile.write(file, KIND, JSON.writeValueAsBytes(new Saved(count, total, Optional.of(lastDue))));
    } catch (IOException e) {
      throw new IllegalStateException(file + ": cannot write: " + e.getMessage(), e);
    }
    sent = count;
  }
}
