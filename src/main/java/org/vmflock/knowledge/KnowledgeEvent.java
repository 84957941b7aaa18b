package org.vmflock.knowledge;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.vmflock.CborSerializable;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.execute.StepProgress;
import org.vmflock.model.Application;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteEnvironment;

/**
 * What the migration manager persists (K1); {@link Knowledge#apply} folds them, applying facts and
 * nothing else: whatever depends on a setting (whether a site became more attractive, which
 * migrations may start) is decided before, and the event says what was decided. Each event is a
 * change, small and bounded, never a whole state. Their schema is versioned: an older form read
 * from a journal is brought up to date by {@link EventMigrations} (see {@code reference.conf}).
 */
public sealed interface KnowledgeEvent extends CborSerializable {

  /**
   * A site's environment changed: its {@code number}-th change, as its site actor accepted it.
   *
   * @param changed whether the environment differs after it (a definition sent again does not)
   * @param improved whether the site became markedly more attractive (decided with the manager's threshold)
   */
  record SiteChanged(String site, long number, EnvironmentChange change, Instant at, boolean changed, boolean improved)
      implements KnowledgeEvent {}

  /**
   * The manager missed changes of a site that its site actor no longer keeps: the site's
   * environment as it is after its {@code number}-th change, prices from the oldest instant the
   * manager still counts costs from (bounded, however long the site's history).
   */
  record SiteCaughtUp(SiteEnvironment environment, long number, Instant at, boolean changed, boolean improved) implements KnowledgeEvent {}

  /**
   * A site's whole environment, as release 0.1 recorded it; read from old journals, never written
   * (whether it changed or improved is worked out as 0.1 did: {@link SiteChanges#LEGACY_MARKED}).
   */
  record EnvironmentSeen(SiteEnvironment environment, Instant at) implements KnowledgeEvent {}

  record ApplicationSubmitted(Application app, Instant at) implements KnowledgeEvent {}

  /** An application will be submitted at {@code arrives}, announced at {@code at}: until then the planner holds room for it. */
  record ApplicationAnnounced(Application app, Instant arrives, Instant at) implements KnowledgeEvent {}

  /** A new application's VMs start on these sites (its initial placement, P4). */
  record ApplicationPlaced(String application, Map<String, String> siteOfVm, Instant at) implements KnowledgeEvent {
    public ApplicationPlaced {
      siteOfVm = Map.copyOf(siteOfVm);
    }
  }

  /** The application's progress, its pace, and the calibration that pace gives the estimator. */
  record ProgressObserved(String application, double done, double secondsPerWork, CalibratedEstimator.Calibration calibration, Instant at)
      implements KnowledgeEvent {}

  /** The traffic the monitor saw for the application, per work second (the first part, when {@link TrafficAdded} parts follow). */
  record TrafficObserved(String application, TrafficMatrix perWork, Instant at) implements KnowledgeEvent {}

  /**
   * More cells of the application's traffic per work second, which the cells the events before
   * left at zero: a large matrix is recorded as several events (in one write), each bounded.
   */
  record TrafficAdded(String application, TrafficMatrix part, Instant at) implements KnowledgeEvent {}

  /** Bytes an event's matrix may take, at most, with room for the rest of the event. */
  int TRAFFIC_BYTES = 48_000;

  /** Non-zero cells of a matrix over {@code vms} that fit in {@link #TRAFFIC_BYTES} (a cell takes about 22 bytes in CBOR). */
  static int cellsPerEvent(List<String> vms) {
    int names = vms.stream().mapToInt(v -> v.length() + 2).sum();
    return Math.max(64, (TRAFFIC_BYTES - names) / 22);
  }

  /** The events that record {@code perWork} as the application's traffic: one, or a first part and the rest added, each bounded. */
  static List<KnowledgeEvent> traffic(String application, TrafficMatrix perWork, Instant at) {
    List<TrafficMatrix> parts = perWork.parts(cellsPerEvent(perWork.vms()));
    List<KnowledgeEvent> out = new java.util.ArrayList<>();
    out.add(new TrafficObserved(application, parts.get(0), at));
    parts.subList(1, parts.size()).forEach(p -> out.add(new TrafficAdded(application, p, at)));
    return out;
  }

  /** The events that record a submitted application: itself (with the first part of its traffic), and the rest of its traffic added. */
  static List<KnowledgeEvent> submitted(Application app, Instant at) {
    TrafficMatrix t = app.workload().trafficPerWork();
    List<TrafficMatrix> parts = t.parts(cellsPerEvent(t.vms()));
    List<KnowledgeEvent> out = new java.util.ArrayList<>();
    out.add(new ApplicationSubmitted(app.withWorkload(app.workload().withTraffic(parts.get(0))), at));
    parts.subList(1, parts.size()).forEach(p -> out.add(new TrafficAdded(app.name(), p, at)));
    return out;
  }

  record ApplicationFinished(String application, Instant at) implements KnowledgeEvent {}

  record GroupsFound(String application, List<List<String>> groups) implements KnowledgeEvent {
    public GroupsFound {
      groups = groups.stream().map(List::copyOf).toList();
    }
  }

  /** A decision, and the migrations it orders (queued, each with its position). */
  record DecisionMade(DecisionRecord decision, List<MigrationRecord> migrations) implements KnowledgeEvent {
    public DecisionMade {
      migrations = List.copyOf(migrations);
    }
  }

  record MigrationStarted(String migrationId, Instant at) implements KnowledgeEvent {}

  /** How far a running migration has come, as its actuator reported. */
  record MigrationProgressed(String migrationId, StepProgress progress, Instant at) implements KnowledgeEvent {}

  /** A migration ended; {@code migrationCalibration} is the migration model's calibration after it (observed against predicted time). */
  record MigrationEnded(String migrationId, MigrationRecord.Status status, ObservedMigration observed, String reason,
      CalibratedEstimator.Calibration migrationCalibration, Instant at) implements KnowledgeEvent {}

  /** The loop ran its {@code cycle}-th cycle (the periodic full re-plan counts them, across failovers). */
  record CycleCompleted(long cycle, Instant at) implements KnowledgeEvent {}
}
