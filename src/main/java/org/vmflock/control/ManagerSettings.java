package org.vmflock.control;

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

/**
 * The {@code vmflock.manager} settings, with the planner's and the grouping's the loop uses.
 *
 * @param policy the name of the {@link Policy} the manager runs
 * @param markedChange a price fall or speed rise at least this large (a fraction) makes a site more attractive
 * @param snapshotEvery the manager snapshots its knowledge every so many events
 */
public record ManagerSettings(
    String policy,
    double markedChange,
    int snapshotEvery,
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
    GroupingSettings grouping,
    Optional<GroupDetector> detector) {

  public static ManagerSettings from(Config root) {
    try {
      Config c = root.getConfig("vmflock.manager");
      Config d = c.getConfig("default-link");
      PlannerConfig planning = PlannerConfig.from(root);
      String policy = c.getString("policy");
      Policy.validate("vmflock.manager.policy", java.util.List.of(policy));
      double marked = c.getDouble("marked-change");
      if (!(marked >= 0 && marked < 1)) {
        throw new InvalidInputException("vmflock.manager.marked-change", "a fraction in [0, 1), not " + marked);
      }
      GroupingSettings grouping = GroupingSettings.from(root);
      int snapshotEvery = c.getInt("snapshot-every");
      if (snapshotEvery < 1) {
        throw new InvalidInputException("vmflock.manager.snapshot-every", "at least 1, not " + snapshotEvery);
      }
      return new ManagerSettings(
          policy,
          marked,
          snapshotEvery,
          c.getInt("window-periods"),
          c.getDuration("debounce"),
          root.getDuration("vmflock.monitor.period"),
          c.getInt("max-migrations-per-link"),
          c.getInt("max-migrations-per-site"),
          c.getDuration("reservation-lease"),
          c.getDuration("site-timeout"),
          new SagaPolicy(c.getInt("max-failures-after-commit"), c.getInt("max-compensation-failures"), c.getDuration("retry-delay"),
              c.getDuration("step-timeout")),
          new ControlLoop.Settings(c.getInt("full-replan-every"), Units.bytesPerSecond(c.getString("slow-link")),
              Optional.of(new NetworkPath(d.getDuration("latency"), Units.bytesPerSecond(d.getString("bandwidth"))))),
          planning,
          grouping,
          ApplicationGroups.detector(planning.grouping(), grouping));
    } catch (ConfigException e) {
      throw new InvalidInputException(e.origin() != null ? e.origin().description() : "configuration", e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("vmflock.manager", e.getMessage());
    }
  }

  /** The same settings running another policy. */
  public ManagerSettings withPolicy(String name) {
    Policy.validate("--policy", java.util.List.of(name));
    return new ManagerSettings(name, markedChange, snapshotEvery, windowPeriods, debounce, period, maxPerLink, maxPerSite, reservationLease, siteTimeout,
        sagaPolicy, loop, planning, grouping, detector);
  }

  /** The same settings with {@code defaultLink} between sites that declare no link, if there is one (a scenario's). */
  public ManagerSettings withDefaultLink(Optional<NetworkPath> defaultLink) {
    if (defaultLink.isEmpty()) {
      return this;
    }
    ControlLoop.Settings l = new ControlLoop.Settings(loop.fullReplanEvery(), loop.slowLinkBytesPerSecond(), defaultLink);
    return new ManagerSettings(policy, markedChange, snapshotEvery, windowPeriods, debounce, period, maxPerLink, maxPerSite, reservationLease, siteTimeout,
        sagaPolicy, l, planning, grouping, detector);
  }

  public ControlLoop controlLoop() {
    return new ControlLoop(planning, detector, loop);
  }

  /** The policy these settings name. */
  public Policy newPolicy() {
    return Policy.of(policy, this);
  }
}
