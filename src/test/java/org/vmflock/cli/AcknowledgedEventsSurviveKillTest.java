package org.vmflock.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.NodeProcess;

/**
 * What a node acknowledged survives a kill -9 (issue 10): a real {@code vmflock run} process,
 * submissions each answered 200, SIGKILL right after the last answer, a restart on the same
 * journal; then the decisions a status answer showed, SIGKILL right after that answer, a restart.
 * The test looks at what the journal gives back after recovery (the applications and decisions of
 * /api/status), not at the simulated world. With H2's default write delay of 500 ms, 3 to 5 of the
 * 5 submissions were lost, and decisions already shown.
 */
class AcknowledgedEventsSurviveKillTest {

  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final int SUBMISSIONS = 5;

  @Test
  void submissionsAndDecisionsShownBeforeAKillAreThereAfterTheRestart(@TempDir Path dir) throws Exception {
    Path scenario = dir.resolve("two-sites.conf");
    Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites {
          lyon  { capacity { slots = 16, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
          nancy { capacity { slots = 16, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.06, transfer-price-per-gb = 0 }
        }
        links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 10Gbps } ]
        """);
    String[] args = {"--scenario", scenario.toString(), "--time-scale", "60", "--period", "10s", "--set", "vmflock.data-dir=" + dir.resolve("data")};

    List<String> acknowledged = new ArrayList<>();
    try (NodeProcess node = NodeProcess.run(PATIENCE, args)) {
      await().atMost(PATIENCE).until(() -> node.status().get("sites").size() == 2);
      for (int i = 1; i <= SUBMISSIONS; i++) {
        String name = "k" + i;
        int code = node.post("""
            {"type": "submit", "application": {"name": "%s", "vms": 2, "size": "small", "work": "10h", "objective": "cost"}}
            """.formatted(name));
        assertEquals(200, code, "submission of " + name);
        acknowledged.add(name);
      }
      node.kill(); // right after the last 200
    }

    Map<Long, String> shown;
    try (NodeProcess node = NodeProcess.run(PATIENCE, args)) {
      assertTrue(applications(node.status()).containsAll(acknowledged),
          "every acknowledged submission is in the journal: " + acknowledged + " in " + applications(node.status()));
      // the loop places them; once a status answer shows their decisions, kill right after it
      AtomicReference<Map<Long, String>> seen = new AtomicReference<>();
      await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
        seen.set(decisions(node.status()));
        return seen.get().values().stream().filter(d -> d.startsWith("k")).count() >= SUBMISSIONS;
      });
      node.kill();
      shown = seen.get();
    }

    try (NodeProcess node = NodeProcess.run(PATIENCE, args)) {
      JsonNode status = node.status();
      Map<Long, String> after = decisions(status);
      for (Map.Entry<Long, String> d : shown.entrySet()) {
        assertEquals(d.getValue(), after.get(d.getKey()), "decision " + d.getKey() + " shown before the kill is in the journal");
      }
      assertTrue(applications(status).containsAll(acknowledged), applications(status).toString());
      for (JsonNode a : status.get("applications")) {
        assertEquals(2, a.get("placement").size(), "placed as decided: " + a);
      }
      assertTrue(node.stop(PATIENCE), "the node stops on SIGTERM");
    }
  }

  private static Set<String> applications(JsonNode status) {
    Set<String> names = new TreeSet<>();
    status.get("applications").forEach(a -> names.add(a.get("name").asText()));
    return names;
  }

  /** Each decision shown: its id, and what it decided (application, kind, reason), which never changes. */
  private static Map<Long, String> decisions(JsonNode status) {
    Map<Long, String> decisions = new LinkedHashMap<>();
    status.get("decisions").forEach(d -> decisions.put(d.get("id").asLong(),
        d.get("application").asText() + " " + d.get("kind").asText() + ": " + d.get("reason").asText()));
    return decisions;
  }
}
