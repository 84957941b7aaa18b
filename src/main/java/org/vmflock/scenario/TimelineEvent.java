package org.vmflock.scenario;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange;

/**
 * Something that happens to a site at an instant of a scenario's timeline (arrivals of applications
 * are on the applications: {@link Scenario.ScenarioApplication#arrives()}).
 */
public sealed interface TimelineEvent {

  /** When it happens (at or after the scenario's start). */
  Instant at();

  /** The site it happens to. */
  String site();

  /** The site's environment changes at {@code at}: a price, capacity, speed, availability, quota or link. */
  record SiteChange(Instant at, String site, EnvironmentChange change) implements TimelineEvent {

    /**
     * Site {@code s}'s prices after {@code start} as price changes at their instants (what
     * {@link org.vmflock.model.PriceSchedule#knownAt} leaves out): spot prices are not known in advance.
     */
    public static List<SiteChange> laterPrices(Site s, Instant start) {
      return s.hosting().stepsAfter(start).stream()
          .map(step -> new SiteChange(step.at(), s.name(), new EnvironmentChange.Price(step.size(), step.at(), step.pricePerVmHour())))
          .toList();
    }
  }

  /**
   * The site fails: announced at {@code at}, it stops being available at {@code endsAt} (after a
   * notice, as a spot instance's two minutes or a grid maintenance's announcement).
   */
  record SiteFailure(Instant at, String site, Instant endsAt) implements TimelineEvent {

    public SiteFailure {
      if (endsAt.isBefore(at)) {
        throw new IllegalArgumentException("site " + site + " fails at " + endsAt + ", before its announcement at " + at);
      }
    }

    /**
     * The change a site actor receives when the failure is announced: the site's availability
     * windows ({@code s}'s, or one from {@code start} if it had none) end at the failure at the latest.
     */
    public EnvironmentChange.Availability change(Site s, Instant start) {
      List<AvailabilityWindow> windows = new ArrayList<>();
      if (s.availability().isEmpty()) {
        windows.add(new AvailabilityWindow(start, endsAt));
      } else {
        for (AvailabilityWindow w : s.availability()) {
          if (w.from().isBefore(endsAt)) {
            windows.add(new AvailabilityWindow(w.from(), w.until().isBefore(endsAt) ? w.until() : endsAt));
          }
        }
      }
      return new EnvironmentChange.Availability(windows);
    }
  }
}
