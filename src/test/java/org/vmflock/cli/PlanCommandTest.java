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

/** {@code vmflock plan} as a user runs it on the example scenario. */
class PlanCommandTest {

  private static final String EXAMPLE = "simulations/example.conf";

  private static JsonNode app(JsonNode plan, String name) {
    for (JsonNode a : plan.get("applications")) {
      if (a.get("name").asText().equals(name)) {
        return a;
      }
    }
    throw new AssertionError("no application " + name + " in " + plan);
  }

  @Test
  void theExamplePlacesTheNewApplicationAndMovesTheExpensiveOne() throws Exception {
    Cli.Run r = Cli.run("plan", "--scenario", EXAMPLE);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode plan = new ObjectMapper().readTree(r.out());
    assertEquals(0, plan.get("violations").size());
    JsonNode mg = app(plan, "mg");
    assertEquals("place", mg.get("decision").asText());
    assertEquals(4, mg.get("placement").size());
    JsonNode cg = app(plan, "cg");
    // rennes costs 0.12 per VM-hour, lyon 0.05 and 1.2 times faster: cg (minimum cost) moves there
    assertEquals("migrate", cg.get("decision").asText(), cg.get("reason").asText());
    cg.get("placement").forEach(site -> assertEquals("lyon", site.asText()));
    assertTrue(cg.get("predicted").get("cost").get("total").asDouble() < cg.get("stay").get("cost").get("total").asDouble());
    assertEquals(4, plan.get("migrations").size());
    JsonNode step = plan.get("migrations").get(0);
    assertEquals("rennes", step.get("from").asText());
    assertEquals("lyon", step.get("to").asText());
    assertTrue(step.get("downtimeSeconds").asDouble() > 0);
  }

  @Test
  void aCaptureMatrixSetsTheTrafficAndTheTableIsForPeople() {
    Cli.Run r = Cli.run("plan", "--scenario", EXAMPLE, "--traffic", "samples/npb/is.A.4.bytes.csv", "--app", "cg", "--duration", "1.6s",
        "--objective", "time", "--format", "table");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("migrations, in order:"), r.out());
    assertTrue(r.out().contains("cg: "), r.out());
    // a matrix alone tells no rounds: the scenario's barrier count is kept, and said
    assertTrue(r.err().contains("plan: cg: assumed: the scenario's"), r.err());
  }

  @Test
  void aCaptureSetsTheTrafficAndTheRoundsAndNothingIsAssumedButItsLength() throws Exception {
    Cli.Run r = Cli.run("plan", "--scenario", EXAMPLE, "--capture", "samples/npb/cg.A.4.pcap.gz", "--vms", "samples/npb/vms4.csv", "--app",
        "cg", "--duration", "2.1s");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(0, new ObjectMapper().readTree(r.out()).get("violations").size());
    assertTrue(!r.err().contains("assumed"), r.err());
    Cli.Run frames = Cli.run("plan", "--scenario", EXAMPLE, "--traffic", "samples/npb/cg.A.4.bytes.csv", "--packets",
        "samples/npb/cg.A.4.packets.csv", "--app", "cg", "--duration", "2.1s");
    assertEquals(0, frames.exitCode(), frames.err());
    assertTrue(frames.err().contains("exchange rounds a second among every pair that talks"), frames.err());
  }

  @Test
  void theParetoFrontIsListed() throws Exception {
    Cli.Run r = Cli.run("plan", "--scenario", EXAMPLE, "--pareto");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode front = app(new ObjectMapper().readTree(r.out()), "cg").get("pareto");
    assertTrue(front.size() >= 1);
    double previousCost = Double.POSITIVE_INFINITY;
    for (JsonNode p : front) {
      double cost = p.get("cost").get("total").asDouble();
      assertTrue(cost < previousCost, "faster points cost more: " + front);
      previousCost = cost;
    }
  }

  @Test
  void badInputIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
    Cli.Run missing = Cli.run("plan", "--scenario", dir.resolve("none.conf"));
    assertEquals(ExitCode.INVALID_INPUT, missing.exitCode());
    assertTrue(missing.err().contains("no such scenario file"), missing.err());
    Cli.Run ambiguous = Cli.run("plan", "--scenario", EXAMPLE, "--traffic", "samples/npb/cg.A.4.bytes.csv");
    assertEquals(ExitCode.INVALID_INPUT, ambiguous.exitCode());
    assertTrue(ambiguous.err().contains("say which with --app"), ambiguous.err());
    Cli.Run wrongSize = Cli.run("plan", "--scenario", EXAMPLE, "--app", "cg", "--traffic", "samples/npb/vms.csv");
    assertEquals(ExitCode.INVALID_INPUT, wrongSize.exitCode());
    Path empty = dir.resolve("empty.conf");
    Files.writeString(empty, "start = \"2026-06-01T12:00:00Z\"\nsites { a { capacity { slots = 1 } } }\n");
    Cli.Run noApp = Cli.run("plan", "--scenario", empty);
    assertEquals(ExitCode.INVALID_INPUT, noApp.exitCode());
    assertTrue(noApp.err().contains("no application to plan"), noApp.err());
  }

  @Test
  void anApplicationTooLargeForEverySiteGetsAnExplicitNo(@TempDir Path dir) throws Exception {
    Path tight = dir.resolve("tight.conf");
    Files.writeString(tight, """
        start = "2026-06-01T12:00:00Z"
        sites { a { capacity { slots = 2 } }, b { capacity { slots = 1 } } }
        default-link { latency = 5ms, bandwidth = 1Gbps }
        applications { big { vms = 4, work = 1h } }
        """);
    Cli.Run r = Cli.run("plan", "--scenario", tight);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode big = app(new ObjectMapper().readTree(r.out()), "big");
    assertEquals("stay", big.get("decision").asText());
    assertTrue(big.get("reason").asText().contains("cannot be placed"), big.get("reason").asText());
    assertTrue(big.get("reason").asText().contains("fits the capacity left"), big.get("reason").asText());
  }
}
