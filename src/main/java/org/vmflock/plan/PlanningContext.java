package org.vmflock.plan;

import java.time.Instant;
import java.util.Arrays;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;

/**
 * Everything a placement is evaluated against: the sites and links, the time, the models, the
 * other applications' share of the links, and the capacity left on each site for this application
 * (indexed like {@code infra.sites()}).
 */
public record PlanningContext(
    Infrastructure infra,
    Instant now,
    ExecutionTimeEstimator estimator,
    MigrationTimeEstimator migrations,
    LinkShare share,
    Capacity[] free,
    int maxForcedMoves) {

  public PlanningContext {
    if (free.length != infra.sites().size()) {
      throw new IllegalArgumentException("free capacity for " + free.length + " sites, not " + infra.sites().size());
    }
    free = free.clone();
  }

  /** No other application anywhere: each site's whole capacity is free. */
  public static PlanningContext alone(Infrastructure infra, Instant now, ExecutionTimeEstimator estimator, MigrationTimeEstimator migrations) {
    Capacity[] free = infra.sites().stream().map(s -> s.capacity()).toArray(Capacity[]::new);
    return new PlanningContext(infra, now, estimator, migrations, LinkShare.none(free.length), free, 3);
  }

  /** The same context with only {@code room} left at {@code site} for this application. */
  public PlanningContext withRoomAt(String site, Capacity room) {
    Capacity[] f = free.clone();
    f[infra.indexOf(site)] = room;
    return new PlanningContext(infra, now, estimator, migrations, share, f, maxForcedMoves);
  }

  public Capacity free(int site) {
    return free[site];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PlanningContext c && c.infra == infra && c.now.equals(now) && Arrays.equals(c.free, free);
  }

  @Override
  public int hashCode() {
    return now.hashCode() * 31 + Arrays.hashCode(free);
  }
}
