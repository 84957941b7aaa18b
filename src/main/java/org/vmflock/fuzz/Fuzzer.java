package org.vmflock.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.vmflock.model.InvalidInputException;
import org.vmflock.monitor.capture.CaptureFormatException;

/**
 * Runs generated inputs through a {@link FuzzTarget}, each on a worker thread with a time limit
 * (a hang is a failure, and the worker is abandoned), each with an empty scratch directory, and
 * classifies what happened. An error (out of memory, a stack overflow) is a failure like any other.
 */
public final class Fuzzer implements AutoCloseable {

  /** Longest refusal message: one line, the place first; a longer one quotes too much of the input. */
  static final int MAX_REFUSAL_CHARS = 1200;

  /** What a run of one target gave. */
  public record Tally(String target, long inputs, long accepted, long refused, long failed, long slowestNanos, List<String> failures) {

    /** Failures reported in detail at most. */
    static final int MAX_REPORTED = 5;
  }

  private final Duration limitPerTry;
  private final Path scratchRoot;
  private ExecutorService worker = newWorker();

  public Fuzzer(Duration limitPerTry) {
    this.limitPerTry = limitPerTry;
    try {
      this.scratchRoot = Files.createTempDirectory("vmflock-fuzz");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code tries} inputs of {@code target} drawn from {@code seed}. */
  public <I> Tally run(FuzzTarget<I> target, long tries, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long accepted = 0;
    long refused = 0;
    long failed = 0;
    long slowest = 0;
    List<String> failures = new ArrayList<>();
    for (long t = 0; t < tries; t++) {
      I input = target.generate(random.split());
      Outcome o = once(target, input);
      slowest = Math.max(slowest, o.nanos());
      switch (o.kind()) {
        case ACCEPTED -> accepted++;
        case REFUSED -> refused++;
        case FAILED -> {
          failed++;
          if (failures.size() < Tally.MAX_REPORTED) {
            failures.add(o.detail() + " <- " + target.describe(input));
          }
        }
      }
    }
    return new Tally(target.name(), tries, accepted, refused, failed, slowest, failures);
  }

  /** One input: what it did, and how long it took. */
  public <I> Outcome once(FuzzTarget<I> target, I input) {
    Path scratch = scratch();
    long start = System.nanoTime();
    Future<?> f = worker.submit(() -> {
      target.feed(input, scratch);
      return null;
    });
    Outcome o;
    try {
      f.get(limitPerTry.toMillis(), TimeUnit.MILLISECONDS);
      o = new Outcome(Outcome.Kind.ACCEPTED, "", System.nanoTime() - start);
    } catch (TimeoutException e) {
      f.cancel(true);
      worker.shutdownNow();
      worker = newWorker(); // the stuck one is left behind
      o = new Outcome(Outcome.Kind.FAILED, "no answer within " + limitPerTry.toMillis() + " ms", System.nanoTime() - start);
    } catch (ExecutionException e) {
      o = classify(e.getCause(), System.nanoTime() - start);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("fuzzing interrupted", e);
    }
    clean(scratch);
    return o;
  }

  /** A refusal is the parser's exception with one line naming where; anything else is a failure. */
  static Outcome classify(Throwable t, long nanos) {
    if (t instanceof InvalidInputException || t instanceof CaptureFormatException) {
      String m = String.valueOf(t.getMessage());
      String where = t instanceof InvalidInputException i ? i.where() : String.valueOf(((CaptureFormatException) t).file());
      if (m.isBlank() || m.contains("\n") || m.contains("\r") || m.length() > MAX_REFUSAL_CHARS || where.isBlank()) {
        return new Outcome(Outcome.Kind.FAILED, "refusal not on one line naming where: " + org.vmflock.model.Limits.quoted(m), nanos);
      }
      return new Outcome(Outcome.Kind.REFUSED, m, nanos);
    }
    return new Outcome(Outcome.Kind.FAILED, t.getClass().getName() + ": " + org.vmflock.model.Limits.quoted(String.valueOf(t.getMessage()))
        + " at " + (t.getStackTrace().length > 0 ? t.getStackTrace()[0] : "?"), nanos);
  }

  private Path scratch() {
    try {
      return Files.createTempDirectory(scratchRoot, "try");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void clean(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a scratch file still open on a stuck worker: left for the temporary directory's cleanup
    }
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "vmflock-fuzz");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void close() {
    worker.shutdownNow();
    clean(scratchRoot);
  }
}
