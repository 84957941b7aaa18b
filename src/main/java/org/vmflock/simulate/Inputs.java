package org.vmflock.simulate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmflock.scenario.Scenario;

/** A scenario as the simulator's input. */
public final class Inputs {

  /** The loop's period when the scenario does not say. */
  public static final Duration DEFAULT_PERIOD = Duration.ofMinutes(5);

  private Inputs() {}

  public static Simulation.Input of(Scenario s) {
    List<Simulation.Arrival> arrivals = new ArrayList<>();
    for (Scenario.ScenarioApplication a : s.applications()) {
      arrivals.add(new Simulation.Arrival(s.start(), a.app(), a.placement().siteOfVm(), "custom"));
    }
    String name = s.source().getFileName().toString().replaceFirst("\\.conf$", "");
    return new Simulation.Input(name, s.start(), s.infra(), arrivals, List.of(), DEFAULT_PERIOD, Optional.empty());
  }
}
