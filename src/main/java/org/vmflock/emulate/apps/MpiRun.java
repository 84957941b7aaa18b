package org.vmflock.emulate.apps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedVm;
import org.vmflock.model.InvalidInputException;

/**
 * One run of a real MPI program in the emulated federation: {@code mpirun} started inside the
 * first rank's VM, which starts one rank in each VM given (itself included) through the lab's rsh
 * agent, messages over TCP on the VMs' {@code eth0} only (so every byte between two sites crosses
 * their WAN link). Its wall time is the real process's, measured with {@link System#nanoTime()}
 * from just before its start to its exit.
 *
 * <p>Files in the work directory: the program's inputs, {@code hosts} (the VMs' addresses),
 * {@code rsh-agent}, {@code stdout.txt} (mpirun's output, both streams) and whatever the program
 * writes (its report: {@link MpiProgram#reportFile}).
 */
public final class MpiRun implements AutoCloseable {

  /** mpirun's options for the lab: root, TCP on eth0 only, no binding (the VMs share the machine's cores). */
  static final List<String> MPIRUN_OPTIONS = List.of("--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
      "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "eth0", "--mca", "oob_tcp_if_include", "eth0",
      "--mca", "plm_rsh_no_tree_spawn", "1");
  /** How often await() looks at the run's output while it waits. */
  private static final Duration AWAIT_SLICE = Duration.ofMillis(250);
  /** How long mpirun may take to tear the job down once it said a rank failed, before it is stopped. */
  static final Duration ABORT_GRACE = Duration.ofSeconds(15);
  /** How long stop() waits for the run's processes to be gone after killing them. */
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  /**
   * How long a launch may take before it is given up: from mpirun's start until a rank runs in
   * every VM. Open MPI's launch can hang for good (one VM's daemon never comes up, no output, seen
   * a few times in a hundred runs on a loaded machine); such a launch is killed and mpirun started
   * again, at most {@link #LAUNCHES} launches in all. Callers' timeouts count from the first. A
   * launch that works has a rank in every VM within seconds (the whole 4-rank LAMMPS run of
   * MeasurementCampaignTest takes 4–5 s at load 5–6); 30 s is ample, and it is what a hang costs.
   */
  static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(30);
  /** How many times a run's launch is tried. */
  static final int LAUNCHES = 3;
  /** How often the launch watchdog looks for the ranks. */
  private static final Duration WATCH_SLICE = Duration.ofMillis(250);

  private final MpiProgram program;
  private final List<EmulatedVm> vms;
  private final int ranks;
  private final Path workDir;
  private final Path stdout;
  private final Path report;
  private final ProcessBuilder launch;
  private final Duration launchTimeout;
  /** The current launch's mpirun: replaced (under this object's lock) when a launch that hung is tried again. */
  private volatile Process process;
  private volatile long startNanos;
  private volatile long endNanos = -1;
  private volatile boolean stopped;
  /** Why earlier launches of this run were given up, oldest first; guarded by this object's lock. */
  private final List<String> failedLaunches = new ArrayList<>();
  /** Set once, under this object's lock; read without it (progress while another thread awaits). */
  private volatile MpiOutcome outcome;

  private MpiRun(MpiProgram program, List<EmulatedVm> vms, Path workDir, Path stdout, ProcessBuilder launch, Duration launchTimeout)
      throws IOException {
    this.program = program;
    this.vms = List.copyOf(vms);
    this.ranks = vms.size();
    this.workDir = workDir;
    this.stdout = stdout;
    this.report = program.reportFile(workDir, stdout);
    this.launch = launch;
    this.launchTimeout = launchTimeout;
    launch();
    Thread watchdog = new Thread(this::watchLaunch, "vmflock-mpirun-launch-" + program.name());
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Starts mpirun (again); called at construction and, under this object's lock, by the watchdog. */
  private void launch() throws IOException {
    Files.deleteIfExists(report);
    long start = System.nanoTime();
    Process p = launch.start();
    startNanos = start;
    endNanos = -1;
    process = p;
    p.onExit().thenRun(() -> {
      if (process == p) {
        endNanos = System.nanoTime();
      }
    });
  }

  /**
   * Starts {@code program} on {@code ranks} (rank i in the i-th VM; mpirun in the first), in
   * {@code workDir} (created if missing; its earlier files of a run are overwritten).
   *
   * @throws InvalidInputException when the program does not run on that many ranks, or a VM is given twice
   */
  public static MpiRun start(EmulatedFederation lab, MpiProgram program, List<EmulatedVm> ranks, Path workDir) {
    return start(lab, program, ranks, workDir, LAUNCH_TIMEOUT, agent -> agent);
  }

  /**
   * {@link #start(EmulatedFederation, MpiProgram, List, Path)} with the launch's timeout, and the
   * rsh agent mpirun uses made from the lab's (tests put one in front that hangs, as Open MPI's
   * launch sometimes does).
   */
  static MpiRun start(EmulatedFederation lab, MpiProgram program, List<EmulatedVm> ranks, Path workDir, Duration launchTimeout,
      UnaryOperator<Path> rshAgent) {
    if (ranks.isEmpty() || !program.supports(ranks.size())) {
      throw new InvalidInputException("program " + program.name(),
          "runs on " + program.supportedRanks() + " ranks, not " + ranks.size());
    }
    Set<String> seen = new HashSet<>();
    for (EmulatedVm vm : ranks) {
      if (!seen.add(vm.name())) {
        throw new InvalidInputException("program " + program.name(), "VM " + vm.name() + " given twice: one rank per VM");
      }
    }
    try {
      Files.createDirectories(workDir);
      program.writeInputs(workDir, ranks.size());
      Path agent = rshAgent.apply(lab.writeRshAgent(workDir.resolve("rsh-agent")));
      StringBuilder hosts = new StringBuilder();
      for (EmulatedVm vm : ranks) {
        hosts.append(vm.ip()).append(" slots=1\n");
      }
      Path hostfile = workDir.resolve("hosts");
      Files.writeString(hostfile, hosts.toString());
      Path stdout = workDir.resolve("stdout.txt");
      List<String> command = new ArrayList<>();
      command.add("mpirun");
      command.addAll(MPIRUN_OPTIONS);
      command.addAll(program.mpirunOptions());
      command.addAll(List.of("--mca", "plm_rsh_agent", agent.toString(), "--hostfile", hostfile.toString(),
          "-np", Integer.toString(ranks.size()), "--wdir", workDir.toString()));
      command.addAll(program.command(workDir, ranks.size()));
      ProcessBuilder pb = ranks.get(0).processBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(stdout.toFile());
      pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT", "1");
      pb.environment().put("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
      return new MpiRun(program, ranks, workDir, stdout, pb, launchTimeout);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + program.name() + " in " + workDir, e);
    }
  }

  public MpiProgram program() {
    return program;
  }

  public Path workDir() {
    return workDir;
  }

  /**
   * How far the run is, 0 to 1, read live from its report ({@link MpiProgram#progress}: e.g.
   * LAMMPS's thermo lines, HPCC's finished sections); 1 once it finished verified.
   */
  public double progress() {
    MpiOutcome ended = outcome;
    if (ended != null && ended.verified()) {
      return 1;
    }
    return Math.max(0, Math.min(1, program.progress(read(report))));
  }

  /** Whether mpirun has exited (by itself, or stopped). */
  public synchronized boolean finished() {
    return !process.isAlive();
  }

  /** Waits at most {@code timeout} for mpirun to exit, leaving it running otherwise; whether it has exited. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Process p = process;
      boolean exited = p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      synchronized (this) {
        if (p == process) {
          return exited;
        }
      }
      // a launch that hung was started again meanwhile: wait for the new one
    }
  }

  /** Seconds since the start, or the run's wall time once it exited. */
  public double elapsedSeconds() {
    long end = endNanos;
    return ((end < 0 ? System.nanoTime() : end) - startNanos) / 1e9;
  }

  /**
   * Waits for the run to end, at most {@code timeout}; on timeout it stops the run and returns an
   * unverified outcome saying so. Returns the same outcome on each call once it ended. Waiting
   * holds no lock: {@link #progress} and other threads' {@code await} go on meanwhile.
   */
  public MpiOutcome await(Duration timeout) throws InterruptedException {
    MpiOutcome ended = outcome;
    if (ended != null) {
      return ended;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long failureSeen = -1;
    while (!waitFor(Duration.ofNanos(Math.min(AWAIT_SLICE.toNanos(), Math.max(0, deadline - System.nanoTime()))))) {
      long now = System.nanoTime();
      if (failureSeen < 0 && rankFailed(read(stdout))) {
        failureSeen = now;
      }
      if (failureSeen >= 0 && now - failureSeen >= ABORT_GRACE.toNanos()) {
        return concludeAfterAFailedRank();
      }
      if (now >= deadline) {
        break;
      }
    }
    return conclude(!process.isAlive(), timeout);
  }

  /** A rank failed and mpirun's teardown hangs: stopped, with the program's own reason. */
  private synchronized MpiOutcome concludeAfterAFailedRank() {
    if (outcome != null) {
      return outcome;
    }
    stop();
    MpiProgram.Verdict v = program.verify(-1, read(report), read(stdout));
    outcome = new MpiOutcome(program.name(), ranks, elapsedSeconds(), -1, false, v.reason()
        + " (a rank failed and mpirun had not exited " + ABORT_GRACE.toSeconds() + " s later: stopped)" + relaunched(), report, stdout);
    return outcome;
  }

  /** The outcome, decided once: the first thread here after the wait decides it, the others read it. */
  private synchronized MpiOutcome conclude(boolean exited, Duration timeout) {
    if (outcome != null) {
      return outcome;
    }
    if (!exited) {
      String hung = describe(runProcesses());
      String lastOutput = lastLines(read(stdout), 5);
      stop();
      outcome = new MpiOutcome(program.name(), ranks, elapsedSeconds(), -1, false,
          program.name() + " did not end within " + timeout.toSeconds() + " s (stopped); its processes then: " + hung
              + "; its last output: " + (lastOutput.isEmpty() ? "(none)" : lastOutput) + relaunched(), report, stdout);
      return outcome;
    }
    process.onExit().join();
    double seconds = elapsedSeconds();
    if (stopped) {
      outcome = new MpiOutcome(program.name(), ranks, seconds, -1, false, program.name() + " was stopped" + relaunched(), report, stdout);
      return outcome;
    }
    int exit = process.exitValue();
    MpiProgram.Verdict v = program.verify(exit, read(report), read(stdout));
    outcome = new MpiOutcome(program.name(), ranks, seconds, exit, v.verified(), v.reason() + relaunched(), report, stdout);
    return outcome;
  }

  /** What the reason adds when the run was launched more than once: "" otherwise. */
  private String relaunched() {
    return failedLaunches.isEmpty() ? ""
        : " (launched " + (failedLaunches.size() + 1) + " times, the wall time is the last launch's; given up: "
            + String.join("; ", failedLaunches) + ")";
  }

  /**
   * The launch watchdog, on its own thread until the launch completed or the run ended: a launch
   * in which some VM still runs no rank {@link #launchTimeout} after mpirun started is killed, with
   * every process it started, and mpirun is started again; after {@link #LAUNCHES} such launches
   * the run ends unverified, saying what each launch left hanging.
   */
  private void watchLaunch() {
    Set<String> ranked = new HashSet<>();
    String rank = rankCommand();
    try {
      while (true) {
        Thread.sleep(WATCH_SLICE.toMillis());
        synchronized (this) {
          if (stopped || outcome != null || !process.isAlive()) {
            return;
          }
          for (EmulatedVm vm : vms) {
            if (runsCommand(vm, rank)) {
              ranked.add(vm.name());
            }
          }
          if (ranked.size() == vms.size()) {
            return;
          }
          if (System.nanoTime() - startNanos < launchTimeout.toNanos()) {
            continue;
          }
          List<String> missing = vms.stream().map(EmulatedVm::name).filter(n -> !ranked.contains(n)).toList();
          List<String> empty = vms.stream().filter(vm -> vm.pids().isEmpty()).map(EmulatedVm::name).toList();
          failedLaunches.add("launch " + (failedLaunches.size() + 1) + ": no rank in " + missing + " " + launchTimeout.toSeconds()
              + " s after mpirun started" + (empty.isEmpty() ? "" : ", no process at all in " + empty)
              + ", its processes then " + describe(runProcesses()));
          killAll();
          if (failedLaunches.size() >= LAUNCHES) {
            stopped = true;
            outcome = new MpiOutcome(program.name(), ranks, elapsedSeconds(), -1, false,
                program.name() + " never launched: " + String.join("; ", failedLaunches), report, stdout);
            return;
          }
          ranked.clear();
          launch();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      synchronized (this) {
        if (outcome == null) {
          stopped = true;
          outcome = new MpiOutcome(program.name(), ranks, elapsedSeconds(), -1, false,
              program.name() + " could not be launched again: " + e.getMessage(), report, stdout);
        }
      }
    }
  }

  /** The name a rank's process has ({@code /proc/PID/comm}): the program's executable's, cut to 15 characters. */
  private String rankCommand() {
    String name = Path.of(program.command(workDir, ranks).get(0)).getFileName().toString();
    return name.length() > 15 ? name.substring(0, 15) : name;
  }

  private static boolean runsCommand(EmulatedVm vm, String command) {
    for (long pid : vm.pids()) {
      try {
        if (Files.readString(Path.of("/proc", Long.toString(pid), "comm"), StandardCharsets.ISO_8859_1).trim().equals(command)) {
          return true;
        }
      } catch (IOException e) {
        // gone meanwhile
      }
    }
    return false;
  }

  /**
   * Kills the run: mpirun and every process it started (Open MPI's daemons in each VM, descendants
   * of mpirun through the rsh agent, and the ranks, which run in the work directory: one whose
   * daemon was killed as it started it is no descendant any more); returns once they are gone (at
   * most 10 s). Other processes of the VMs are left alone.
   */
  public void stop() {
    synchronized (this) {
      if (process.isAlive()) {
        stopped = true;
      }
    }
    killAll();
  }

  /** Kills mpirun and every process of the run; returns once they are gone (at most 10 s). */
  private void killAll() {
    long deadline = System.nanoTime() + KILL_WAIT.toNanos();
    List<ProcessHandle> left = runProcesses();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      left.forEach(ProcessHandle::destroyForcibly);
      for (ProcessHandle h : left) {
        try {
          h.onExit().get(Math.max(1, Math.min(deadline - System.nanoTime(), 200_000_000L)), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
          // looked at again below
        }
      }
      left = runProcesses();
    }
    if (!left.isEmpty()) {
      throw new IllegalStateException("run of " + program.name() + ": processes " + left.stream().map(ProcessHandle::pid).toList()
          + " still alive after kill");
    }
  }

  /** mpirun, its descendants, and the processes of the run's VMs working in its directory. */
  private List<ProcessHandle> runProcesses() {
    Set<Long> seen = new HashSet<>();
    List<ProcessHandle> all = new ArrayList<>();
    java.util.function.Consumer<ProcessHandle> add = h -> {
      if (h.isAlive() && seen.add(h.pid())) {
        all.add(h);
      }
    };
    add.accept(process.toHandle());
    process.descendants().forEach(add);
    Path dir = workDir.toAbsolutePath().normalize();
    for (EmulatedVm vm : vms) {
      for (long pid : vm.pids()) {
        try {
          if (Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd")).equals(dir)) {
            ProcessHandle.of(pid).ifPresent(h -> {
              add.accept(h);
              h.descendants().forEach(add);
            });
          }
        } catch (IOException | UnsupportedOperationException e) {
          // gone meanwhile
        }
      }
    }
    return all;
  }

  /**
   * Whether mpirun said a rank failed and it aborts the job (a non-zero exit, or MPI_ABORT): from
   * then on the run cannot verify, and a teardown that hangs must not hold the caller.
   */
  static boolean rankFailed(String output) {
    return output.contains("exited with non-zero status") || output.contains("returned\na non-zero exit code")
        || output.contains("MPI_ABORT was invoked");
  }

  /** Each process as {@code pid command state waiting-in} from /proc, to say where a run that does not end is stuck. */
  private static String describe(List<ProcessHandle> processes) {
    List<String> all = new ArrayList<>();
    for (ProcessHandle h : processes) {
      String pid = Long.toString(h.pid());
      String command = h.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
      String state = "?";
      String wchan = "?";
      try {
        String stat = Files.readString(Path.of("/proc", pid, "stat"), StandardCharsets.ISO_8859_1);
        int close = stat.lastIndexOf(')');
        state = close > 0 && close + 2 < stat.length() ? stat.substring(close + 2, close + 3) : "?";
        wchan = Files.readString(Path.of("/proc", pid, "wchan"), StandardCharsets.ISO_8859_1).trim();
      } catch (IOException e) {
        // gone meanwhile: the question marks say so
      }
      all.add(pid + " " + command + " " + state + " " + (wchan.isEmpty() || wchan.equals("0") ? "running" : wchan));
    }
    return all.toString();
  }

  /** The last {@code n} non-blank lines of {@code text}, joined by " | ". */
  private static String lastLines(String text, int n) {
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
  }

  @Override
  public void close() {
    stop();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "MpiRun[%s on %d ranks in %s, %.1f s]", program.name(), ranks, workDir, elapsedSeconds());
  }
}
