package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.node.RunTimeline;
import org.vmflock.node.ScenarioNode;
import org.vmflock.simulate.SimulatedFederation;
import org.vmflock.simulate.StateFile;
import org.vmflock.testing.Cli;

/**
 * A `run` node killed at any moment comes back as the node that crashed (issue 11, "crash at any
 * point"): real node processes killed with kill -9 during event bursts, migrations and restarts,
 * restarted on the same data directory, checked after each restart (the invariants of {@link
 * CrashTrial}); a data directory is never run with another scenario or time scale; a damaged run
 * state stops the node with an error naming the file.
 */
class RunCrashRecoveryTest {

  @TempDir Path dir;

  @Test
  void aNodeKilledAtAnyMomentComesBackAsTheNodeThatCrashed() throws Exception {
    // the node comes back as it crashed only if what its journal acknowledged survives the kill
    Assumptions.assumeTrue(CrashTrial.journalDurable(), "the journal acknowledges writes before they are on disk (vmflock.journal.h2.durability = delayed)");
    StringWriter log = new StringWriter();
    // seed 5: a kill 2.8 s into a burst, one 2.0 s into the restart that follows, one 0.6 s into a burst
    CrashTrial.Result r = new CrashTrial(new CrashTrial.Settings(3, 5, dir, 60), new PrintWriter(log, true)).run();
    System.out.println(log);
    assertEquals(3, r.points().size(), log.toString());
    assertTrue(r.points().get(1).when().contains("into a restart"), log.toString());
    assertTrue(r.points().get(r.points().size() - 1).checked().isPresent(), "the last restart is checked: " + log);
    // everything holds; of the accepted events, those answered within a second of a kill may be lost
    // by the journal (H2 loses acknowledged writes under load even with WRITE_DELAY=0: see the README)
    assertEquals(java.util.List.of(), r.violations(), log.toString());
    assertEquals(0, r.vmsLost(), log.toString());
    assertEquals(0, r.decisionsDoubled(), log.toString());
    assertEquals(r.journalLosses().size(), r.eventsLost(), log.toString());
    assertTrue(r.points().stream().anyMatch(p -> p.checked().map(c -> c.eventsAccepted() > 0).orElse(false)), "events were accepted: " + log);
  }

  /** A scenario whose file is {@code text}. */
  private Path scenario(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  private static final String TWO_SITES = """
      start = "2026-06-01T12:00:00Z"
      sites {
        lyon  { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
        nancy { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.06, transfer-price-per-gb = 0 }
      }
      links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 10Gbps } ]
      applications { ep { profile = "ep.A.4", work = 2h, objective = cost, placement = lyon } }
      """;

  /** A data directory a node ran on: its timeline, as the first start wrote it. */
  private Path ranOn(Path scenario, double timeScale) {
    Path data = dir.resolve("data");
    RunTimeline.resume(data.resolve(ScenarioNode.RUN_STATE).resolve("clock.json"), scenario, Instant.parse("2026-06-01T12:00:00Z"), timeScale, 1,
        Clock.system());
    return data;
  }

  @Test
  void aDataDirectoryIsNotRunWithAnotherScenarioOrTimeScale() throws Exception {
    Path first = scenario("first.conf", TWO_SITES);
    Path data = ranOn(first, 60);
    Path clock = data.resolve("run").resolve("clock.json");

    Cli.Run other = Cli.run("run", "--resume", "--scenario", scenario("other.conf", TWO_SITES.replace("0.06", "0.07")), "--time-scale", "60",
        "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.INVALID_INPUT, other.exitCode(), other.err());
    assertTrue(other.err().contains(clock.toString()) && other.err().contains("runs scenario " + first.toAbsolutePath()), other.err());

    Cli.Run faster = Cli.run("run", "--resume", "--scenario", first, "--time-scale", "120", "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.INVALID_INPUT, faster.exitCode(), faster.err());
    assertTrue(faster.err().contains("time scale 60.0, not 120.0"), faster.err());
    assertEquals(1, faster.err().strip().lines().count(), "one line: " + faster.err());

    Cli.Run seed = Cli.run("run", "--resume", "--scenario", first, "--time-scale", "60", "--seed", "2", "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.INVALID_INPUT, seed.exitCode(), seed.err());
    assertTrue(seed.err().contains("seed 1, not 2"), seed.err());
  }

  @Test
  void aDataDirectoryHoldingARunIsResumedOnlyWhenAskedOrDiscardedWhenAsked() throws Exception {
    Path first = scenario("first.conf", TWO_SITES);
    Path data = ranOn(first, 60);
    Path clock = data.resolve("run").resolve("clock.json");
    byte[] before = Files.readAllBytes(clock);

    Cli.Run plain = Cli.run("run", "--scenario", first, "--time-scale", "60", "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.INVALID_INPUT, plain.exitCode(), plain.err());
    assertTrue(plain.err().contains(data.toString()) && plain.err().contains("holds the run of " + first.toAbsolutePath())
        && plain.err().contains("--resume") && plain.err().contains("--fresh"), plain.err());
    assertEquals(1, plain.err().strip().lines().count(), "one line: " + plain.err());
    assertTrue(Arrays.equals(before, Files.readAllBytes(clock)), "the run held is left as it was");

    Cli.Run both = Cli.run("run", "--resume", "--fresh", "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.INVALID_INPUT, both.exitCode(), both.err());

    // --resume alone: the run's own scenario, time scale and seed
    Cli.Run resumed = Cli.run("run", "--resume", "--duration", "1s", "--http-port", "0", "--set", "pekko.remote.artery.canonical.port=0",
        "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.OK, resumed.exitCode(), resumed.err());
    assertTrue(resumed.err().contains("RESUMED the run of " + first.toAbsolutePath()) && resumed.err().contains("time x60")
        && resumed.err().contains("applications from its journal"), resumed.err());
    assertTrue(Arrays.equals(before, Files.readAllBytes(clock)), "the same timeline goes on");

    Path other = scenario("other.conf", TWO_SITES.replace("0.06", "0.07"));
    Cli.Run fresh = Cli.run("run", "--fresh", "--scenario", other, "--time-scale", "30", "--duration", "1s", "--http-port", "0",
        "--set", "pekko.remote.artery.canonical.port=0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.OK, fresh.exitCode(), fresh.err());
    assertTrue(fresh.err().contains("discarded the run of " + first.toAbsolutePath()) && !fresh.err().contains("RESUMED"), fresh.err());
    assertEquals(Optional.of(other.toAbsolutePath().normalize().toString()), RunTimeline.peek(clock).map(RunTimeline::scenario),
        "a new run of the other scenario");
    assertTrue(fresh.err().contains("is new: the node starts with no history"), "a new journal: " + fresh.err());
  }

  @Test
  void aDamagedRunStateStopsTheNodeNamingTheFile() throws Exception {
    Path scenario = scenario("first.conf", TWO_SITES);
    Path data = ranOn(scenario, 60);
    Path world = data.resolve("run").resolve("world.json");
    StateFile.write(world, SimulatedFederation.STATE_KIND, "{\"format\":1}".repeat(20).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] whole = Files.readAllBytes(world);
    Files.write(world, Arrays.copyOf(whole, whole.length - 7));

    Cli.Run truncated = Cli.run("run", "--resume", "--scenario", scenario, "--time-scale", "60", "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.FAILURE, truncated.exitCode(), truncated.err());
    assertTrue(truncated.err().contains("run: failed: " + world + ": damaged run state: truncated"), truncated.err());
    assertEquals(1, truncated.err().strip().lines().count(), "one line: " + truncated.err());

    Path clock = data.resolve("run").resolve("clock.json");
    byte[] c = Files.readAllBytes(clock);
    c[c.length - 5] ^= 1;
    Files.write(clock, c);
    Cli.Run altered = Cli.run("run", "--resume", "--scenario", scenario, "--time-scale", "60", "--http-port", "0", "--set", "vmflock.data-dir=" + data);
    assertEquals(ExitCode.FAILURE, altered.exitCode(), altered.err());
    assertTrue(altered.err().contains(clock + ": damaged run state") && altered.err().contains("checksum"), altered.err());
  }
}
