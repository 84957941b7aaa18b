package org.vmflock.execute.faults;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.vmflock.execute.SagaPhase;

/** Fault runs counted per kind of fault, and the checks' totals; {@link #add} is safe from several threads. */
public final class FaultTally {

  /** The counts of one kind (or of all). */
  public static final class Counts {
    int runs;
    int completed;
    int rolledBack;
    int stuck;
    int noOutcome;
    int failedRuns;
    long actuatorFailures;
    long hangs;
    long messagesLost;
    long messagesDuplicated;
    long journalFailures;
    long sagaCrashes;
    long leaseExpiries;
    long vmsLost;
    long vmsDuplicated;
    long reservationsLeaked;
    long booksWrong;
    long notReported;
    long reportedTwice;
    long leftForOperator;

    void add(FaultRun r) {
      runs++;
      SagaPhase p = r.outcome().orElse(null);
      if (p == SagaPhase.COMPLETED) {
        completed++;
      } else if (p == SagaPhase.ROLLED_BACK) {
        rolledBack++;
      } else if (p == SagaPhase.STUCK) {
        stuck++;
      } else {
        noOutcome++;
      }
      if (!r.passed()) {
        failedRuns++;
      }
      FaultRun.Faults f = r.faults();
      actuatorFailures += f.actuatorFailures();
      hangs += f.hangs();
      messagesLost += f.messagesLost();
      messagesDuplicated += f.messagesDuplicated();
      journalFailures += f.journalFailures();
      sagaCrashes += f.sagaCrashes();
      leaseExpiries += f.leaseExpiries();
      FaultRun.Checks c = r.checks();
      vmsLost += c.vmsLost();
      vmsDuplicated += c.vmsDuplicated();
      reservationsLeaked += c.reservationsLeaked();
      booksWrong += c.booksWrong();
      notReported += r.reported() == 0 ? 1 : 0;
      reportedTwice += r.reported() > 1 ? 1 : 0;
      leftForOperator += c.leftForOperator();
    }

    public int runs() {
      return runs;
    }

    public int failedRuns() {
      return failedRuns;
    }

    public int stuck() {
      return stuck;
    }

    public int completed() {
      return completed;
    }

    public int rolledBack() {
      return rolledBack;
    }
  }

  private final Map<FaultKind, Counts> byKind = new EnumMap<>(FaultKind.class);
  private final Counts all = new Counts();
  private final List<FaultRun> failures = new ArrayList<>();

  public synchronized void add(FaultRun r) {
    byKind.computeIfAbsent(r.kind(), k -> new Counts()).add(r);
    all.add(r);
    if (!r.passed()) {
      failures.add(r);
    }
  }

  public synchronized Counts all() {
    return all;
  }

  public synchronized Counts of(FaultKind kind) {
    return byKind.getOrDefault(kind, new Counts());
  }

  /** The runs whose checks failed, in the order they ended. */
  public synchronized List<FaultRun> failures() {
    return List.copyOf(failures);
  }

  /** The table: per kind, the runs, their ends, the faults injected and the checks. */
  public synchronized List<String> table() {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "%-20s %6s %9s %8s %6s %7s   %-62s %s", "faults", "runs", "completed", "rolled", "stuck", "no end",
        "injected", "checks failed"));
    for (FaultKind k : FaultKind.values()) {
      Counts c = byKind.get(k);
      if (c != null) {
        lines.add(row(k.label(), c));
      }
    }
    lines.add(row("all", all));
    return lines;
  }

  private static String row(String label, Counts c) {
    String injected = String.format(Locale.ROOT, "act %d, hang %d, lost %d, dup %d, journal %d, crash %d, lease %d", c.actuatorFailures,
        c.hangs, c.messagesLost, c.messagesDuplicated, c.journalFailures, c.sagaCrashes, c.leaseExpiries);
    return String.format(Locale.ROOT, "%-20s %6d %9d %8d %6d %7d   %-62s %d", label, c.runs, c.completed, c.rolledBack, c.stuck, c.noOutcome,
        injected, c.failedRuns);
  }

  /** The checks over every run, in one line. */
  public synchronized String checks() {
    return String.format(Locale.ROOT,
        "checks: %d VMs lost, %d duplicated; %d reservations leaked (sites and hypervisors); %d books differing from a recount;"
            + " %d outcomes not reported, %d reported twice; %d stuck sagas, each with its reason, leaving %d reservations or books for an operator",
        all.vmsLost, all.vmsDuplicated, all.reservationsLeaked, all.booksWrong, all.notReported, all.reportedTwice, all.stuck, all.leftForOperator);
  }

  /** The last line of {@code bench faults}. */
  public synchronized String summary() {
    return String.format(Locale.ROOT, "faults: %d runs, %d VMs lost, %d duplicated, %d reservations leaked, %d books wrong", all.runs, all.vmsLost,
        all.vmsDuplicated, all.reservationsLeaked, all.booksWrong);
  }
}
