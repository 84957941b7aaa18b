package org.vmflock.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vmflock.node.ProcessCluster.TAKEOVER;
import static org.vmflock.node.ProcessCluster.START;
import static org.vmflock.node.ProcessCluster.get;
import static org.vmflock.node.ProcessCluster.ms;
import static org.vmflock.node.ProcessCluster.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.TestPostgresql;

/**
 * Chaos with real processes (issue 15): simulated hypervisors in a process of their own ({@code
 * vmflock hypervisors}), three cluster nodes in JVMs of their own ({@code vmflock node
 * --hypervisors URL}) on one PostgreSQL journal, an application's VMs migrating from east to west.
 *
 * <p>Kill: in the middle of a pre-copy the node hosting the migration manager (the cluster
 * singleton) is killed with SIGKILL. The split-brain resolver downs it (the two others are the
 * majority), a survivor takes the manager over, its sagas are resumed from the journal and every
 * migration ends, completed or rolled back. The takeover is measured (printed): kill to the
 * manager found on a survivor, to its first answer, to the last migration's end.
 *
 * <p>Rolling restart: from the middle of the migration, each node in turn is stopped (SIGTERM) and
 * started again on its configuration; the cluster is whole again before the next; no period of the
 * sites' collectors is lost meanwhile (a senses east, b west: every period from before the restarts
 * to after them complete, each VM reported once); then a new application is placed and booted.
 *
 * <p>After either: every VM runs in exactly one place at the hypervisors, where the manager's
 * knowledge says, no reservation is left, no decision was lost or taken twice.
 */
class ClusterChaosTest {

  @Test
  void killingTheManagersNodeInTheMiddleOfAMigrationLeavesEveryVmInOnePlace(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "needs root: the nodes' PostgreSQL journal is set up as root (run bin/test as root)");
    try (TestPostgresql db = TestPostgresql.create("chaos"); ProcessCluster f = new ProcessCluster(dir, db)) {
      try {
        f.startMigrating(f.nodes.get(1));
        ProcessCluster.Node host = f.managerHost();
        JsonNode before = get(host.url() + "/api/status").orElseThrow();
        assertFalse(before.get("migrations").get("inFlight").isEmpty(), "migrations in flight when the node is killed");
        long foundDoneBefore = get(f.world()).orElseThrow().get("foundDone").asLong();
        long killed = System.nanoTime();
        java.time.LocalTime killedAt = java.time.LocalTime.now();
        host.process().kill();

        List<ProcessCluster.Node> survivors = f.nodes.stream().filter(n -> n != host).toList();
        long[] managerFound = {0};
        ProcessCluster.Node[] newHost = {null};
        Awaitility.await("the manager on a survivor").atMost(TAKEOVER).pollInterval(Duration.ofMillis(100)).until(() -> {
          for (ProcessCluster.Node n : survivors) {
            if (get(n.url() + "/api/cluster").map(c -> c.get("manager").get("here").asBoolean()).orElse(false)) {
              managerFound[0] = System.nanoTime();
              newHost[0] = n;
              return true;
            }
          }
          return false;
        });
        Awaitility.await("the new manager answering").atMost(TAKEOVER).pollInterval(Duration.ofMillis(100))
            .until(() -> get(newHost[0].url() + "/api/status").isPresent());
        long answered = System.nanoTime();
        JsonNode after = f.awaitNoMigration(newHost[0]);
        long ended = System.nanoTime();
        System.out.printf(Locale.ROOT, "takeover after kill -9 of the manager's node: manager running on %s after %d ms, answering after %d ms, "
            + "the %d migration(s) in flight ended after %d ms; %s%n", newHost[0].name(), ms(managerFound[0] - killed),
            ms(answered - killed), before.get("migrations").get("inFlight").size(), ms(ended - killed), ProcessCluster.downed(survivors, killedAt));

        System.out.println("steps asked again after the kill and found done at the hypervisors (sagas resumed on a survivor): "
            + (get(f.world()).orElseThrow().get("foundDone").asLong() - foundDoneBefore));
        for (ProcessCluster.Node n : survivors) {
          JsonNode c = get(n.url() + "/api/cluster").orElseThrow();
          assertEquals(2, c.get("members").size(), n.name() + " sees the killed node gone: " + c);
          assertEquals(n == newHost[0], c.get("manager").get("here").asBoolean(), n.name() + ": " + c);
          assertTrue(n.process().alive(), n.name() + " runs");
        }
        f.check(before, after, 4);
      } catch (AssertionError | RuntimeException e) {
        f.printLogs();
        throw e;
      }
    }
  }

  @Test
  void aRollingRestartOfEveryNodeLosesNoDecisionAndLeavesEveryVmInOnePlace(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(TestPostgresql.root(), "needs root: the nodes' PostgreSQL journal is set up as root (run bin/test as root)");
    try (TestPostgresql db = TestPostgresql.create("rolling"); ProcessCluster f = new ProcessCluster(dir, db)) {
      try {
        f.startMigrating(f.nodes.get(1));
        JsonNode before = get(f.managerHost().url() + "/api/status").orElseThrow();
        assertFalse(before.get("migrations").get("inFlight").isEmpty(), "migrations in flight when the restarts begin");
        // the sensors of east (on a) and west (on b) report the application's VMs: the periods from here on
        Set<String> vms = new TreeSet<>();
        get(f.world()).orElseThrow().get("page").get("vms").forEach(v -> vms.add(v.get("vm").asText()));
        long[] from = new long[1];
        Awaitility.await("a period of the application complete").atMost(START).pollInterval(Duration.ofMillis(500)).until(() -> {
          for (long q : f.periods(f.nodes.get(2), "east").keySet()) {
            if (f.noPeriodLost(f.nodes.get(2), q, q, vms)) {
              from[0] = q;
              return true;
            }
          }
          return false;
        });
        List<String> hosts = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < ProcessCluster.NAMES.size(); i++) {
          f.restart(i);
          hosts.add(ProcessCluster.NAMES.get(i) + " restarted: the manager on " + f.managerHost().name());
        }
        System.out.printf(Locale.ROOT, "rolling restart of the 3 nodes: %d ms (%s)%n", ms(System.nanoTime() - started), String.join(", ", hosts));
        ProcessCluster.Node entry = f.managerHost();
        // the period in which the last restart ended
        long to = get(entry.url() + "/api/sites/east/periods?last=1").orElseThrow().get("current").asLong();
        JsonNode after = f.awaitNoMigration(entry);
        f.check(before, after, 4);
        // no period lost: every period from before the restarts to after them complete, each VM reported once
        Awaitility.await("no period lost, " + from[0] + ".." + to).atMost(START).pollInterval(Duration.ofSeconds(1))
            .until(() -> f.noPeriodLost(entry, from[0], to, vms));
        System.out.printf(Locale.ROOT, "periods %d..%d complete at east and west across the restarts%n", from[0], to);
        // the controller after the restarts: a new application placed, its VMs booted where it is placed; meanwhile
        // PostgreSQL restarts (-m fast: every connection cut) as the manager, the sagas and the collectors write
        assertEquals(200, post(f.nodes.get(2), ProcessCluster.application("late")).statusCode());
        long restarted = System.nanoTime();
        db.restartServer();
        long journalBack = System.nanoTime();
        Awaitility.await("the new application's VMs booted").atMost(START).pollInterval(Duration.ofMillis(100))
            .until(() -> get(f.world()).map(w -> w.get("page").get("vms").size() == 8).orElse(false));
        long booted = System.nanoTime();
        f.check(after, f.awaitNoMigration(entry), 8);
        // nothing lost across the journal's restart either: the periods on from the restarts, until one begun after it, complete, with
        // the first application's VMs each reported once (the new one's from when they booted)
        long afterRestart = get(entry.url() + "/api/sites/east/periods?last=1").orElseThrow().get("current").asLong() + 1;
        Awaitility.await("no period lost across PostgreSQL's restart, " + (to + 1) + ".." + afterRestart).atMost(START)
            .pollInterval(Duration.ofSeconds(1)).until(() -> f.noPeriodLost(entry, to + 1, afterRestart, vms));
        System.out.printf(Locale.ROOT, "PostgreSQL restarted as an application was submitted: the server back after %d ms, the application's VMs "
            + "booted after %d ms, periods %d..%d complete at east and west%n", ms(journalBack - restarted), ms(booted - restarted), to + 1, afterRestart);
      } catch (AssertionError | RuntimeException e) {
        f.printLogs();
        for (String site : List.of("east", "west")) {
          System.out.println("---- " + site + "'s periods ----\n" + get(f.nodes.get(2).url() + "/api/sites/" + site + "/periods?last=20"));
        }
        throw e;
      }
    }
  }
}
