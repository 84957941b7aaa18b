package org.vmflock.emulate.lab;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** The host commands the lab runs (ip, bridge, the native helper), each bounded in time. */
final class HostCommands {

  /** Bound of one command; creating or deleting a namespace takes milliseconds. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Between two looks at an external state the lab waits for (a port forwarding, a cgroup frozen). */
  private static final Duration POLL_INTERVAL = Duration.ofMillis(1);

  private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin");

  private HostCommands() {}

  /** Runs {@code command} (no shell), with {@code stdin} as its input (none when null). */
  static CommandResult run(List<String> command, String stdin, Duration timeout) {
    List<String> resolved = new ArrayList<>(command);
    resolved.set(0, locate(command.get(0)).map(Path::toString).orElse(command.get(0)));
    ProcessBuilder builder = new ProcessBuilder(resolved).redirectErrorStream(true);
    if (stdin == null) {
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
    }
    try {
      CompletableFuture<String> output = readAll(process.getInputStream());
      if (stdin != null) {
        try (OutputStream in = process.getOutputStream()) {
          in.write(stdin.getBytes(UTF_8));
        }
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new LabException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
      }
      return new CommandResult(process.exitValue(), output.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LabException("interrupted: " + String.join(" ", command), e);
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new LabException("failed: " + String.join(" ", command) + ": " + e, e);
    } finally {
      process.destroyForcibly();
    }
  }

  /**
   * Where command {@code name} is: on the PATH, or in the sbin directories a non-root PATH lacks;
   * a name with a '/' as is.
   */
  static Optional<Path> locate(String name) {
    if (name.indexOf('/') >= 0) {
      return Optional.of(Path.of(name));
    }
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.addAll(SBIN);
    return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable).findFirst();
  }

  /** Runs {@code command}; its output, or a LabException with it when it exits non-zero. */
  static String check(String... command) {
    CommandResult r = run(List.of(command), null, TIMEOUT);
    if (!r.succeeded()) {
      throw new LabException(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.output().strip());
    }
    return r.output();
  }

  /**
   * Runs {@code lines} through one {@code ip -batch} in {@code namespace} (the root one when null).
   * With {@code force}, goes on after a failing line and never throws (clean-up).
   */
  static void ipBatch(String namespace, List<String> lines, boolean force) {
    batch("ip", namespace, lines, force);
  }

  /** As {@link #ipBatch}, for {@code bridge} (FDB entries, port flags). */
  static void bridgeBatch(String namespace, List<String> lines, boolean force) {
    batch("bridge", namespace, lines, force);
  }

  private static void batch(String tool, String namespace, List<String> lines, boolean force) {
    if (lines.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of(tool));
    if (namespace != null) {
      command.addAll(List.of("-n", namespace));
    }
    if (force) {
      command.add("-force");
    }
    command.addAll(List.of("-batch", "-"));
    CommandResult r = run(command, String.join("\n", lines) + "\n", TIMEOUT);
    if (!r.succeeded() && !force) {
      throw new LabException(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.output().strip()
          + "\n  input: " + String.join("; ", lines));
    }
  }

  /**
   * Polls an external state (a kernel object, another process) until {@code condition} holds;
   * a LabException naming {@code what} after {@code timeout}.
   */
  static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new LabException("timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(POLL_INTERVAL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LabException("interrupted while waiting for " + what, e);
      }
    }
  }

  private static CompletableFuture<String> readAll(InputStream in) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (in) {
        result.complete(new String(in.readAllBytes(), UTF_8));
      } catch (IOException e) {
        result.completeExceptionally(e);
      }
    }, "lab-command-output");
    reader.setDaemon(true);
    reader.start();
    return result;
  }
}
