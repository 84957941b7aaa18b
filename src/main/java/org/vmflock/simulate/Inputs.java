package org.vmflock.simulate;

import java.util.List;
import org.vmflock.model.Infrastructure;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.site.EnvironmentChange;

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
        .map(a -> new Simulation.Arrival(a.arrival(s.start()), a.app(), a.placement().siteOfVm(), a.profile(), a.announced()))
        .toList();
    String name = s.source().getFileName().toString().replaceFirst("\\.conf$", "");
    return new Simulation.Input(name, s.start(), s.infra(), arrivals, s.timeline(), s.simulation().period(), s.simulation().end(),
        s.currency());
  }

  /**
   * The sites whose hosting price is 0 throughout, for every size (a grid site, free to its users):
   * every price of their schedule is 0 and no price change of {@code timeline} makes one positive.
   * In {@code infra}'s order.
   */
  public static List<String> freeSites(Infrastructure infra, List<TimelineEvent> timeline) {
    return infra.sites().stream()
        .filter(site -> site.hosting().prices().values().stream().allMatch(bySize -> bySize.values().stream().allMatch(p -> p == 0)))
        .filter(site -> timeline.stream().noneMatch(e -> e.site().equals(site.name())
            && e instanceof TimelineEvent.SiteChange c && c.change() instanceof EnvironmentChange.Price p && p.pricePerVmHour() != 0))
        .map(org.vmflock.model.Site::name)
        .toList();
  }
}
