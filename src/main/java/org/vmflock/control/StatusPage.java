package org.vmflock.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.CborSerializable;
import org.vmflock.execute.StepProgress;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Capacity;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;
import org.vmflock.site.SiteEnvironment;

/**
 * The manager's status as a {@link StatusQuery} asked for it: a bounded read model of its
 * knowledge, built on the manager's own thread and sent as it is (to the HTTP endpoint, which may
 * run on another node). Never the whole knowledge.
 */
public record StatusPage(
    Instant at,
    long cycles,
    Totals totals,
    List<SiteLine> sites,
    List<AppLine> applications,
    Optional<Integer> nextOffset,
    List<MigrationLine> inFlight,
    List<MigrationLine> ended,
    List<DecisionLine> decisions,
    double migrationsObservedOverPredicted,
    int migrationObservations) implements CborSerializable {

  /** How much there is, whatever the page shows. */
  public record Totals(int applications, int running, int finished, int vms, int migrationsInFlight, long decisions) implements CborSerializable {}

  public record SiteLine(String name, Capacity capacity, Capacity used, double cpuSpeed, SortedMap<String, Double> pricePerVmHour,
      double transferPricePerGb, Optional<Instant> availableUntil, Optional<Integer> quotaVms, int vms, SortedMap<String, Link> links)
      implements CborSerializable {}

  public record Link(double latencyMs, double bytesPerSecond) implements CborSerializable {}

  /** An application: where each of its VMs runs, and its communication groups. */
  public record AppLine(String name, AppStatus status, String objective, double doneWork, double totalWork, Optional<Double> secondsPerWork,
      Optional<Instant> deadline, Optional<Double> budget, double spent, SortedMap<String, String> placement, List<List<String>> groups)
      implements CborSerializable {}

  /**
   * VMs (placements and group members) a page shows at most: beyond, the page ends early and says
   * where the next one starts. Keeps a page well under 64 KiB, however large the applications.
   */
  public static final int VMS_PER_PAGE = 800;

  public record MigrationLine(String id, String application, String vm, String from, String to, MigrationRecord.Status status, long decision,
      double predictedSeconds, double predictedDowntimeSeconds, Optional<Instant> startedAt, Optional<Instant> endedAt,
      Optional<Double> observedSeconds, Optional<Double> observedDowntimeSeconds, Optional<StepProgress> progress, String reason)
      implements CborSerializable {}

  public record DecisionLine(long id, Instant at, String application, String kind, String reason, String outcome, Optional<String> audit,
      Optional<String> result, List<String> migrations) implements CborSerializable {}

  /** The page {@code q} asks for, of knowledge {@code k} at {@code at}. */
  public static StatusPage of(Knowledge k, StatusQuery q, Instant at) {
    SortedMap<String, Capacity> used = k.usedBySite();
    Map<String, Integer> vmsAt = new TreeMap<>();
    k.placement().values().forEach(s -> vmsAt.merge(s, 1, Integer::sum));
    List<SiteLine> sites = new ArrayList<>();
    for (SiteEnvironment env : k.sites().values()) {
      if (env.site().isEmpty()) {
        continue;
      }
      Site s = env.site().get();
      TreeMap<String, Double> prices = new TreeMap<>();
      s.hosting().prices().keySet().forEach(size -> prices.put(size, s.hosting().pricePerVmHour(size, at)));
      TreeMap<String, Link> links = new TreeMap<>();
      env.links().forEach((to, p) -> links.put(to, link(p)));
      sites.add(new SiteLine(s.name(), s.capacity(), used.getOrDefault(s.name(), Capacity.ZERO), s.cpuSpeed(), prices, s.transferPricePerGb(),
          s.availableUntil(at), env.quota(), vmsAt.getOrDefault(s.name(), 0), links));
    }
    List<AppLine> apps = new ArrayList<>();
    Optional<Integer> next = Optional.empty();
    if (q.application().isPresent()) {
      AppRecord a = k.applications().get(q.application().get());
      if (a != null) {
        apps.add(line(k, a));
      }
    } else {
      int shown = 0;
      int index = 0;
      for (AppRecord a : k.applications().values()) {
        if (index++ < q.offset()) {
          continue;
        }
        int vms = a.app().vms().size() * 2;
        if (apps.size() == q.limit() || (!apps.isEmpty() && shown + vms > VMS_PER_PAGE)) {
          next = Optional.of(index - 1);
          break;
        }
        apps.add(line(k, a));
        shown += vms;
      }
    }
    List<MigrationLine> inFlight = k.migrations().values().stream()
        .filter(m -> q.application().map(n -> n.equals(m.order().application())).orElse(true))
        .skip(q.offset()).limit(q.limit()).map(m -> migration(m, Optional.ofNullable(k.migrationProgress().get(m.id())))).toList();
    List<MigrationRecord> history = k.history().stream()
        .filter(m -> q.application().map(n -> n.equals(m.order().application())).orElse(true)).toList();
    List<MigrationLine> ended = history.subList(Math.max(0, history.size() - q.recent()), history.size()).stream()
        .map(m -> migration(m, Optional.empty())).toList();
    List<DecisionRecord> ds = k.decisions().stream()
        .filter(d -> q.application().map(n -> n.equals(d.application())).orElse(true)).toList();
    List<DecisionLine> decisions = ds.subList(Math.max(0, ds.size() - q.recent()), ds.size()).stream()
        .map(StatusPage::decision).toList();
    int running = (int) k.applications().values().stream().filter(a -> a.status() == AppStatus.RUNNING).count();
    int finished = (int) k.applications().values().stream().filter(a -> a.status() == AppStatus.FINISHED).count();
    Totals totals = new Totals(k.applications().size(), running, finished, k.placement().size(), k.migrations().size(), k.nextDecision() - 1);
    return new StatusPage(at, k.cycles(), totals, sites, apps, next, inFlight, ended, decisions, k.migrationCalibration().factor(),
        k.migrationCalibration().observations());
  }

  /**
   * The sites as this page shows them, enough to check an event against (their names, capacity,
   * speed and today's prices; no price history, no availability, no links).
   */
  public org.vmflock.model.Infrastructure infrastructure() {
    List<Site> list = sites.stream().map(l -> new Site(l.name(), l.capacity(), l.cpuSpeed(), new org.vmflock.model.PriceSchedule(
        l.pricePerVmHour().entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> Map.of(at, e.getValue())))),
        l.transferPricePerGb(), Map.of(), new NetworkPath(java.time.Duration.ZERO, Double.MAX_VALUE), List.of())).toList();
    return new org.vmflock.model.Infrastructure(list, List.of(), Optional.of(new NetworkPath(java.time.Duration.ZERO, Double.MAX_VALUE)));
  }

  private static Link link(NetworkPath p) {
    return new Link(p.latencySeconds() * 1000, p.bytesPerSecond());
  }

  private static AppLine line(Knowledge k, AppRecord a) {
    return new AppLine(a.app().name(), a.status(), a.app().objective().toString(), a.app().workload().doneWork(), a.app().workload().totalWork(),
        a.observedSecondsPerWork(), a.app().deadline(), a.app().budget(), a.app().spent(), new TreeMap<>(k.placementOf(a.app().name()).siteOfVm()),
        k.groups().getOrDefault(a.app().name(), List.of()));
  }

  public static DecisionLine decision(DecisionRecord d) {
    return new DecisionLine(d.id(), d.at(), d.application(), d.kind().label(), d.reason(), d.outcome().name().toLowerCase(java.util.Locale.ROOT),
        d.audit().map(x -> x.describe()), d.result().map(x -> x.describe()), d.migrations());
  }

  public static MigrationLine migration(MigrationRecord m, Optional<StepProgress> progress) {
    return new MigrationLine(m.id(), m.order().application(), m.order().vm(), m.order().from(), m.order().to(), m.status(), m.decisionId(),
        m.order().predicted().totalSeconds(), m.order().predicted().downtimeSeconds(), m.startedAt(), m.endedAt(),
        m.observed().map(o -> o.totalSeconds()), m.observed().map(o -> o.downtimeSeconds()), progress, m.reason());
  }
}
