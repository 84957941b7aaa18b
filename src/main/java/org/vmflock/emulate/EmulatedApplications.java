package org.vmflock.emulate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.vmflock.clock.Clock;
import org.vmflock.emulate.apps.MpiOutcome;
import org.vmflock.emulate.apps.MpiProgram;
import org.vmflock.emulate.apps.MpiRun;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.execute.Provisioner;
import org.vmflock.model.Application;

/**
 * The applications of an emulation, as the manager's provisioner (E2): booting one creates its VMs
 * in the lab where the manager placed them and starts its real program on them, one MPI rank per
 * VM in the order of the application's VMs; its end is the real process's, timed by the wall
 * clock; stopping it removes its VMs. Each boot and end happens on a thread of its own: the
 * manager does not wait for the lab.
 */
public final class EmulatedApplications implements Provisioner, AutoCloseable {

  /**
   * How a program's run ended.
   *
   * @param at when, on the node's clock
   * @param wallSeconds from its start to its end, by the wall clock
   * @param verified whether its own check passed (a run whose check fails is an error)
   * @param reason why it failed, or empty
   */
  public record Ended(Instant at, double wallSeconds, boolean verified, String reason) {}

  /**
   * An application as the lab runs it now.
   *
   * @param startedAt when its program started, on the node's clock (empty while its VMs are created)
   * @param doneWork its work done, in the planner's work seconds: the program's progress (read from
   *     its output) times the application's work
   */
  public record Status(Application app, String program, Optional<Instant> startedAt, double doneWork, Optional<Ended> ended) {
    public boolean started() {
      return startedAt.isPresent();
    }
  }

  /** How often a run's end is looked for (its end's time is the process's own, not this). */
  private static final Duration POLL = Duration.ofMillis(100);

  private final EmulatedFederation lab;
  private final Map<String, MpiProgram> programs;
  private final Clock clock;
  private final Path workDir;
  private final Duration timeout;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "emulated-application");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Entry> entries = new LinkedHashMap<>();

  private static final class Entry {
    final Application app;
    final MpiProgram program;
    volatile Instant startedAt;
    volatile MpiRun run;
    volatile Ended ended;
    volatile boolean stopped;

    Entry(Application app, MpiProgram program) {
      this.app = app;
      this.program = program;
    }
  }

  /**
   * @param programs the program of each application, by application name
   * @param workDir where each run keeps its files (a directory per application)
   * @param timeout the longest a program may run: then it is stopped and counts as failed
   */
  public EmulatedApplications(EmulatedFederation lab, Map<String, MpiProgram> programs, Clock clock, Path workDir, Duration timeout) {
    this.lab = lab;
    this.programs = Map.copyOf(programs);
    this.clock = clock;
    this.workDir = workDir;
    this.timeout = timeout;
  }

  @Override
  public void boot(Application app, Map<String, String> siteOfVm) {
    MpiProgram program = programs.get(app.name());
    if (program == null) {
      throw new IllegalArgumentException("application " + app.name() + " has no program to run");
    }
    Entry e = new Entry(app, program);
    synchronized (entries) {
      if (entries.containsKey(app.name())) {
        return; // booted already
      }
      entries.put(app.name(), e);
    }
    threads.execute(() -> run(e, siteOfVm));
  }

  private void run(Entry e, Map<String, String> siteOfVm) {
    long startNanos = System.nanoTime();
    try {
      List<EmulatedVm> ranks = new ArrayList<>();
      for (String vm : e.app.vmNames()) {
        ranks.add(lab.addVm(vm, siteOfVm.get(vm)));
      }
      Path dir = Files.createDirectories(workDir.resolve(e.app.name()));
      if (e.stopped) {
        return;
      }
      MpiRun run = MpiRun.start(lab, e.program, ranks, dir);
      e.run = run;
      e.startedAt = clock.now();
      startNanos = System.nanoTime();
      // polled, not awaited: the run's await holds it for its whole wait, and progress() would wait with it
      long deadline = startNanos + timeout.toNanos();
      while (!run.finished() && System.nanoTime() < deadline && !e.stopped) {
        Thread.sleep(POLL.toMillis());
      }
      MpiOutcome outcome = run.await(run.finished() ? timeout : Duration.ofNanos(1));
      e.ended = new Ended(clock.now(), outcome.wallSeconds(), outcome.verified(), outcome.reason());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      e.ended = new Ended(clock.now(), (System.nanoTime() - startNanos) / 1e9, false, "interrupted");
    } catch (IOException | RuntimeException ex) {
      e.ended = new Ended(clock.now(), (System.nanoTime() - startNanos) / 1e9, false, String.valueOf(ex.getMessage()));
    }
  }

  /** Stops the application's program if it still runs, and removes its VMs. */
  @Override
  public void stop(Application app) {
    Entry e;
    synchronized (entries) {
      e = entries.get(app.name());
    }
    if (e == null || e.stopped) {
      return;
    }
    e.stopped = true;
    threads.execute(() -> {
      MpiRun run = e.run;
      if (run != null && !run.finished()) {
        run.stop();
      }
      for (String vm : app.vmNames()) {
        try {
          lab.removeVm(vm);
        } catch (RuntimeException ex) {
          // not created (a boot that failed early), or removed already
        }
      }
    });
  }

  /** Every application booted so far, in boot order. */
  public List<Status> statuses() {
    List<Entry> all;
    synchronized (entries) {
      all = List.copyOf(entries.values());
    }
    List<Status> out = new ArrayList<>();
    for (Entry e : all) {
      MpiRun run = e.run;
      double progress = e.ended != null && e.ended.verified() ? 1 : run != null ? run.progress() : 0;
      double total = e.app.workload().totalWork();
      double done = e.app.workload().doneWork() + progress * (total - e.app.workload().doneWork());
      out.add(new Status(e.app, e.program.name(), Optional.ofNullable(e.startedAt), done, Optional.ofNullable(e.ended)));
    }
    return out;
  }

  /** Stops every program still running (the lab removes the VMs when it closes). */
  @Override
  public void close() {
    List<Entry> all;
    synchronized (entries) {
      all = List.copyOf(entries.values());
    }
    for (Entry e : all) {
      MpiRun run = e.run;
      if (run != null && !run.finished()) {
        run.stop();
      }
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }
}
