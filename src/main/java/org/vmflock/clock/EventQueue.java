package org.vmflock.clock;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * A discrete-event queue over a {@link ManualClock}: work scheduled at instants, run in time order
 * (ties in the order they were scheduled), the clock set to each one's instant before it runs. The
 * same queue and seed give the same run. Not thread-safe: one simulation at a time.
 */
public final class EventQueue {

  private record Task(Instant at, long sequence, Runnable work) {}

  private final ManualClock clock;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>(Comparator.comparing(Task::at).thenComparingLong(Task::sequence));
  private long sequence;

  public EventQueue(ManualClock clock) {
    this.clock = clock;
  }

  public ManualClock clock() {
    return clock;
  }

  /** Runs {@code work} at {@code at}, or now if that is past. */
  public void at(Instant at, Runnable work) {
    Instant now = clock.now();
    tasks.add(new Task(at.isBefore(now) ? now : at, sequence++, work));
  }

  public void after(Duration delay, Runnable work) {
    at(clock.now().plus(delay), work);
  }

  /** When the next work is due. */
  public Optional<Instant> next() {
    return Optional.ofNullable(tasks.peek()).map(Task::at);
  }

  /** Runs the next work; false if there is none. */
  public boolean runNext() {
    Task t = tasks.poll();
    if (t == null) {
      return false;
    }
    clock.set(t.at());
    t.work().run();
    return true;
  }

  /** Runs work until none is left. */
  public void runAll() {
    while (runNext()) {
      // each task may schedule more
    }
  }

  public boolean isEmpty() {
    return tasks.isEmpty();
  }

  public int size() {
    return tasks.size();
  }
}
