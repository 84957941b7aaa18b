package org.vmflock.plan;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;

/**
 * What the planner is asked: the applications to (re)place, the capacity other VMs take on each
 * site, and when each VM last migrated (for the cool-down).
 */
public record PlanningProblem(
    Infrastructure infra,
    Instant now,
    List<AppSituation> apps,
    Map<String, Capacity> reserved,
    Map<String, Instant> lastMigrated) {

  public PlanningProblem {
    apps = List.copyOf(apps);
    reserved = Map.copyOf(reserved);
    lastMigrated = Map.copyOf(lastMigrated);
  }

  public static PlanningProblem of(Infrastructure infra, Instant now, List<AppSituation> apps) {
    return new PlanningProblem(infra, now, apps, Map.of(), Map.of());
  }
}
