package org.vmflock.simulate.report;

import static org.vmflock.simulate.report.ReportFormat.BYTES_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.COST_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.SECONDS_DECIMALS;
import static org.vmflock.simulate.report.ReportFormat.decimal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;

/**
 * results.json: the scenario, then per policy its run's stats, its totals and its applications (the
 * rows of results.csv, same numbers), then the best policy per profile and per objective. Keys are
 * written in a fixed order, numbers with the decimals of results.csv, lines ended by "\n".
 */
final class ReportJson {

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
  private static final DefaultPrettyPrinter PRINTER = new DefaultPrettyPrinter(
      Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultIndenter("  ", "\n"));

  private ReportJson() {}

  static ObjectNode tree(SimulationReport report) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("scenario", report.scenario());
    root.put("seed", report.seed());
    root.put("start", ReportFormat.instant(report.start()));
    root.put("currency", report.currency());
    ArrayNode free = root.putArray("free_sites");
    report.freeSites().forEach(free::add);
    ArrayNode sites = root.putArray("sites");
    report.sites().forEach(sites::add);
    ArrayNode policies = root.putArray("policies");
    for (PolicyRun run : report.runs()) {
      ObjectNode p = policies.addObject();
      p.put("policy", run.policy());
      ObjectNode stats = p.putObject("stats");
      PolicyRun.RunStats s = run.stats();
      stats.put("simulated_s", decimal(s.simulatedSeconds(), SECONDS_DECIMALS));
      stats.put("cycles", s.cycles());
      stats.put("decisions", s.decisions());
      stats.put("invariant_checks", s.invariantChecks());
      stats.put("forced_evacuations", s.forcedEvacuations());
      stats.put("rolled_back", s.rolledBack());
      totals(p.putObject("totals"), PolicySummary.of(run));
      ArrayNode apps = p.putArray("applications");
      run.applications().forEach(a -> application(apps.addObject(), a));
    }
    ArrayNode best = root.putArray("best");
    for (BestPolicy b : BestPolicy.of(report)) {
      ObjectNode o = best.addObject();
      o.put("dimension", b.dimension());
      o.put("group", b.group());
      o.put("applications", b.applications());
      b.cheapest().forEach(o.putArray("cheapest")::add);
      o.put("cheapest_cost", decimal(b.lowestCost(), COST_DECIMALS));
      b.fastest().forEach(o.putArray("fastest")::add);
      o.put("fastest_mean_completion_s", decimal(b.lowestMeanSeconds(), SECONDS_DECIMALS));
      ObjectNode unfinished = o.putObject("unfinished");
      b.unfinished().forEach(unfinished::put);
    }
    return root;
  }

  static String json(SimulationReport report) {
    return json(report, Optional.empty());
  }

  /** results.json, with the figures over several seeds when the experiment ran several. */
  static String json(SimulationReport report, Optional<SeedSummary> seeds) {
    ObjectNode root = tree(report);
    seeds.ifPresent(s -> s.json(root.putObject("seeds")));
    try {
      return MAPPER.writer(PRINTER).writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree that does not serialize", e);
    }
  }

  private static void totals(ObjectNode t, PolicySummary s) {
    t.put("applications", s.applications());
    t.put("finished", s.finished());
    t.put("unfinished", s.unfinished());
    t.put("mean_completion_s", decimal(s.meanCompletionSeconds(), SECONDS_DECIMALS));
    t.put("worst_completion_s", decimal(s.worstCompletionSeconds(), SECONDS_DECIMALS));
    t.put("hosting_cost", decimal(s.hostingCost(), COST_DECIMALS));
    t.put("transfer_cost", decimal(s.transferCost(), COST_DECIMALS));
    t.put("migration_cost", decimal(s.migrationCost(), COST_DECIMALS));
    t.put("total_cost", decimal(s.totalCost(), COST_DECIMALS));
    t.put("migrations", s.migrations());
    t.put("bytes_moved", decimal(s.bytesMoved(), BYTES_DECIMALS));
    t.put("inter_site_bytes", decimal(s.interSiteBytes(), BYTES_DECIMALS));
    t.put("deadlines", s.deadlines());
    t.put("deadlines_met", s.deadlinesMet());
    t.put("deadlines_missed", s.deadlinesMissed());
  }

  private static void application(ObjectNode o, AppResult a) {
    o.put("application", a.application());
    o.put("profile", a.profile());
    o.put("vms", a.vms());
    o.put("objective", a.objective());
    o.put("submitted_at", ReportFormat.instant(a.submittedAt()));
    o.put("finished_at", instant(a.finishedAt()));
    o.put("completion_s", decimal(a.completionSeconds(), SECONDS_DECIMALS));
    o.put("hosting_cost", decimal(a.hostingCost(), COST_DECIMALS));
    o.put("transfer_cost", decimal(a.transferCost(), COST_DECIMALS));
    o.put("migration_cost", decimal(a.migrationCost(), COST_DECIMALS));
    o.put("total_cost", decimal(a.totalCost(), COST_DECIMALS));
    o.put("migrations", a.migrations());
    o.put("bytes_moved", decimal(a.bytesMoved(), BYTES_DECIMALS));
    o.put("inter_site_bytes", decimal(a.interSiteBytes(), BYTES_DECIMALS));
    o.put("deadline", instant(a.deadline()));
    if (a.deadlineMet().isPresent()) {
      o.put("deadline_met", a.deadlineMet().get());
    } else {
      o.putNull("deadline_met");
    }
    if (a.estimate().isPresent()) {
      ObjectNode e = o.putObject("estimator");
      e.put("estimated_s", decimal(a.estimate().get().estimatedSeconds(), SECONDS_DECIMALS));
      e.put("truth_s", decimal(a.estimate().get().truthSeconds(), SECONDS_DECIMALS));
    } else {
      o.putNull("estimator");
    }
  }

  private static String instant(Optional<Instant> t) {
    return t.map(ReportFormat::instant).orElse(null);
  }
}
