package org.vmflock.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.testing.Cli;

/** {@code vmflock simulate} as a user runs it: the report, its determinism, and what it refuses. */
class SimulateCommandTest {

  private static final String EVACUATION = "simulations/evacuation.conf";
  private static final List<String> POLICIES = List.of("none", "price-chasing", "report-grouping", "vmflock");

  @TempDir Path tmp;

  private static Cli.Run simulate(Object... args) {
    Object[] all = new Object[args.length + 2];
    all[0] = "simulate";
    all[1] = "--quiet";
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.run(all);
  }

  @Test
  void aDryRunShowsEachApplicationsWorkAndWarnsOfEventsThatCannotMatterWritingNothing() throws IOException {
    Path scenario = tmp.resolve("short.conf");
    Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites { lyon { capacity { slots = 32, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 } }
        applications { cg { profile = "cg.B.16", objective = time, placement = lyon } }
        timeline = [ { at = "2026-06-01T18:00:00Z", price { site = lyon, per-vm-hour = 0.20 } } ]
        """);
    Path out = tmp.resolve("never");
    Cli.Run r = simulate(scenario, "--dry-run", "--out", out);
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("1 sites, 1 applications, 16 VMs, 1 timeline events") && r.out().contains("nothing run (--dry-run)"), r.out());
    assertTrue(r.out().contains("cg: cg.B.16, 16 VM(s), work ") && r.out().contains("(the profile's default)"), r.out());
    assertTrue(r.err().contains("simulate: warning: timeline event 0 (price at lyon, 2026-06-01T18:00:00Z) comes after every application would have finished"),
        r.err());
    assertFalse(Files.exists(out), "nothing written");
  }

  @Test
  void theReportComparesEveryPolicyAndTheSameSeedGivesTheSameBytes() throws IOException {
    Path first = tmp.resolve("first");
    Cli.Run r = simulate(EVACUATION, "--seed", 7, "--out", first);
    assertEquals(0, r.exitCode(), r.err());
    for (String f : List.of("results.csv", "results.json", "timeline.csv", "decisions.csv", "index.html", "completion.png", "cumulative-cost.png",
        "cost-split.png", "placement-vmflock.png", "placement-none.png", "traffic-cg.A.4.png", "echarts.min.js", "charts.js", "report-data.js",
        "report.js")) {
      assertTrue(Files.size(first.resolve(f)) > 0, f);
    }
    // the summary table names every policy; every application of every policy is a line of results.csv
    POLICIES.forEach(p -> assertTrue(r.out().contains(p), p + " in\n" + r.out()));
    List<String> lines = Files.readAllLines(first.resolve("results.csv"));
    assertEquals(1 + 3 * POLICIES.size(), lines.size(), String.join("\n", lines));
    Set<String> policies = new TreeSet<>();
    lines.stream().skip(1).forEach(l -> policies.add(l.split(",")[0]));
    assertEquals(new TreeSet<>(POLICIES), policies);
    JsonNode json = new ObjectMapper().readTree(first.resolve("results.json").toFile());
    assertEquals("evacuation", json.get("scenario").asText());
    assertEquals(7, json.get("seed").asLong());
    // costs in the scenario's currency (none named: USD); rennes and lyon are free grid sites, which the summary says
    assertEquals("USD", json.get("currency").asText());
    assertTrue(r.out().contains("cost USD") && r.out().contains("Free sites (hosting price 0 all along): lyon, rennes."), r.out());
    // instants to the second
    assertTrue(lines.stream().noneMatch(l -> l.matches(".*T\\d\\d:\\d\\d:\\d\\d\\.\\d+Z.*")), String.join("\n", lines));
    // why: vmflock moves the VMs off rennes before it fails; none leaves them to the platform
    List<String> decisions = Files.readAllLines(first.resolve("decisions.csv"));
    assertTrue(decisions.stream().anyMatch(l -> l.startsWith("vmflock,") && l.contains(",migrate,") && l.contains("rennes ->")),
        String.join("\n", decisions));
    assertTrue(decisions.stream().anyMatch(l -> l.startsWith("none,") && l.contains(",forced,")), String.join("\n", decisions));
    assertTrue(decisions.stream().skip(1).allMatch(l -> l.split(",")[1].matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")),
        "decisions to the second: " + String.join("\n", decisions));
    String html = Files.readString(first.resolve("index.html"));
    assertTrue(html.contains("placement-vmflock.png") && html.contains("<table"), "index.html links the plots and shows the table");
    assertTrue(html.contains("<div class=\"chart\" id=\"chart-placement-vmflock\">") && html.contains("<script src=\"report-data.js\">"),
        "and draws them, interactive");

    Path again = tmp.resolve("again");
    assertEquals(0, simulate(EVACUATION, "--seed", 7, "--out", again).exitCode());
    for (String f : List.of("results.csv", "results.json", "timeline.csv", "decisions.csv", "report-data.js", "index.html")) {
      assertArrayEquals(Files.readAllBytes(first.resolve(f)), Files.readAllBytes(again.resolve(f)), f + " differs between two runs of one seed");
    }

    Path other = tmp.resolve("other");
    assertEquals(0, simulate(EVACUATION, "--seed", 8, "--out", other).exitCode());
    assertFalse(Arrays.equals(Files.readAllBytes(first.resolve("results.csv")), Files.readAllBytes(other.resolve("results.csv"))),
        "another seed gives other results");
  }

  @Test
  void severalSeedsAreSummedUpWithConfidenceIntervalsTheSameEveryTime() throws IOException {
    Path out = tmp.resolve("seeds");
    Cli.Run r = simulate(EVACUATION, "--policy", "none,vmflock", "--seed", 7, "--seeds", 3, "--out", out);
    assertEquals(0, r.exitCode(), r.err());
    // seeds.csv: a row per policy and seed; the report's other files are of the first seed
    List<String> rows = Files.readAllLines(out.resolve("seeds.csv"));
    assertEquals("policy,seed,mean_completion_h,total_cost,unfinished,migrations", rows.get(0));
    assertEquals(List.of("none,7", "none,8", "none,9", "vmflock,7", "vmflock,8", "vmflock,9"),
        rows.stream().skip(1).map(l -> l.split(",")[0] + "," + l.split(",")[1]).toList());
    JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    assertEquals(7, json.get("seed").asLong());
    JsonNode seeds = json.get("seeds");
    assertEquals("[7,8,9]", seeds.get("seeds").toString());
    assertEquals("none", seeds.get("reference").asText());
    JsonNode completion = seeds.get("policies").get("vmflock").get("mean_completion_h");
    double mean = completion.get("mean").asDouble();
    JsonNode ci = completion.get("ci95");
    assertTrue(ci.get(0).asDouble() <= mean && mean <= ci.get(1).asDouble(), completion.toString());
    // the mean is the mean of the three rows
    double sum = rows.stream().filter(l -> l.startsWith("vmflock,")).mapToDouble(l -> Double.parseDouble(l.split(",")[2])).sum();
    assertEquals(sum / 3, mean, 1e-5, completion.toString());
    assertTrue(completion.has("minus_reference_ci95"), completion.toString());
    assertTrue(r.out().contains("Across seeds") && r.out().contains("Over 3 seeds ([7, 8, 9])"), r.out());
    assertTrue(Files.readString(out.resolve("index.html")).contains("Across seeds"), "index.html has the section");
    assertTrue(Files.readString(out.resolve("index.html")).contains("seeds.csv"), "and links seeds.csv");

    Path again = tmp.resolve("again");
    assertEquals(0, simulate(EVACUATION, "--policy", "none,vmflock", "--seed", 7, "--seeds", 3, "--out", again).exitCode());
    for (String f : List.of("seeds.csv", "results.json")) {
      assertArrayEquals(Files.readAllBytes(out.resolve(f)), Files.readAllBytes(again.resolve(f)), f + " differs between two runs");
    }
    Cli.Run none = simulate(EVACUATION, "--seeds", 0, "--out", tmp.resolve("never"));
    assertEquals(ExitCode.INVALID_INPUT, none.exitCode());
    assertTrue(none.err().contains("--seeds"), none.err());
    assertFalse(Files.exists(tmp.resolve("never")));
  }

  @Test
  void theReportChecksTheEstimatorAgainstTheSimulatorsTruth() throws IOException {
    Path scenario = tmp.resolve("one-site.conf");
    Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites {
          lyon { capacity { slots = 32, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
          nancy { capacity { slots = 32, cores = 64, memory = 128GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
        }
        links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 10Gbps } ]
        applications {
          cg { profile = "cg.A.4", objective = time, placement = lyon }
          mg { profile = "mg.A.4", objective = time, placement = nancy }
        }
        """);
    Path out = tmp.resolve("checked");
    Cli.Run r = simulate(scenario, "--policy", "none", "--out", out);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
    String html = Files.readString(out.resolve("index.html"));
    // the estimator against the simulator's truth, for the applications that ran where they started
    assertTrue(html.contains("The estimator against the simulator&#39;s truth"), "index.html has the estimator's check");
    assertTrue(r.out().contains("Estimator against the simulator's truth: median |error|"), r.out());
    boolean checked = false;
    for (JsonNode p : json.get("policies")) {
      for (JsonNode a : p.get("applications")) {
        JsonNode e = a.get("estimator");
        if (!e.isNull()) {
          checked = true;
          assertEquals(0, a.get("migrations").asInt(), a.toString());
          assertTrue(e.get("estimated_s").asDouble() > 0 && e.get("truth_s").asDouble() > 0, a.toString());
        }
      }
    }
    assertTrue(checked, "an application checked");
  }

  @Test
  void onePolicyAndAPreviousReportReplaced() throws IOException {
    Path out = tmp.resolve("one");
    assertEquals(0, simulate(EVACUATION, "--policy", "vmflock", "--out", out).exitCode());
    assertEquals(0, simulate(EVACUATION, "--policy", "none,vmflock", "--out", out).exitCode(), "a previous report is replaced");
    List<String> lines = Files.readAllLines(out.resolve("results.csv"));
    assertEquals(1 + 3 * 2, lines.size());
    assertTrue(lines.get(1).startsWith("none,"), lines.get(1));
  }

  @Test
  void transientFaultsChangeTheRunsButNeverTheSafety() throws IOException {
    Path calm = tmp.resolve("calm");
    Path faulty = tmp.resolve("faulty");
    assertEquals(0, simulate(EVACUATION, "--out", calm).exitCode());
    Cli.Run r = simulate(EVACUATION, "--faults", "0.3", "--out", faulty);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode json = new ObjectMapper().readTree(faulty.resolve("results.json").toFile());
    int apps = 0;
    long rolledBack = 0;
    for (JsonNode run : json.get("policies")) {
      assertTrue(run.get("stats").get("invariant_checks").asLong() > 0, run.toString());
      rolledBack += run.get("stats").get("rolled_back").asLong();
      apps += run.get("applications").size();
    }
    assertEquals(3 * POLICIES.size(), apps, "no application lost");
    assertTrue(rolledBack > 0, "some migrations rolled back: " + json.get("policies"));
    assertFalse(Arrays.equals(Files.readAllBytes(calm.resolve("results.csv")), Files.readAllBytes(faulty.resolve("results.csv"))),
        "failed migration steps cost time");
  }

  @Test
  void badInputIsRefusedInOneLineAndWritesNothing() throws IOException {
    Path out = tmp.resolve("never");
    Cli.Run unknown = simulate(EVACUATION, "--policy", "greedy", "--out", out);
    assertEquals(ExitCode.INVALID_INPUT, unknown.exitCode());
    assertTrue(unknown.err().contains("unknown policy 'greedy'"), unknown.err());

    Cli.Run missing = simulate(tmp.resolve("nothing.conf"), "--out", out);
    assertEquals(ExitCode.INVALID_INPUT, missing.exitCode());
    assertTrue(missing.err().contains("nothing.conf") && missing.err().contains("no such scenario file"), missing.err());

    Path bad = tmp.resolve("bad.conf");
    Files.writeString(bad, Files.readString(Path.of(EVACUATION)).replace("bandwidth = 10Gbps", "bandwidth = -10Gbps"));
    Cli.Run negative = simulate(bad, "--out", out);
    assertEquals(ExitCode.INVALID_INPUT, negative.exitCode());
    assertTrue(negative.err().contains("bad.conf:") && negative.err().contains("bandwidth"), negative.err());
    assertEquals(1, negative.err().strip().lines().count(), negative.err());

    Cli.Run faults = simulate(EVACUATION, "--faults", "1.5", "--out", out);
    assertEquals(ExitCode.INVALID_INPUT, faults.exitCode());
    assertTrue(faults.err().contains("--faults"), faults.err());

    Cli.Run both = simulate(EVACUATION, "--policy", "none", "--compare", "--out", out);
    assertEquals(ExitCode.INVALID_INPUT, both.exitCode());
    assertFalse(Files.exists(out), "nothing written");

    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(mine.resolve("notes.txt"), "keep me");
    Cli.Run occupied = simulate(EVACUATION, "--policy", "none", "--out", mine);
    assertEquals(ExitCode.INVALID_INPUT, occupied.exitCode());
    assertTrue(occupied.err().contains("--force"), occupied.err());
    assertEquals("keep me", Files.readString(mine.resolve("notes.txt")));
  }

  @Test
  void helpNamesTheOptions() {
    Cli.Run r = Cli.run("simulate", "--help");
    assertEquals(0, r.exitCode());
    for (String o : List.of("--seed", "--out", "--policy", "--compare", "--faults")) {
      assertTrue(r.out().contains(o), o);
    }
  }
}
