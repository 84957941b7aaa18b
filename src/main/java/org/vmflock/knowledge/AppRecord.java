package org.vmflock.knowledge;

import java.time.Instant;
import java.util.Optional;
import org.vmflock.model.Application;

/**
 * What the manager knows of an application: its description (whose workload follows the observed
 * progress and traffic, and whose {@code spent} the hosting, transfers and migrations it has paid
 * for), its status, its latest observed pace (wall seconds per work second), and up to when its
 * spending has been counted.
 */
public record AppRecord(
    Application app,
    AppStatus status,
    Instant submittedAt,
    Optional<Instant> finishedAt,
    Optional<Double> observedSecondsPerWork,
    Optional<Instant> lastPlannedAt,
    Instant accruedUntil) {

  public AppRecord withApp(Application a) {
    return new AppRecord(a, status, submittedAt, finishedAt, observedSecondsPerWork, lastPlannedAt, accruedUntil);
  }

  public AppRecord withStatus(AppStatus s, Optional<Instant> finished) {
    return new AppRecord(app, s, submittedAt, finished, observedSecondsPerWork, lastPlannedAt, accruedUntil);
  }

  public AppRecord withPace(double secondsPerWork) {
    return new AppRecord(app, status, submittedAt, finishedAt, Optional.of(secondsPerWork), lastPlannedAt, accruedUntil);
  }

  public AppRecord plannedAt(Instant at) {
    return new AppRecord(app, status, submittedAt, finishedAt, observedSecondsPerWork, Optional.of(at), accruedUntil);
  }

  /** {@code more} spent, counted up to {@code until}. */
  public AppRecord accrued(double more, Instant until) {
    Instant next = until.isAfter(accruedUntil) ? until : accruedUntil;
    return new AppRecord(more == 0 ? app : app.withSpent(app.spent() + more), status, submittedAt, finishedAt, observedSecondsPerWork,
        lastPlannedAt, next);
  }
}
