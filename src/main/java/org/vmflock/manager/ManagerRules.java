package org.vmflock.manager;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.execute.SagaPhase;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.plan.ExecutionTimeEstimator;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.TrafficLayout;
import org.vmflock.site.SiteEnvironment;

/**
 * The migration manager's rules outside the loop (K1), as pure functions of its knowledge: which
 * submissions are accepted, what a progress report or the end of a migration teaches, which queued
 * migrations may start. The {@link MigrationManager} actor and the simulator both apply them, so
 * a simulation decides exactly as a node would.
 */
public final class ManagerRules {

  private ManagerRules() {}

  /** Why the application cannot be submitted, or empty if it can. */
  public static String submitProblem(Knowledge k, Application app, Map<String, String> placement) {
    AppRecord existing = k.applications().get(app.name());
    if (existing != null && existing.status() != AppStatus.FINISHED) {
      return "an application named " + app.name() + " is already " + existing.status().name().toLowerCase(java.util.Locale.ROOT);
    }
    Set<String> vmsInUse = new HashSet<>();
    k.applications().values().stream().filter(a -> a.status() != AppStatus.FINISHED).forEach(a -> vmsInUse.addAll(a.app().vmNames()));
    for (Vm vm : app.vms()) {
      if (vmsInUse.contains(vm.name())) {
        return "VM " + vm.name() + " already belongs to another application";
      }
      for (SiteEnvironment env : k.sites().values()) {
        if (env.defined() && !env.site().get().hosting().prices(vm.size())) {
          return "site " + env.name() + " has no hosting price for size '" + vm.size() + "' of VM " + vm.name();
        }
      }
    }
    if (!placement.isEmpty()) {
      if (!placement.keySet().equals(new HashSet<>(app.vmNames()))) {
        return "the placement of " + app.name() + " must name each of its VMs once";
      }
      for (String site : new HashSet<>(placement.values())) {
        if (!k.sites().containsKey(site) || !k.sites().get(site).defined()) {
          return "unknown site '" + site + "' in the placement of " + app.name();
        }
      }
    }
    return "";
  }

  /** The events of an accepted submission: submitted, and placed if it already runs somewhere. */
  public static List<KnowledgeEvent> submitted(Application app, Map<String, String> placement, Instant now) {
    List<KnowledgeEvent> events = new ArrayList<>();
    events.add(new KnowledgeEvent.ApplicationSubmitted(app, now));
    if (!placement.isEmpty()) {
      events.add(new KnowledgeEvent.ApplicationPlaced(app.name(), placement, now));
    }
    return events;
  }

  /**
   * What a progress report teaches: how far the application is, its pace, and the estimator's
   * calibration (the pace against what {@code model} predicts for its placement). Empty for an
   * unknown or idle application.
   */
  public static Optional<KnowledgeEvent> progress(Knowledge k, String application, double done, double secondsPerWork, Instant at,
      ExecutionTimeEstimator model, double smoothing, Optional<NetworkPath> defaultLink) {
    AppRecord a = k.applications().get(application);
    if (a == null || a.status() != AppStatus.RUNNING) {
      return Optional.empty();
    }
    CalibratedEstimator.Calibration known = k.calibration().getOrDefault(application, CalibratedEstimator.Calibration.NONE);
    Placement p = k.placementOf(application);
    if (!p.places(a.app().vmNames()) || !(secondsPerWork > 0) || Double.isInfinite(secondsPerWork)) {
      return Optional.of(new KnowledgeEvent.ProgressObserved(application, done, a.observedSecondsPerWork().orElse(1.0), known, at));
    }
    Infrastructure infra = k.infrastructure(defaultLink);
    double predicted = model.secondsPerWork(a.app(), TrafficLayout.of(a.app(), p, infra), infra, LinkShare.none(infra.sites().size()));
    CalibratedEstimator.Calibration next = CalibratedEstimator.next(known, application, predicted, secondsPerWork, smoothing);
    return Optional.of(new KnowledgeEvent.ProgressObserved(application, done, secondsPerWork, next, at));
  }

  /** The application finished (empty if unknown or already finished). */
  public static Optional<KnowledgeEvent> finished(Knowledge k, String application, Instant at) {
    AppRecord a = k.applications().get(application);
    return a == null || a.status() == AppStatus.FINISHED ? Optional.empty() : Optional.of(new KnowledgeEvent.ApplicationFinished(application, at));
  }

  /** The environments that differ from what the knowledge holds. */
  public static List<KnowledgeEvent> changedSites(Knowledge k, List<SiteEnvironment> envs, Instant now) {
    List<KnowledgeEvent> out = new ArrayList<>();
    for (SiteEnvironment env : envs) {
      if (!env.equals(k.sites().get(env.name()))) {
        out.add(new KnowledgeEvent.EnvironmentSeen(env, now));
      }
    }
    return out;
  }

  /**
   * The queued migrations that may start now: in their decisions' order, one at a time per VM (a
   * temporary hop waits for the step before it), at most {@code maxPerLink} running per pair of
   * sites and {@code maxPerSite} per site.
   */
  public static List<KnowledgeEvent.MigrationStarted> startable(Knowledge k, int maxPerLink, int maxPerSite, Instant now) {
    Map<String, Integer> perLink = new HashMap<>();
    Map<String, Integer> perSite = new HashMap<>();
    Set<String> busyVms = new HashSet<>();
    // each VM's first queued migration (a later hop waits for it); only those whose sites and link
    // have room now may start, since room only shrinks as this pass starts migrations
    Map<String, MigrationRecord> firstOfVm = new HashMap<>();
    for (MigrationRecord m : k.migrations().values()) {
      MigrationOrder o = m.order();
      if (m.status() == MigrationRecord.Status.RUNNING) {
        count(o, perLink, perSite);
        busyVms.add(o.vm());
      } else if (m.status() == MigrationRecord.Status.QUEUED) {
        firstOfVm.merge(o.vm(), m, (x, y) -> QUEUE_ORDER.compare(x, y) <= 0 ? x : y);
      }
    }
    List<MigrationRecord> candidates = new ArrayList<>();
    for (MigrationRecord m : firstOfVm.values()) {
      if (!busyVms.contains(m.order().vm()) && hasRoom(m.order(), perLink, perSite, maxPerLink, maxPerSite)) {
        candidates.add(m);
      }
    }
    if (candidates.isEmpty()) {
      return List.of();
    }
    candidates.sort(QUEUE_ORDER);
    List<KnowledgeEvent.MigrationStarted> started = new ArrayList<>();
    for (MigrationRecord m : candidates) {
      MigrationOrder o = m.order();
      if (hasRoom(o, perLink, perSite, maxPerLink, maxPerSite)) {
        count(o, perLink, perSite);
        started.add(new KnowledgeEvent.MigrationStarted(o.migrationId(), now));
      }
    }
    return started;
  }

  /**
   * How a migration ended, and what it teaches the migration model (observed against predicted
   * time, for a completed one). Empty if the migration is not (or no longer) in flight.
   */
  public static Optional<KnowledgeEvent> migrationEnded(Knowledge k, String migrationId, SagaPhase outcome, ObservedMigration observed,
      String reason, double smoothing, Instant now) {
    MigrationRecord m = k.migrations().get(migrationId);
    if (m == null) {
      return Optional.empty();
    }
    MigrationRecord.Status status = switch (outcome) {
      case COMPLETED -> MigrationRecord.Status.COMPLETED;
      case ROLLED_BACK -> MigrationRecord.Status.ROLLED_BACK;
      default -> MigrationRecord.Status.STUCK;
    };
    double predicted = m.order().predicted().totalSeconds();
    double took = observed.totalSeconds();
    CalibratedEstimator.Calibration calibration = status == MigrationRecord.Status.COMPLETED && predicted > 0 && took > 0
        && Double.isFinite(predicted) && Double.isFinite(took)
        ? CalibratedEstimator.next(k.migrationCalibration(), "migrations", predicted, took, smoothing)
        : k.migrationCalibration();
    return Optional.of(new KnowledgeEvent.MigrationEnded(migrationId, status, observed, reason, calibration, now));
  }

  /** Per-period counts as rates per second. */
  public static TrafficMatrix perSecond(TrafficMatrix perPeriod, double periodSeconds) {
    int n = perPeriod.size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        p[i][j] = perPeriod.packets(i, j) / periodSeconds;
        b[i][j] = perPeriod.bytes(i, j) / periodSeconds;
      }
    }
    return new TrafficMatrix(perPeriod.vms(), p, b);
  }

  /** Queued migrations start in their decisions' order, and in order within a decision. */
  private static final Comparator<MigrationRecord> QUEUE_ORDER = Comparator.comparingLong(MigrationRecord::decisionId)
      .thenComparingInt(m -> position(m.order().migrationId()));

  private static boolean hasRoom(MigrationOrder o, Map<String, Integer> perLink, Map<String, Integer> perSite, int maxPerLink, int maxPerSite) {
    return perLink.getOrDefault(link(o), 0) < maxPerLink && perSite.getOrDefault(o.from(), 0) < maxPerSite
        && perSite.getOrDefault(o.to(), 0) < maxPerSite;
  }

  /** A migration's position in its decision: ids read {@code d<decision>-<n>-<vm>}. */
  private static int position(String migrationId) {
    int first = migrationId.indexOf('-');
    int second = first < 0 ? -1 : migrationId.indexOf('-', first + 1);
    try {
      return second < 0 ? 0 : Integer.parseInt(migrationId, first + 1, second, 10);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String link(MigrationOrder o) {
    return o.from().compareTo(o.to()) < 0 ? o.from() + "|" + o.to() : o.to() + "|" + o.from();
  }

  private static void count(MigrationOrder o, Map<String, Integer> perLink, Map<String, Integer> perSite) {
    perLink.merge(link(o), 1, Integer::sum);
    perSite.merge(o.from(), 1, Integer::sum);
    perSite.merge(o.to(), 1, Integer::sum);
  }
}
