package org.vmflock.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.vmflock.cli.VmflockCommand;

/**
 * A {@code vmflock} command in a small JVM of its own (256 MB heap, C1 only, serial GC: a quick
 * start on a small machine), from this test's classpath, what it prints going to a log file;
 * killed with SIGKILL ({@link #kill()}, as kill -9) or at {@link #close()}.
 */
public final class JvmProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private JvmProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code vmflock ARGS}, its output and errors into {@code log}. */
  public static JvmProcess start(String name, Path log, Object... args) throws IOException {
    return startUnder(List.of(), name, log, args);
  }

  /**
   * Starts {@code PREFIX java ... vmflock ARGS}: the JVM under a command that runs it elsewhere and
   * execs it (e.g. {@code ip netns exec NAMESPACE}), so that the process is the JVM itself.
   */
  public static JvmProcess startUnder(List<String> prefix, String name, Path log, Object... args) throws IOException {
    Path home = Path.of("").toAbsolutePath();
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dvmflock.home=" + home,
        "-cp", System.getProperty("java.class.path"), VmflockCommand.class.getName()));
    for (Object a : args) {
      command.add(String.valueOf(a));
    }
    Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new JvmProcess(name, p, log);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** What it printed so far. */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** The first group of the first line matching {@code pattern}, once printed; fails if the process ends first or {@code patience} passes. */
  public String await(Pattern pattern, Duration patience) {
    String[] found = new String[1];
    Awaitility.await(name + " printing " + pattern).atMost(patience).pollInterval(Duration.ofMillis(100)).until(() -> {
      Matcher m = pattern.matcher(log());
      if (m.find()) {
        found[0] = m.group(1);
        return true;
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " ended (exit " + process.exitValue() + ") before printing " + pattern + ":\n" + log());
      }
      return false;
    });
    return found[0];
  }

  /** Its exit code once it ends by itself within {@code patience}; empty if it still runs then. */
  public java.util.OptionalInt awaitExit(Duration patience) throws InterruptedException {
    return process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS) ? java.util.OptionalInt.of(process.exitValue()) : java.util.OptionalInt.empty();
  }

  /** SIGTERM (as Ctrl-C or a service manager), waiting up to {@code patience}: its exit code, or -1 if it had to be killed. */
  public int stop(Duration patience) throws InterruptedException {
    process.destroy();
    if (process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
      return process.exitValue();
    }
    kill();
    return -1;
  }

  /** SIGQUIT: a running JVM prints the stacks of its threads into its log and goes on; for a process that should have ended and has not. */
  public void dumpThreads() throws IOException, InterruptedException {
    if (process.isAlive()) {
      new ProcessBuilder("kill", "-QUIT", Long.toString(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Where it prints. */
  public Path logFile() {
    return log;
  }

  /** SIGKILL (kill -9): no shutdown hook runs, nothing is closed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
