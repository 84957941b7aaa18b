package org.vmflock.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;

/**
 * What a user should see of a scenario before running it: each application's work and how long
 * that is at its sites' speed (a profile's default work may be a few seconds: cg.B.16's is 24 s),
 * and warnings for what cannot matter: a timeline event after every application would have
 * finished, or after the simulation's end.
 */
public final class ScenarioReview {

  private ScenarioReview() {}

  /** The scenario's applications, one line each: profile, VMs, work (and whether the profile's default), where and when. */
  public static List<String> applications(Scenario s, ProfileCatalog catalog) {
    List<String> lines = new ArrayList<>();
    for (Scenario.ScenarioApplication a : s.applications()) {
      double work = a.app().workload().remainingWork();
      boolean byDefault = catalog.lookup(a.profile()).map(p -> p.defaultWorkSeconds() == work).orElse(false);
      TreeSet<String> sites = new TreeSet<>();
      for (Vm vm : a.app().vms()) {
        a.placement().siteOf(vm.name()).ifPresent(sites::add);
      }
      String where = sites.isEmpty() ? "placed by the manager on arrival" : "on " + String.join(", ", sites);
      String speedNote = "";
      if (!sites.isEmpty()) {
        double speed = sites.stream().map(n -> s.infra().site(n)).flatMap(Optional::stream).mapToDouble(Site::cpuSpeed).min().orElse(1);
        speedNote = ", about " + human(work / speed) + " there";
      }
      String when = a.arrives().filter(t -> t.isAfter(s.start())).map(t -> ", arrives " + t).orElse("");
      lines.add(String.format(Locale.ROOT, "%s: %s, %d VM(s), work %s%s%s; %s%s", a.app().name(), a.profile(), a.app().vms().size(),
          human(work), byDefault ? " (the profile's default)" : "", speedNote, where, when));
    }
    return lines;
  }

  /** Timeline events that cannot matter: after every application would have finished even at the slowest CPU, or after the simulation's end. */
  public static List<String> warnings(Scenario s) {
    List<String> warnings = new ArrayList<>();
    Optional<Instant> end = s.simulation().end();
    double slowest = s.infra().sites().stream().mapToDouble(Site::cpuSpeed).min().orElse(1);
    Instant allDone = s.start();
    for (Scenario.ScenarioApplication a : s.applications()) {
      Instant arrives = a.arrives().filter(t -> t.isAfter(s.start())).orElse(s.start());
      Instant done = arrives.plus(Duration.ofMillis((long) Math.min(Long.MAX_VALUE / 4, a.app().workload().remainingWork() / slowest * 1000)));
      allDone = done.isAfter(allDone) ? done : allDone;
    }
    int i = 0;
    for (TimelineEvent e : s.timeline()) {
      String what = "timeline event " + i + " (" + describe(e) + ")";
      if (end.isPresent() && e.at().isAfter(end.get())) {
        warnings.add(what + " comes after the simulation's end (" + end.get() + "): it never happens");
      } else if (!s.applications().isEmpty() && e.at().isAfter(allDone)) {
        warnings.add(what + " comes after every application would have finished, even at the slowest CPU speed (" + allDone
            + "): it changes nothing");
      }
      i++;
    }
    return warnings;
  }

  private static String describe(TimelineEvent e) {
    if (e instanceof TimelineEvent.SiteChange c) {
      return c.change().getClass().getSimpleName().toLowerCase(Locale.ROOT) + " at " + c.site() + ", " + c.at();
    }
    if (e instanceof TimelineEvent.SiteFailure f) {
      return "failure of " + f.site() + ", " + f.at();
    }
    return e.getClass().getSimpleName() + ", " + e.at();
  }

  /** Seconds as a person reads them: 24 s, 12.5 min, 3.2 h, 4.1 days. */
  static String human(double seconds) {
    if (seconds < 120) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 2 * 3600) {
      return String.format(Locale.ROOT, "%.1f min", seconds / 60);
    }
    if (seconds < 2 * 86400) {
      return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
    return String.format(Locale.ROOT, "%.1f days", seconds / 86400);
  }
}
