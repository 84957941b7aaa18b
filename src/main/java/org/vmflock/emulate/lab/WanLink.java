package org.vmflock.emulate.lab;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A WAN link between two sites: the forwarder process ({@code vmfl-lab forward}, see {@code
 * src/main/c/vmfl-lab/wanlink.c}) that carries frames between the sites' bridges, delayed and
 * rate-limited per direction. Its counters and configuration live in a small shared file the
 * forwarder maps: {@link #counters()} reads them at any time without asking the process, and
 * {@link #reconfigure} changes the delay, rate and queue while it runs (from the next frame on).
 */
public final class WanLink {

  // The shared file's layout: struct link_shm in src/main/c/vmfl-lab/vmfl-lab.h. Change both.
  private static final long MAGIC = 0x314e41574c464d56L; // "VMFLWAN1"
  private static final int SIZE = 4096;
  private static final int VERSION = 8;
  private static final int STATE = 24;
  private static final int STOP = 32;
  private static final int DIRECTIONS = 64;
  private static final int DIRECTION_SIZE = 192;
  private static final int DELAY_NS = 0;
  private static final int RATE_BPS = 8;
  private static final int LIMIT_BYTES = 16;
  private static final int FRAMES = 64;
  private static final int BYTES = 72;
  private static final int DROPS = 80;
  private static final int DROP_BYTES = 88;
  private static final int QUEUED_BYTES = 96;
  private static final int MAX_QUEUED_BYTES = 112;
  private static final int SEND_ERRORS = 128;
  private static final int LATE_SUM_NS = 136;
  private static final int LATE_MAX_NS = 144;
  private static final int SENT = 152;
  private static final long STATE_RUNNING = 1;

  private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** How long a forwarder may take to start, and to stop once asked. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);

  private final String siteA;
  private final String siteB;
  private final Path file;
  private final Path log;
  private final MappedByteBuffer shared;
  private WanLinkSpec spec;
  private Process process;
  private LinkCounters last;

  private WanLink(String siteA, String siteB, WanLinkSpec spec, Path file, Path log, MappedByteBuffer shared) {
    this.siteA = siteA;
    this.siteB = siteB;
    this.spec = spec;
    this.file = file;
    this.log = log;
    this.shared = shared;
  }

  /**
   * Starts the forwarder between interfaces {@code endA} (towards site A) and {@code endB} in
   * namespace {@code namespace}; returns once it is forwarding.
   *
   * @param prefix the helper's command up to the subcommand: namespace and cgroup options
   */
  static WanLink start(String siteA, String siteB, WanLinkSpec spec, Path runDirectory, List<String> prefix,
      String endA, String endB, ForwarderTiming timing) {
    String name = "link-" + endA + "-" + endB;
    Path file = runDirectory.resolve(name + ".shm");
    Path log = runDirectory.resolve(name + ".log");
    MappedByteBuffer shared;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      shared = channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file, e);
    }
    WanLink link = new WanLink(siteA, siteB, spec, file, log, shared);
    LONGS.setVolatile(shared, VERSION, 1L);
    link.write(spec);
    LONGS.setVolatile(shared, 0, MAGIC);
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of("forward", "--a", endA, "--b", endB, "--shm", file.toString(),
        "--rt-priority", Integer.toString(timing.realtimePriority()), "--spin-us", Long.toString(timing.spin().toNanos() / 1000)));
    try {
      link.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the forwarder of " + siteA + "-" + siteB, e);
    }
    HostCommands.await(START_TIMEOUT, "the forwarder of " + siteA + "-" + siteB + " to start", () -> {
      if (!link.process.isAlive()) {
        throw new LabException("the forwarder of " + siteA + "-" + siteB + " exited " + link.process.exitValue() + ": " + link.logText());
      }
      return (long) LONGS.getVolatile(shared, STATE) == STATE_RUNNING;
    });
    return link;
  }

  public String siteA() {
    return siteA;
  }

  public String siteB() {
    return siteB;
  }

  public synchronized WanLinkSpec spec() {
    return spec;
  }

  /** Whether this link joins {@code site} and {@code other}, in either order. */
  public boolean joins(String site, String other) {
    return (siteA.equals(site) && siteB.equals(other)) || (siteA.equals(other) && siteB.equals(site));
  }

  /** Changes the delay, rate and queue of both directions; frames already queued keep their departure. */
  public synchronized void reconfigure(WanLinkSpec newSpec) {
    if (process == null) {
      throw new IllegalStateException("link " + siteA + "-" + siteB + " is stopped");
    }
    write(newSpec);
    spec = newSpec;
  }

  /** The counters now (after the link stopped: its last counters). */
  public synchronized LinkCounters counters() {
    if (process == null) {
      return last;
    }
    return new LinkCounters(siteA, siteB, direction(0), direction(1));
  }

  /** Whether the forwarder still runs. */
  public synchronized boolean running() {
    return process != null && process.isAlive();
  }

  /** The forwarder's process id (to check clean-up), while it runs. */
  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** Asks the forwarder to stop, kills it if it does not, and keeps its last counters. */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    last = new LinkCounters(siteA, siteB, direction(0), direction(1));
    LONGS.setVolatile(shared, STOP, 1L);
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    last = new LinkCounters(siteA, siteB, direction(0), direction(1));
    process = null;
  }

  private void write(WanLinkSpec s) {
    for (int d = 0; d < 2; d++) {
      int base = DIRECTIONS + d * DIRECTION_SIZE;
      LONGS.setVolatile(shared, base + DELAY_NS, s.oneWayDelay().toNanos());
      LONGS.setVolatile(shared, base + RATE_BPS, s.bitsPerSecond());
      LONGS.setVolatile(shared, base + LIMIT_BYTES, s.queueBytes());
    }
  }

  private LinkCounters.Direction direction(int d) {
    int base = DIRECTIONS + d * DIRECTION_SIZE;
    return new LinkCounters.Direction(counter(base + FRAMES), counter(base + BYTES), counter(base + DROPS),
        counter(base + DROP_BYTES), counter(base + QUEUED_BYTES), counter(base + MAX_QUEUED_BYTES),
        counter(base + SEND_ERRORS), counter(base + SENT), counter(base + LATE_SUM_NS), counter(base + LATE_MAX_NS));
  }

  private long counter(int offset) {
    return (long) LONGS.getOpaque(shared, offset);
  }

  private String logText() {
    try {
      return Files.exists(log) ? Files.readString(log, UTF_8).strip() : "";
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return "WanLink[" + siteA + "-" + siteB + ", " + spec + ", " + file.getFileName() + "]";
  }
}
