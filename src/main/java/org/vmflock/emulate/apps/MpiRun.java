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

  private final MpiProgram program;
  private final List<EmulatedVm> vms;
  private final int ranks;
  private final Path workDir;
  private final Path stdout;
  private final Path report;
  private final Process process;
  private final long startNanos;
  private volatile long endNanos = -1;
  private volatile boolean stopped;
  /** Set once, under this object's lock; read without it (progress while another thread awaits). */
  private volatile MpiOutcome outcome;

  private MpiRun(MpiProgram program, List<EmulatedVm> vms, Path workDir, Path stdout, Process process, long startNanos) {
    this.program = program;
    this.vms = List.copyOf(vms);
    this.ranks = vms.size();
    this.workDir = workDir;
    this.stdout = stdout;
    this.report = program.reportFile(workDir, stdout);
    this.process = process;
    this.startNanos = startNanos;
    process.onExit().thenRun(() -> endNanos = System.nanoTime());
  }

  /**
   * Starts {@code program} on {@code ranks} (rank i in the i-th VM; mpirun in the first), in
   * {@code workDir} (created if missing; its earlier files of a run are overwritten).
   *
   * @throws InvalidInputException when the program does not run on that many ranks, or a VM is given twice
   */
  public static MpiRun start(EmulatedFederation lab, MpiProgram program, List<EmulatedVm> ranks, Path workDir) {
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
      Path agent = lab.writeRshAgent(workDir.resolve("rsh-agent"));
      StringBuilder hosts = new StringBuilder();
      for (EmulatedVm vm : ranks) {
        hosts.append(vm.ip()).append(" slots=1\n");
      }
      Path hostfile = workDir.resolve("hosts");
      Files.writeString(hostfile, hosts.toString());
      Path stdout = workDir.resolve("stdout.txt");
      Files.deleteIfExists(program.reportFile(workDir, stdout));
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
      long start = System.nanoTime();
      Process p = pb.start();
      return new MpiRun(program, ranks, workDir, stdout, p, start);
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
  public boolean finished() {
    return !process.isAlive();
  }

  /** Waits at most {@code timeout} for mpirun to exit, leaving it running otherwise; whether it has exited. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
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
    while (!process.waitFor(Math.min(AWAIT_SLICE.toNanos(), Math.max(0, deadline - System.nanoTime())), TimeUnit.NANOSECONDS)) {
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
        + " (a rank failed and mpirun had not exited " + ABORT_GRACE.toSeconds() + " s later: stopped)", report, stdout);
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
              + "; its last output: " + (lastOutput.isEmpty() ? "(none)" : lastOutput), report, stdout);
      return outcome;
    }
    process.onExit().join();
    double seconds = elapsedSeconds();
    if (stopped) {
      outcome = new MpiOutcome(program.name(), ranks, seconds, -1, false, program.name() + " was stopped", report, stdout);
      return outcome;
    }
    int exit = process.exitValue();
    MpiProgram.Verdict v = program.verify(exit, read(report), read(stdout));
    outcome = new MpiOutcome(program.name(), ranks, seconds, exit, v.verified(), v.reason(), report, stdout);
    return outcome;
  }

  /**
   * Kills the run: mpirun and every process it started (Open MPI's daemons in each VM, descendants
   * of mpirun through the rsh agent, and the ranks, which run in the work directory: one whose
   * daemon was killed as it started it is no descendant any more); returns once they are gone (at
   * most 10 s). Other processes of the VMs are left alone.
   */
  public void stop() {
    if (process.isAlive()) {
      stopped = true;
    }
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
