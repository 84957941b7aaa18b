package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.vmflock.testing.Cli;

/** {@code vmflock predict migration}: its JSON, its table, its refusals. */
class PredictMigrationCommandTest {

  @Test
  void printsTheJsonOfAConvergingMigration() throws Exception {
    Cli.Run r = Cli.run("predict", "migration", "--memory", "1GiB", "--nonzero", "256MiB", "--working-set", "64MiB", "--dirty-rate", "10MiB/s",
        "--bandwidth", "1Gbit/s", "--latency", "5ms", "--downtime-limit", "300ms");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertTrue(j.get("converged").asBoolean());
    // 256 MiB at the stream's ceiling measured here (88 MB/s: a QEMU stream's thread on this machine), not at 1 Gbit/s
    assertTrue(j.get("total_ms").asDouble() > 3000 && j.get("total_ms").asDouble() < 4000, r.out());
    assertTrue(j.get("downtime_ms").asDouble() > 0 && j.get("downtime_ms").asDouble() <= 300 + 100, r.out());
    assertTrue(j.get("bytes").asLong() >= 256L << 20 && j.get("rounds").asInt() >= 2, r.out());
  }

  @Test
  void saysWhenAMigrationCannotConverge() throws Exception {
    Cli.Run r = Cli.run("predict", "migration", "--memory", "1GiB", "--working-set", "256MiB", "--dirty-rate", "80MiB/s", "--bandwidth", "32MiB/s");
    assertEquals(0, r.exitCode(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals(false, j.get("converged").asBoolean());
    assertTrue(j.get("total_ms").isNull() && j.get("downtime_ms").isNull(), r.out());
  }

  @Test
  void printsATable() {
    Cli.Run r = Cli.run("predict", "migration", "--memory", "256MiB", "--bandwidth", "100MB/s", "--format", "table");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("downtime") && r.out().contains("converged    true"), r.out());
  }

  @Test
  void refusesBadInputNamingWhere() {
    Cli.Run size = Cli.run("predict", "migration", "--memory", "1XB", "--bandwidth", "1Gbit/s");
    assertEquals(2, size.exitCode());
    assertTrue(size.err().contains("--memory"), size.err());
    Cli.Run larger = Cli.run("predict", "migration", "--memory", "1GiB", "--nonzero", "2GiB", "--bandwidth", "1Gbit/s");
    assertEquals(2, larger.exitCode());
    assertTrue(larger.err().contains("--nonzero"), larger.err());
    assertEquals(2, Cli.run("predict", "migration", "--memory", "1GiB", "--bandwidth", "0MiB/s").exitCode());
  }
}
