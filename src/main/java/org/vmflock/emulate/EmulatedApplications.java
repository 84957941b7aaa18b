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
import org.vmflock.emulate.qemu.GuestConfig;
import org.vmflock.emulate.qemu.GuestRing;
import org.vmflock.emulate.qemu.QemuActuator;
import org.vmflock.emulate.qemu.QemuVm;
import org.vmflock.execute.Provisioner;
import org.vmflock.model.Application;
import org.vmflock.model.IpAddress;
import org.vmflock.model.VmEndpoint;
import org.vmflock.scenario.QemuGuests;

/**
 * The applications of an emulation, as the manager's provisioner (E2): booting one creates its VMs
 * in the lab where the manager placed them and starts its real program on them, one MPI rank per
 * VM in the order of the application's VMs; its end is the real process's, timed by the wall
 * clock; stopping it removes its VMs. Each boot and end happens on a thread of its own: the
 * manager does not wait for the lab.
 *
 * <p>An application whose VMs are QEMU guests ({@code vm-kind = qemu}, {@link QemuGuests}) boots
 * them through the {@link QemuActuator} on their sites' bridges, each with an address of the lab's
 * subnet, and runs their ring exchange ({@link GuestRing}): its start is the ring's, once every
 * guest answers; its end the first look that finds every guest done, its memory intact.
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

    /** The name of a QEMU application's work in the report: its guests' ring exchange. */
    public static final String QEMU_RING = "qemu-ring";

    public boolean started() {
      return startedAt.isPresent();
    }
  }

  /** How often a run's end is looked for (its end's time is the process's own, not this). */
  private static final Duration POLL = Duration.ofMillis(100);

  private final EmulatedFederation lab;
  private final Map<String, MpiProgram> programs;
  private final Map<String, QemuGuests> guests;
  private final Optional<QemuActuator> qemu;
  private final Duration bootTimeout;
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
    final QemuGuests guests;
    volatile Instant startedAt;
    volatile MpiRun run;
    volatile GuestRing ring;
    volatile Ended ended;
    volatile boolean stopped;

    Entry(Application app, MpiProgram program, QemuGuests guests) {
      this.app = app;
      this.program = program;
      this.guests = guests;
    }

    String programName() {
      return program != null ? program.name() : Status.QEMU_RING;
    }

    double progress() {
      MpiRun r = run;
      GuestRing g = ring;
      return r != null ? r.progress() : g != null ? g.progress() : 0;
    }
  }

  /**
   * @param programs the program of each application, by application name
   * @param workDir where each run keeps its files (a directory per application)
   * @param timeout the longest a program may run: then it is stopped and counts as failed
   */
  public EmulatedApplications(EmulatedFederation lab, Map<String, MpiProgram> programs, Clock clock, Path workDir, Duration timeout) {
    this(lab, programs, Map.of(), Optional.empty(), Duration.ZERO, clock, workDir, timeout);
  }

  /**
   * @param guests the guests of each QEMU application, by application name (its VMs are booted by {@code qemu})
   * @param bootTimeout the longest a guest may take to boot
   */
  public EmulatedApplications(EmulatedFederation lab, Map<String, MpiProgram> programs, Map<String, QemuGuests> guests, Optional<QemuActuator> qemu,
      Duration bootTimeout, Clock clock, Path workDir, Duration timeout) {
    if (!guests.isEmpty() && qemu.isEmpty()) {
      throw new IllegalArgumentException("QEMU applications " + guests.keySet() + " need a QEMU actuator to boot their guests");
    }
    this.lab = lab;
    this.programs = Map.copyOf(programs);
    this.guests = Map.copyOf(guests);
    this.qemu = qemu;
    this.bootTimeout = bootTimeout;
    this.clock = clock;
    this.workDir = workDir;
    this.timeout = timeout;
  }

  @Override
  public void boot(Application app, Map<String, String> siteOfVm) {
    MpiProgram program = programs.get(app.name());
    QemuGuests g = guests.get(app.name());
    if (program == null && g == null) {
      throw new IllegalArgumentException("application " + app.name() + " has no program to run");
    }
    Entry e = new Entry(app, program, g);
    synchronized (entries) {
      if (entries.containsKey(app.name())) {
        return; // booted already
      }
      entries.put(app.name(), e);
    }
    threads.execute(() -> {
      if (e.guests != null) {
        runGuests(e, siteOfVm);
      } else {
        run(e, siteOfVm);
      }
    });
  }

  /** A QEMU application: its guests booted where placed, their ring run and looked at until done. */
  private void runGuests(Entry e, Map<String, String> siteOfVm) {
    long startNanos = System.nanoTime();
    try {
      List<GuestRing.Member> members = new ArrayList<>();
      QemuGuests g = e.guests;
      int seed = 1;
      for (String vm : e.app.vmNames()) {
        IpAddress ip = lab.takeAddress();
        GuestConfig config = new GuestConfig((int) (g.memoryBytes() >> 20), ip + "/" + lab.spec().subnet().prefixLength(),
            EmulatedFederation.macOf(ip).toString(), g.fillBytes() / MIB, g.workingSetBytes() / MIB, g.dirtyBytesPerSecond() / MIB, GUEST_PORT,
            seed++);
        members.add(new GuestRing.Member(vm, siteOfVm.get(vm), config));
      }
      GuestRing ring = GuestRing.boot(qemu.orElseThrow(), members, bootTimeout);
      e.ring = ring;
      if (e.stopped) {
        ring.remove();
        return;
      }
      ring.start(g.rounds(), g.messageBytes());
      e.startedAt = clock.now();
      long deadline = System.nanoTime() + timeout.toNanos();
      Optional<GuestRing.Outcome> outcome = Optional.empty();
      while (outcome.isEmpty() && System.nanoTime() < deadline && !e.stopped) {
        Thread.sleep(GuestRing.POLL.toMillis()); // looking at real guests
        outcome = ring.look();
      }
      GuestRing.Outcome o = outcome.orElse(new GuestRing.Outcome(ring.elapsed(), false, e.stopped ? "stopped" : "not done within " + timeout));
      e.ended = new Ended(clock.now(), o.wallSeconds(), o.verified(), o.reason());
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      e.ended = new Ended(clock.now(), (System.nanoTime() - startNanos) / 1e9, false, "interrupted");
    } catch (IOException | RuntimeException ex) {
      e.ended = new Ended(clock.now(), (System.nanoTime() - startNanos) / 1e9, false, String.valueOf(ex.getMessage()));
    }
  }

  private static final double MIB = 1024.0 * 1024;
  /** The port the guests' workload answers on (and their ring connects to). */
  private static final int GUEST_PORT = 7000;

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
      if (e.guests != null) {
        app.vmNames().forEach(vm -> qemu.orElseThrow().remove(vm));
        return;
      }
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
      double progress = e.ended != null && e.ended.verified() ? 1 : e.progress();
      double total = e.app.workload().totalWork();
      double done = e.app.workload().doneWork() + progress * (total - e.app.workload().doneWork());
      out.add(new Status(e.app, e.programName(), Optional.ofNullable(e.startedAt), done, Optional.ofNullable(e.ended)));
    }
    return out;
  }

  /**
   * The VMs of the applications whose work runs now (not those being created or removed), of
   * either kind, where each is now: what the sites' captures serve.
   */
  public List<VmEndpoint> runningVms() {
    Map<String, QemuVm> guestsNow = qemu.map(QemuActuator::vms).orElse(Map.of());
    List<VmEndpoint> out = new ArrayList<>();
    for (Status st : statuses()) {
      if (!st.started() || st.ended().isPresent()) {
        continue;
      }
      for (String vm : st.app().vmNames()) {
        QemuVm guest = guestsNow.get(vm);
        if (guest != null) {
          IpAddress ip = IpAddress.parse(guest.guest().ip());
          out.add(new VmEndpoint(vm, guest.site(), EmulatedFederation.macOf(ip), List.of(ip)));
        } else {
          lab.vms().stream().filter(v -> v.name().equals(vm)).findFirst()
              .ifPresent(v -> out.add(new VmEndpoint(vm, v.site(), v.mac(), List.of(v.ip()))));
        }
      }
    }
    return out;
  }

  /** Where every VM of either kind is now (namespace VMs and running QEMU guests). */
  public java.util.SortedMap<String, String> siteOfVm() {
    java.util.TreeMap<String, String> out = new java.util.TreeMap<>();
    lab.vms().forEach(vm -> out.put(vm.name(), vm.site()));
    qemu.ifPresent(q -> q.vms().forEach((name, vm) -> out.put(name, vm.site())));
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
    qemu.ifPresent(QemuActuator::closeAll);
    threads.shutdownNow();
    try {
      threads.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }
}
