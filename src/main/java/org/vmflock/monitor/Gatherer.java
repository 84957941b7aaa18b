package org.vmflock.monitor;

import java.util.ArrayList;
import java.util.List;

/**
 * When a site's collector writes what: its reports go to the journal side at once when no write is
 * in flight, and those that arrive while one is are gathered, to go together, in one write, when it
 * is done (group commit). Any other message goes on at once, after the reports that arrived before
 * it: the journal side sees every message in the order the collector received it. Plain logic, no
 * actor: {@link Collector}'s entity follows what it says.
 *
 * @param <M> the messages
 */
final class Gatherer<M> {

  /** What to do: send these reports' messages together as one write, or pass this message on. */
  sealed interface Step<M> {}

  record Write<M>(List<M> messages) implements Step<M> {
    Write {
      messages = List.copyOf(messages);
    }
  }

  record Pass<M>(M message) implements Step<M> {}

  private final int maxReports;
  private final List<M> waiting = new ArrayList<>();
  private final List<Integer> waitingSizes = new ArrayList<>();
  private int writing;

  /** @param maxReports the most reports one write gathers (a message holding more goes alone) */
  Gatherer(int maxReports) {
    if (maxReports < 1) {
      throw new IllegalArgumentException("a write gathers at least one report, not " + maxReports);
    }
    this.maxReports = maxReports;
  }

  /** A message of {@code reports} reports arrived. */
  List<Step<M>> reports(M message, int reports) {
    waiting.add(message);
    waitingSizes.add(reports);
    return writing == 0 ? next() : List.of();
  }

  /** Another message arrived: the reports waiting go first (each write answered later), then it. */
  List<Step<M>> other(M message) {
    List<Step<M>> steps = new ArrayList<>();
    while (!waiting.isEmpty()) {
      steps.addAll(next());
    }
    steps.add(new Pass<>(message));
    return steps;
  }

  /** A write sent is done (or its answer is given up on): the reports gathered meanwhile go. */
  List<Step<M>> written() {
    if (writing == 0) {
      throw new IllegalStateException("no write in flight");
    }
    writing--;
    return writing == 0 ? next() : List.of();
  }

  /** Writes sent and not yet done. */
  int writing() {
    return writing;
  }

  /** Reports' messages waiting for the write in flight. */
  int waiting() {
    return waiting.size();
  }

  private List<Step<M>> next() {
    if (waiting.isEmpty()) {
      return List.of();
    }
    int n = 0;
    int reports = 0;
    while (n < waiting.size() && (n == 0 || reports + waitingSizes.get(n) <= maxReports)) {
      reports += waitingSizes.get(n);
      n++;
    }
    List<M> messages = new ArrayList<>(waiting.subList(0, n));
    waiting.subList(0, n).clear();
    waitingSizes.subList(0, n).clear();
    writing++;
    return List.of(new Write<>(messages));
  }
}
