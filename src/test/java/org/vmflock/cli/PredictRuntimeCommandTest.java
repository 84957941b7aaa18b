package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.Cli;

/** {@code vmflock predict runtime} on the NPB CG capture: its JSON, its figures' shape, what it assumes, its refusals. */
class PredictRuntimeCommandTest {

  private static final String CG = "samples/npb/cg.A.4.pcap.gz";
  private static final String VMS = "samples/npb/vms4.csv";
  private static final String WAN = "a-b:latency=10ms,bandwidth=1Gbit/s";

  private static Path placement(Path dir, String... sites) throws Exception {
    StringBuilder b = new StringBuilder("vm,site\n");
    for (int i = 0; i < sites.length; i++) {
      b.append("vm").append(i + 1).append(',').append(sites[i]).append('\n');
    }
    Path p = dir.resolve(String.join("", sites) + ".csv");
    Files.writeString(p, b);
    return p;
  }

  private static JsonNode predict(Path placement, String... more) throws Exception {
    String[] base = {"predict", "runtime", "--capture", CG, "--vms", VMS, "--duration", "2.1s", "--placement", placement.toString(), "--link", WAN};
    String[] args = new String[base.length + more.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    Cli.Run r = Cli.run((Object[]) args);
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void cgSplitAlongItsChainIsSlowerThanOneSiteAndFasterThanSplitAlternately(@TempDir Path dir) throws Exception {
    JsonNode one = predict(placement(dir, "a", "a", "a", "a"));
    assertEquals(2.1, one.get("one_site_s").asDouble(), 1e-9);
    assertEquals(1.0, one.get("slowdown").asDouble(), 1e-3);
    assertEquals(0, one.get("wan_rounds").asLong());
    JsonNode along = predict(placement(dir, "a", "a", "b", "b"));
    JsonNode alternate = predict(placement(dir, "a", "b", "a", "b"));
    assertTrue(along.get("slowdown").asDouble() > 1.5, along.toString());
    assertTrue(alternate.get("wan_rounds").asLong() > 2 * along.get("wan_rounds").asLong(), along + " vs " + alternate);
    assertTrue(alternate.get("predicted_s").asDouble() > along.get("predicted_s").asDouble());
    JsonNode b = along.get("breakdown");
    // transfers overlap compute: the larger of the two, then the waits
    assertEquals(along.get("predicted_s").asDouble(),
        Math.max(b.get("compute_s").asDouble(), b.get("bandwidth_s").asDouble()) + b.get("latency_s").asDouble(), 0.005);
    // the latency term: one link latency per round that crosses on the longest chain (10 ms each), plus the LAN's
    assertEquals(along.get("wan_rounds").asDouble() * 0.010, b.get("latency_s").asDouble(), 0.05 * b.get("latency_s").asDouble());
    JsonNode interval = along.get("interval95");
    assertTrue(interval.get(0).asDouble() < along.get("predicted_s").asDouble() && along.get("predicted_s").asDouble() < interval.get(1).asDouble());
    assertEquals(0, along.get("assumptions").size(), along.toString());
    // a calibrated share of the chained waits: the waits scaled, the same rounds, one site unchanged
    JsonNode calibrated = predict(placement(dir, "a", "a", "b", "b"), "--latency-factor", "0.5");
    assertEquals(b.get("latency_s").asDouble() / 2, calibrated.get("breakdown").get("latency_s").asDouble(), 0.002);
    assertEquals(along.get("wan_rounds").asLong(), calibrated.get("wan_rounds").asLong());
    assertTrue(calibrated.get("predicted_s").asDouble() < along.get("predicted_s").asDouble());
    assertEquals(2.1, predict(placement(dir, "a", "a", "a", "a"), "--latency-factor", "0.5").get("predicted_s").asDouble(), 1e-3);
  }

  @Test
  void aFasterSiteShortensTheComputeAndTheTableIsForPeople(@TempDir Path dir) throws Exception {
    JsonNode slow = predict(placement(dir, "a", "a", "a", "a"));
    JsonNode fast = predict(placement(dir, "a", "a", "a", "a"), "--site", "a:cpu-speed=2", "--link", "a-b:latency=1ms,bandwidth=1Gbit/s");
    assertEquals(slow.get("breakdown").get("compute_s").asDouble() / 2, fast.get("breakdown").get("compute_s").asDouble(), 1e-3);
    Cli.Run table = Cli.run("predict", "runtime", "--capture", CG, "--vms", VMS, "--placement", placement(dir, "a", "a", "b", "b"), "--link",
        WAN, "--format", "table");
    assertEquals(0, table.exitCode(), table.err());
    assertTrue(table.out().contains("slowdown") && table.out().contains("wan rounds"), table.out());
    assertTrue(table.out().contains("assumed: the run's time on one site is the capture's span"), table.out());
  }

  @Test
  void fromMatricesItSaysWhatItAssumed(@TempDir Path dir) throws Exception {
    Cli.Run r = Cli.run("predict", "runtime", "--traffic", "samples/npb/cg.A.4.bytes.csv", "--packets", "samples/npb/cg.A.4.packets.csv",
        "--duration", "2.1s", "--placement", placement(dir, "a", "a", "b", "b"), "--link", WAN);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertTrue(j.get("assumptions").size() >= 2, r.out());
    assertTrue(j.get("assumptions").get(0).asText().contains("exchange rounds a second among every pair that talks"), r.out());
    assertTrue(r.err().contains("predict runtime: assumed:"), r.err());
    assertTrue(j.get("slowdown").asDouble() > 1, r.out());
  }

  @Test
  void badInputIsOneLineNamingWhatAndWhereAndExitCode2(@TempDir Path dir) throws Exception {
    Path along = placement(dir, "a", "a", "b", "b");
    Cli.Run noLink = Cli.run("predict", "runtime", "--capture", CG, "--vms", VMS, "--placement", along);
    assertEquals(ExitCode.INVALID_INPUT, noLink.exitCode());
    assertTrue(noLink.err().contains("no link between a and b"), noLink.err());
    Path unknown = dir.resolve("unknown.csv");
    Files.writeString(unknown, "vm,site\nvm1,a\nvm9,b\n");
    Cli.Run badVm = Cli.run("predict", "runtime", "--capture", CG, "--vms", VMS, "--placement", unknown, "--link", WAN);
    assertEquals(ExitCode.INVALID_INPUT, badVm.exitCode());
    assertTrue(badVm.err().contains(unknown + ":3") && badVm.err().contains("vm9"), badVm.err());
    Cli.Run noDuration = Cli.run("predict", "runtime", "--traffic", "samples/npb/cg.A.4.bytes.csv", "--placement", along, "--link", WAN);
    assertEquals(ExitCode.INVALID_INPUT, noDuration.exitCode());
    assertTrue(noDuration.err().contains("--duration"), noDuration.err());
    Cli.Run badLink = Cli.run("predict", "runtime", "--capture", CG, "--vms", VMS, "--placement", along, "--link", "a-b:latency=10ms");
    assertEquals(ExitCode.INVALID_INPUT, badLink.exitCode());
    assertTrue(badLink.err().contains("needs both latency=D and bandwidth=R"), badLink.err());
    Cli.Run both = Cli.run("predict", "runtime", "--placement", along, "--link", WAN);
    assertEquals(ExitCode.INVALID_INPUT, both.exitCode());
    assertTrue(both.err().contains("give either --capture"), both.err());
    assertEquals(1, noLink.err().strip().lines().count(), noLink.err());
    Cli.Run badFactor = Cli.run("predict", "runtime", "--capture", CG, "--vms", VMS, "--placement", along, "--link", WAN, "--latency-factor", "-1");
    assertEquals(ExitCode.INVALID_INPUT, badFactor.exitCode());
    assertTrue(badFactor.err().contains("--latency-factor"), badFactor.err());
  }
}
