package org.vmflock.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.Cli;
import org.vmflock.testing.TestData;

/**
 * A {@code replay} or {@code simulate} killed in the middle (kill -9, in a JVM of its own) leaves
 * the report it was replacing as it was, never a half-written one; its hidden staging directory is
 * removed by the next command writing to the same place, which leaves alone what is not its own
 * (a directory without vmflock's marker, the staging directory of a process still running). One
 * interrupted (SIGTERM, as Ctrl-C) removes its staging directory itself as it exits.
 */
class InterruptedOutputTest {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @Test
  void aKilledReplayLeavesThePreviousReportAndItsStagingIsRemovedNextTime(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("cg");
    Object[] replay = {"replay", "--vms", TestData.npb("vms4.csv").toAbsolutePath(), "--out", out, "--period", "1s", "--quiet", "--force"};
    Cli.Run first = Cli.run(with(replay, TestData.npb("cg.A.4.pcap.gz").toAbsolutePath()));
    assertEquals(ExitCode.OK, first.exitCode(), first.err());
    Map<String, String> report = contents(out);

    // paced at a fifth of the capture's speed, the replay writes its journal into the staging directory for about 10 s
    Process killed = Cli.inOwnJvm(with(replay, "--pace", "x0.2", TestData.npb("cg.A.4.pcap.gz").toAbsolutePath()))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
          .until(() -> staging(dir, out).map(s -> Files.exists(s.resolve("journal").resolve("vmflock.mv.db"))).orElse(false));
    } finally {
      killed.destroyForcibly().waitFor();
    }
    assertEquals(report, contents(out), "the previous report, whole");
    Path left = staging(dir, out).orElseThrow();
    assertTrue(Files.isRegularFile(left.resolve(OutputDirectory.MARKER)), "the staging directory left says whose it was");

    Path notOurs = Files.createDirectory(dir.resolve(".cg.partial-by-someone-else"));
    Files.writeString(notOurs.resolve("their-file"), "not vmflock's");
    Path killedWhileMade = Files.createDirectory(dir.resolve(".cg.partial-killed-before-its-marker"));
    Files.setLastModifiedTime(killedWhileMade, java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(Duration.ofMinutes(2))));
    Path running = Files.createDirectory(dir.resolve(".cg.partial-of-a-running-process"));
    Files.writeString(running.resolve(OutputDirectory.MARKER), "pid=" + ProcessHandle.current().pid() + "\nstarted="
        + ProcessHandle.current().info().startInstant().orElseThrow() + "\n");
    Cli.Run next = Cli.run(with(replay, TestData.npb("cg.A.4.pcap.gz").toAbsolutePath()));
    assertEquals(ExitCode.OK, next.exitCode(), next.err());
    assertTrue(!Files.exists(left), "the killed replay's staging directory is removed");
    assertTrue(!Files.exists(killedWhileMade), "so is an empty unmarked one of two minutes ago");
    assertTrue(Files.isDirectory(notOurs) && Files.isDirectory(running), "what is not a dead process's staging stays");
    assertEquals(List.of(".cg.partial-by-someone-else", ".cg.partial-of-a-running-process", "cg"), names(dir));
    assertEquals(report.keySet(), contents(out).keySet(), "a whole report, without the marker");
  }

  @Test
  void aKilledSimulationLeavesThePreviousReport(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("report");
    Cli.Run first = Cli.run("simulate", Path.of("simulations", "example.conf").toAbsolutePath(), "--out", out, "--policy", "vmflock");
    assertEquals(ExitCode.OK, first.exitCode(), first.err());
    Map<String, String> report = contents(out);

    Process killed = Cli.inOwnJvm("simulate", Path.of("simulations", "grid5000-npb.conf").toAbsolutePath(), "--out", out)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
          .until(() -> staging(dir, out).map(s -> Files.exists(s.resolve(OutputDirectory.MARKER))).orElse(false));
    } finally {
      killed.destroyForcibly().waitFor();
    }
    assertEquals(report, contents(out), "the previous report, whole");
    Path left = staging(dir, out).orElseThrow();

    Cli.Run next = Cli.run("simulate", Path.of("simulations", "example.conf").toAbsolutePath(), "--out", out, "--policy", "vmflock");
    assertEquals(ExitCode.OK, next.exitCode(), next.err());
    assertTrue(!Files.exists(left), "the killed simulation's staging directory is removed");
    assertEquals(List.of("report"), names(dir));
  }

  @Test
  void anInterruptedSimulationRemovesItsStagingDirectoryAsItExits(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("report");
    Process interrupted = Cli.inOwnJvm("simulate", Path.of("simulations", "grid5000-npb.conf").toAbsolutePath(), "--out", out)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
          .until(() -> staging(dir, out).map(s -> Files.exists(s.resolve(OutputDirectory.MARKER))).orElse(false));
      interrupted.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the JVM exits through its shutdown hooks
      assertTrue(interrupted.waitFor(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS), "it exits");
    } finally {
      interrupted.destroyForcibly().waitFor();
    }
    assertEquals(List.of(), names(dir), "no staging directory left, no report");
  }

  private static Object[] with(Object[] args, Object... more) {
    return Stream.concat(Stream.of(args), Stream.of(more)).toArray();
  }

  private static Optional<Path> staging(Path dir, Path out) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("." + out.getFileName() + ".partial-")).findFirst();
    }
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Every file under a directory, relative, with a digest of its content. */
  private static Map<String, String> contents(Path root) throws Exception {
    Map<String, String> files = new TreeMap<>();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))));
      }
    }
    return files;
  }
}
