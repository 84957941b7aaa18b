package org.vmflock.simulate;

import java.util.List;
import org.vmflock.scenario.Scenario;

/** A scenario as the simulator's input. */
public final class Inputs {

  private Inputs() {}

  /**
   * The simulator's input for scenario {@code s}: its sites and links, each application submitted
   * when it arrives (on its placement if it runs already), the timeline, the loop's period and the
   * horizon the scenario gives.
   */
  public static Simulation.Input of(Scenario s) {
    List<Simulation.Arrival> arrivals = s.applications().stream()
        .map(a -> new Simulation.Arrival(a.arrival(s.start()), a.app(), a.placement().siteOfVm(), a.profile()))
        .toList();
    String name = s.source().getFileName().toString().replaceFirst("\\.conf$", "");
    return new Simulation.Input(name, s.start(), s.infra(), arrivals, s.timeline(), s.simulation().period(), s.simulation().end());
  }
}
