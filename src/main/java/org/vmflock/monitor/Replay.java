package org.vmflock.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.vmflock.clock.Clock;
import org.vmflock.clock.Sleeper;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.capture.CaptureFileReader;
import org.vmflock.monitor.capture.CaptureFormatException;
import org.vmflock.monitor.capture.FrameSink;
import org.vmflock.monitor.capture.Pace;
import org.vmflock.monitor.stats.QueryAnswer;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.node.VmflockNode;

/**
 * Replays capture files through the real monitoring path (M4): the frames are counted as one host's
 * capture would count them, handed to the host's monitor and its sensors with the capture's
 * timestamps as time, reported to the sites' collectors and persisted there; the result is then
 * read back with a DETAILED query, as any client would. Several files are one capture, read in turn.
 */
public final class Replay {

  public static final String HOST = "replay";
  private static final int FRAMES_PER_READ = 4096;
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  /** How far a replay is: frames read, periods handed over, and the rate so far. */
  public record Progress(long frames, long periodsClosed, double framesPerSecond, Duration elapsed, boolean done) {}

  /** What a replay did and what the collectors then answered. */
  public record Result(
      long frames,
      long firstFrameMicros,
      long lastFrameMicros,
      long firstPeriod,
      long lastPeriod,
      Duration elapsed,
      HostMonitor.Drained sensors,
      QueryAnswer.Statistics statistics) {}

  private Replay() {}

  public static Result run(VmflockNode node, VmInventory inventory, List<Path> files, Pace pace, Clock clock, Sleeper sleeper,
      Consumer<Progress> progress) throws IOException, CaptureFormatException {
    MonitorSettings settings = node.monitorSettings();
    PeriodGrid grid = settings.grid();
    long firstMicros = firstTimestamp(files).orElseThrow(() -> new InvalidInputException(files.get(0).toString(), "no frame in the capture"));
    String site = inventory.vms().get(0).site();
    ActorRef<HostMonitor.Command> monitor = Observation.startMonitor(node, HOST,
        HostMonitor.pushed(new HostMonitor.HostSpec(HOST, site, inventory.vms(), firstMicros), settings, node.collectors()));

    TrafficCounter counter = new TrafficCounter(HOST, grid, inventory.vms(), settings.fileServers());
    Instant started = clock.now();
    Feeder feeder = new Feeder(counter, monitor, grid, settings.replayBatchFrames(), pace, clock, sleeper, progress, started, firstMicros);
    for (Path f : files) {
      feeder.file = f;
      feeder.framesOfFile = 0;
      try (CaptureFileReader reader = CaptureFileReader.open(f)) {
        while (reader.read(feeder, FRAMES_PER_READ) > 0) {
          feeder.afterRead();
        }
      }
    }
    feeder.finish();
    HostMonitor.Drained drained = Observation.drain(node, monitor);
    long firstPeriod = grid.periodOfMicros(firstMicros);
    long lastPeriod = grid.periodOfMicros(feeder.lastMicros);
    QueryAnswer.Statistics stats = Observation.periods(node, inventory, firstPeriod, lastPeriod, clock);
    Duration elapsed = Duration.between(started, clock.now());
    progress.accept(new Progress(feeder.frames, lastPeriod - firstPeriod + 1, rate(feeder.frames, elapsed), elapsed, true));
    return new Result(feeder.frames, firstMicros, feeder.lastMicros, firstPeriod, lastPeriod, elapsed, drained, stats);
  }

  private static Optional<Long> firstTimestamp(List<Path> files) throws IOException, CaptureFormatException {
    for (Path f : files) {
      long[] first = {Long.MIN_VALUE};
      try (CaptureFileReader reader = CaptureFileReader.open(f)) {
        FrameSink sink = (ts, len, buf, off, cap) -> first[0] = ts;
        if (reader.read(sink, 1) == 1) {
          return Optional.of(first[0]);
        }
      }
    }
    return Optional.empty();
  }

  static double rate(long frames, Duration elapsed) {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds > 0 ? frames / seconds : 0;
  }

  /** Counts frames, paces them, and hands batches to the host's monitor at period boundaries. */
  private static final class Feeder implements FrameSink {
    private final TrafficCounter counter;
    private final ActorRef<HostMonitor.Command> monitor;
    private final PeriodGrid grid;
    private final int batchFrames;
    private final Pace pace;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Consumer<Progress> progress;
    private final Instant started;
    private final long firstMicros;
    private long frames;
    private Path file;
    private long framesOfFile;
    private long lastMicros = Long.MIN_VALUE;
    private long handedPeriod;
    private long periodsClosed;
    private Instant nextProgress;

    Feeder(TrafficCounter counter, ActorRef<HostMonitor.Command> monitor, PeriodGrid grid, int batchFrames, Pace pace, Clock clock,
        Sleeper sleeper, Consumer<Progress> progress, Instant started, long firstMicros) {
      this.counter = counter;
      this.monitor = monitor;
      this.grid = grid;
      this.batchFrames = batchFrames;
      this.pace = pace;
      this.clock = clock;
      this.sleeper = sleeper;
      this.progress = progress;
      this.started = started;
      this.firstMicros = firstMicros;
      this.handedPeriod = grid.periodOfMicros(firstMicros);
      this.nextProgress = started.plus(PROGRESS_EVERY);
    }

    @Override
    public void frame(long ts, int originalLength, byte[] buf, int off, int capturedLength) {
      framesOfFile++;
      long span = grid.periodOfMicros(ts) - grid.periodOfMicros(firstMicros);
      if (span >= Limits.MAX_PERIODS) {
        // a corrupt or hostile timestamp (a record in 1975, the next in 2038) would make every empty period in between
        throw new InvalidInputException(file + ": frame " + framesOfFile, "its time " + Instant.EPOCH.plus(ts, ChronoUnit.MICROS) + " is "
            + span + " periods after the first frame (" + Instant.EPOCH.plus(firstMicros, ChronoUnit.MICROS) + "): a replay spans at most "
            + Limits.MAX_PERIODS + " periods of " + grid.length().toMillis() + " ms");
      }
      if (!pace.isMax()) {
        paceTo(ts);
        // paced, a read can span minutes: hand over as periods end, not per read
        long period = grid.periodOfMicros(ts);
        if (period > handedPeriod) {
          periodsClosed += period - handedPeriod;
          handedPeriod = period;
          monitor.tell(new HostMonitor.Counted(counter.drain(), ts - 1, false));
        }
      }
      frames++;
      lastMicros = Math.max(lastMicros, ts);
      counter.frame(ts, originalLength, buf, off, capturedLength);
      if (!pace.isMax()) {
        reportProgress();
      }
    }

    /** Hands a batch over when a period ended or enough frames piled up; reports progress. */
    void afterRead() {
      long period = grid.periodOfMicros(lastMicros);
      if (period > handedPeriod || counter.pendingFrames() >= batchFrames || !pace.isMax()) {
        periodsClosed += Math.max(0, period - handedPeriod);
        handedPeriod = period;
        monitor.tell(new HostMonitor.Counted(counter.drain(), lastMicros, false));
      }
      reportProgress();
    }

    private void reportProgress() {
      Instant now = clock.now();
      if (!now.isBefore(nextProgress)) {
        nextProgress = now.plus(PROGRESS_EVERY);
        Duration elapsed = Duration.between(started, now);
        progress.accept(new Progress(frames, periodsClosed, rate(frames, elapsed), elapsed, false));
      }
    }

    void finish() {
      monitor.tell(new HostMonitor.Counted(counter.drain(), Math.max(lastMicros, firstMicros), true));
    }

    private void paceTo(long ts) {
      long captureMicros = ts - firstMicros;
      Instant due = started.plusNanos((long) (captureMicros * 1000 / pace.factor()));
      Duration wait = Duration.between(clock.now(), due);
      if (!wait.isNegative() && !wait.isZero()) {
        try {
          sleeper.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("replay interrupted", e);
        }
      }
    }
  }
}
