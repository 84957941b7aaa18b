package org.vmflock.knowledge;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.vmflock.CborSerializable;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.model.Application;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.site.SiteEnvironment;

/** What the migration manager persists (K1); {@link Knowledge#apply} folds them. */
public sealed interface KnowledgeEvent extends CborSerializable {

  /** A site's environment as its site actor published it. */
  record EnvironmentSeen(SiteEnvironment environment, Instant at) implements KnowledgeEvent {}

  record ApplicationSubmitted(Application app, Instant at) implements KnowledgeEvent {}

  /** A new application's VMs start on these sites (its initial placement, P4). */
  record ApplicationPlaced(String application, Map<String, String> siteOfVm, Instant at) implements KnowledgeEvent {
    public ApplicationPlaced {
      siteOfVm = Map.copyOf(siteOfVm);
    }
  }

  /** The application's progress, its pace, and the calibration that pace gives the estimator. */
  record ProgressObserved(String application, double done, double secondsPerWork, CalibratedEstimator.Calibration calibration, Instant at)
      implements KnowledgeEvent {}

  /** The traffic the monitor saw for the application, per work second. */
  record TrafficObserved(String application, TrafficMatrix perWork, Instant at) implements KnowledgeEvent {}

  record ApplicationFinished(String application, Instant at) implements KnowledgeEvent {}

  record GroupsFound(String application, List<List<String>> groups) implements KnowledgeEvent {
    public GroupsFound {
      groups = groups.stream().map(List::copyOf).toList();
    }
  }

  /** A decision, and the migrations it orders (queued, in the order they must run). */
  record DecisionMade(DecisionRecord decision, List<MigrationRecord> migrations) implements KnowledgeEvent {
    public DecisionMade {
      migrations = List.copyOf(migrations);
    }
  }

  record MigrationStarted(String migrationId, Instant at) implements KnowledgeEvent {}

  /** A migration ended; {@code migrationCalibration} is the migration model's calibration after it (observed against predicted time). */
  record MigrationEnded(String migrationId, MigrationRecord.Status status, ObservedMigration observed, String reason,
      CalibratedEstimator.Calibration migrationCalibration, Instant at) implements KnowledgeEvent {}
}
