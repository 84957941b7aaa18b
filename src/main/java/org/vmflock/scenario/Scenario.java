package org.vmflock.scenario;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Placement;
import org.vmflock.plan.AppSituation;
import org.vmflock.plan.PlanningProblem;

/**
 * A scenario file read (see {@link ScenarioFile}): the sites and links, the applications with where
 * their VMs run (nothing for those not placed yet), and the scenario's time zero.
 */
public record Scenario(Path source, Instant start, Infrastructure infra, List<ScenarioApplication> applications) {

  /** An application of the scenario and its current placement (empty: a new application). */
  public record ScenarioApplication(Application app, Placement placement) {}

  public Scenario {
    applications = List.copyOf(applications);
  }

  public Optional<ScenarioApplication> application(String name) {
    return applications.stream().filter(a -> a.app().name().equals(name)).findFirst();
  }

  /** The planning problem at the scenario's start, with no communication group known. */
  public PlanningProblem problem(Map<String, List<List<String>>> groupsByApp) {
    return PlanningProblem.of(infra, start, applications.stream()
        .map(a -> new AppSituation(a.app(), a.placement(), groupsByApp.getOrDefault(a.app().name(), List.of())))
        .toList());
  }

  public Scenario withApplication(ScenarioApplication replaced) {
    return new Scenario(source, start, infra, applications.stream()
        .map(a -> a.app().name().equals(replaced.app().name()) ? replaced : a).toList());
  }
}
