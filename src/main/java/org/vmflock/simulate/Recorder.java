package org.vmflock.simulate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.plan.BspExecutionModel;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.TrafficLayout;
import org.vmflock.simulate.report.AppResult;
import org.vmflock.simulate.report.DecisionLine;
import org.vmflock.simulate.report.PolicyRun;
import org.vmflock.simulate.report.TimelinePoint;

/**
 * What a simulation keeps for its report: the timeline, every decision that changed something,
 * what it refused, the counts of its run, and (never in the report, which must not depend on the
 * machine) what each cycle took in wall time.
 */
final class Recorder {

  /** The planner's execution-time model, uncalibrated: what the report checks against the truth. */
  private static final BspExecutionModel ESTIMATOR = new BspExecutionModel();

  private final String policy;
  private final List<TimelinePoint> timeline = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final List<DecisionRecord> decisionLog = new ArrayList<>();
  private final List<Long> cycleNanos = new ArrayList<>();
  private final List<Boolean> fullReplans = new ArrayList<>();
  private long cycles;
  private long decisions;
  private long forcedEvacuations;
  private long rolledBack;

  Recorder(String policy) {
    this.policy = policy;
  }

  /** The decisions among these events; those that change something are kept. */
  void decided(List<? extends KnowledgeEvent> events) {
    for (KnowledgeEvent e : events) {
      if (e instanceof KnowledgeEvent.DecisionMade d) {
        decisions++;
        if (d.decision().kind().changes()) {
          decisionLog.add(d.decision());
        }
      }
    }
  }

  void cycle(long wallNanos, boolean fullReplan) {
    cycles++;
    cycleNanos.add(wallNanos);
    fullReplans.add(fullReplan);
  }

  long cycles() {
    return cycles;
  }

  void forcedEvacuation() {
    forcedEvacuations++;
  }

  void rolledBack() {
    rolledBack++;
  }

  void note(String note) {
    notes.add(note);
  }

  void point(Instant at, Platform platform, List<String> sites, int finished) {
    java.util.TreeMap<String, Double> costs = new java.util.TreeMap<>();
    platform.meters().values().stream().limit(TimelinePoint.COSTED_APPLICATIONS)
        .forEach(m -> costs.put(m.arrival.app().name(), m.hosting + m.transfer + m.migration));
    timeline.add(new TimelinePoint(policy, at, platform.vmsPerSite(sites), platform.totalCost(), platform.migrating().size(), finished,
        costs));
  }

  /** The run as the report shows it. */
  Simulation.Outcome outcome(Platform platform, Instant start, Instant end, long wallNanos) {
    List<AppResult> results = new ArrayList<>();
    Infrastructure infra = platform.infra();
    for (Platform.Meter m : platform.meters().values()) {
      results.add(result(m, end, infra));
    }
    PolicyRun.RunStats stats = new PolicyRun.RunStats(Duration.between(start, end).toNanos() / 1e9, cycles, decisions,
        platform.invariantChecks(), forcedEvacuations, rolledBack);
    List<DecisionLine> lines = decisionLog.stream().map(d -> new DecisionLine(d.at(), d.application(), d.kind().label(), d.migrations().size(),
        d.predictedRemainingSeconds(), d.predictedCost(), d.stayRemainingSeconds(), d.stayCost(), d.reason())).toList();
    return new Simulation.Outcome(new PolicyRun(policy, results, timeline, stats, lines),
        new Simulation.Timing(wallNanos, List.copyOf(cycleNanos), List.copyOf(fullReplans)), List.copyOf(decisionLog), List.copyOf(notes));
  }

  private AppResult result(Platform.Meter m, Instant end, Infrastructure infra) {
    Application a = m.arrival.app();
    Optional<AppResult.Estimate> estimate = Optional.empty();
    if (m.migrations == 0 && m.bootedAt.isPresent() && m.finishedAt.isPresent()) {
      // it ran where it started: the estimator's time for that placement against the truth's
      Placement p = new Placement(new java.util.TreeMap<>(m.bootPlacement));
      double spw = ESTIMATOR.secondsPerWork(a, TrafficLayout.of(a, p, infra), infra, LinkShare.none(infra.sites().size()));
      estimate = Optional.of(new AppResult.Estimate(spw * a.workload().remainingWork(),
          Duration.between(m.bootedAt.get(), m.finishedAt.get()).toNanos() / 1e9));
    }
    Instant finished = m.finishedAt.orElse(end);
    Optional<Boolean> met = a.deadline().map(d -> m.finishedAt.isPresent() && !m.finishedAt.get().isAfter(d));
    return new AppResult(policy, a.name(), m.arrival.profile(), a.vms().size(), a.objective().toString(), m.arrival.at(), m.finishedAt,
        Duration.between(m.arrival.at(), finished).toNanos() / 1e9, m.hosting, m.transfer, m.migration, m.migrations, m.bytesMoved,
        m.interSiteBytes, a.deadline(), met, estimate);
  }
}
