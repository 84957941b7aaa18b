package org.vmflock.monitor.traffic;

import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.PeriodGrid;

/**
 * Decides when a sensor closes its periods (M2). Captures hand over traffic with a watermark: every
 * frame up to that instant has been handed over. A period closes once the watermark reaches its end,
 * or when the stream ends. The first period is partial when observation started inside it, the last
 * when it stopped inside it. Traffic for a period already closed is late.
 *
 * <p>At most {@code maxClosedAtOnce} periods close in one advance: a watermark that jumps further
 * (a clock set years ahead, a corrupt timestamp) skips the empty periods before the last ones, and
 * counts them, so that memory stays bounded whatever the timestamps.
 */
public final class PeriodCloser {

  /** A period to report, and whether the sensor observed only part of it. */
  public record Closed(long period, boolean partial) {}

  private final PeriodGrid grid;
  private final long maxClosedAtOnce;
  private long skipped;
  private long firstPeriod = Long.MIN_VALUE;
  private long startedAtMicros;
  private long nextToClose = Long.MIN_VALUE;
  private boolean ended;

  public PeriodCloser(PeriodGrid grid, long maxClosedAtOnce) {
    if (maxClosedAtOnce < 1) {
      throw new IllegalArgumentException("at least one period closes at once, not " + maxClosedAtOnce);
    }
    this.grid = grid;
    this.maxClosedAtOnce = maxClosedAtOnce;
  }

  /** Periods skipped so far because the watermark jumped over more than {@code maxClosedAtOnce}. */
  public long skipped() {
    return skipped;
  }

  public boolean started() {
    return firstPeriod != Long.MIN_VALUE;
  }

  public boolean ended() {
    return ended;
  }

  /** First period not closed yet ({@code Long.MIN_VALUE} before the first watermark). */
  public long nextToClose() {
    return nextToClose;
  }

  /** Observation starts at {@code micros} (the first watermark, or the first frame if earlier). */
  public void start(long micros) {
    if (!started()) {
      firstPeriod = grid.periodOfMicros(micros);
      startedAtMicros = micros;
      nextToClose = firstPeriod;
    }
  }

  public boolean isLate(long period) {
    return ended || (started() && period < nextToClose);
  }

  /** Advances to {@code watermarkMicros} and returns the periods that close, oldest first. */
  public List<Closed> advance(long watermarkMicros, boolean endOfStream) {
    start(watermarkMicros);
    List<Closed> closed = new ArrayList<>();
    if (ended) {
      return closed;
    }
    long lastToClose = endOfStream ? grid.periodOfMicros(watermarkMicros) : grid.periodOfMicros(watermarkMicros) - 1;
    if (lastToClose - nextToClose + 1 > maxClosedAtOnce) {
      long firstKept = lastToClose - maxClosedAtOnce + 1;
      skipped += firstKept - nextToClose;
      nextToClose = firstKept;
    }
    for (long p = nextToClose; p <= lastToClose; p++) {
      boolean startedInside = p == firstPeriod && startedAtMicros > grid.startMicros(p);
      boolean stoppedInside = endOfStream && p == lastToClose && watermarkMicros < grid.endMicros(p) - 1;
      closed.add(new Closed(p, startedInside || stoppedInside));
    }
    nextToClose = Math.max(nextToClose, lastToClose + 1);
    ended = endOfStream;
    return closed;
  }
}
