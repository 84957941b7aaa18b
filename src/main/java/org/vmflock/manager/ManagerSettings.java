package org.vmflock.manager;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Optional;
import org.vmflock.analyze.ApplicationGroups;
import org.vmflock.analyze.GroupDetector;
import org.vmflock.analyze.GroupingSettings;
import org.vmflock.execute.SagaPolicy;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.NetworkPath;
import org.vmflock.plan.PlannerConfig;
import org.vmflock.scenario.Units;

/** The {@code vmflock.manager} settings, with the planner's and the grouping's the loop uses. */
public record ManagerSettings(
    int windowPeriods,
    Duration debounce,
    Duration period,
    int maxPerLink,
    int maxPerSite,
    Duration reservationLease,
    Duration siteTimeout,
    SagaPolicy sagaPolicy,
    ControlLoop.Settings loop,
    PlannerConfig planning,
    Optional<GroupDetector> detector) {

  public static ManagerSettings from(Config root) {
    try {
      Config c = root.getConfig("vmflock.manager");
      Config d = c.getConfig("default-link");
      PlannerConfig planning = PlannerConfig.from(root);
      return new ManagerSettings(
          c.getInt("window-periods"),
          c.getDuration("debounce"),
          root.getDuration("vmflock.monitor.period"),
          c.getInt("max-migrations-per-link"),
          c.getInt("max-migrations-per-site"),
          c.getDuration("reservation-lease"),
          c.getDuration("site-timeout"),
          new SagaPolicy(c.getInt("max-failures-after-commit"), c.getInt("max-compensation-failures"), c.getDuration("retry-delay")),
          new ControlLoop.Settings(c.getInt("full-replan-every"), Units.bytesPerSecond(c.getString("slow-link")),
              Optional.of(new NetworkPath(d.getDuration("latency"), Units.bytesPerSecond(d.getString("bandwidth"))))),
          planning,
          ApplicationGroups.detector(planning.grouping(), GroupingSettings.from(root)));
    } catch (ConfigException e) {
      throw new InvalidInputException(e.origin() != null ? e.origin().description() : "configuration", e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("vmflock.manager", e.getMessage());
    }
  }

  public ControlLoop controlLoop() {
    return new ControlLoop(planning, detector, loop);
  }
}
