package org.vmflock.knowledge;

import java.time.Instant;
import java.util.Optional;
import org.vmflock.model.Application;

/**
 * What the manager knows of an application: its description (whose workload follows the observed
 * progress and traffic), its status, and its latest observed pace (wall seconds per work second).
 */
public record AppRecord(
    Application app,
    AppStatus status,
    Instant submittedAt,
    Optional<Instant> finishedAt,
    Optional<Double> observedSecondsPerWork,
    Optional<Instant> lastPlannedAt) {

  public AppRecord withApp(Application a) {
    return new AppRecord(a, status, submittedAt, finishedAt, observedSecondsPerWork, lastPlannedAt);
  }

  public AppRecord withStatus(AppStatus s, Optional<Instant> finished) {
    return new AppRecord(app, s, submittedAt, finished, observedSecondsPerWork, lastPlannedAt);
  }

  public AppRecord withPace(double secondsPerWork) {
    return new AppRecord(app, status, submittedAt, finishedAt, Optional.of(secondsPerWork), lastPlannedAt);
  }

  public AppRecord plannedAt(Instant at) {
    return new AppRecord(app, status, submittedAt, finishedAt, observedSecondsPerWork, Optional.of(at));
  }
}
