package org.vmflock.knowledge;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.CborSerializable;
import org.vmflock.knowledge.KnowledgeEvent.ApplicationFinished;
import org.vmflock.knowledge.KnowledgeEvent.ApplicationPlaced;
import org.vmflock.knowledge.KnowledgeEvent.ApplicationSubmitted;
import org.vmflock.knowledge.KnowledgeEvent.DecisionMade;
import org.vmflock.knowledge.KnowledgeEvent.EnvironmentSeen;
import org.vmflock.knowledge.KnowledgeEvent.GroupsFound;
import org.vmflock.knowledge.KnowledgeEvent.MigrationEnded;
import org.vmflock.knowledge.KnowledgeEvent.MigrationStarted;
import org.vmflock.knowledge.KnowledgeEvent.ProgressObserved;
import org.vmflock.knowledge.KnowledgeEvent.TrafficObserved;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.site.SiteEnvironment;

/**
 * What the migration manager knows (K1): each site's environment, the applications, where every
 * VM runs, the communication groups, the decisions with their predictions and outcomes, the
 * migrations in flight, and the estimator's calibration per application. Immutable; {@link #apply}
 * is a pure function of the events, so a new singleton rebuilds exactly this after a failover.
 */
public record Knowledge(
    SortedMap<String, SiteEnvironment> sites,
    SortedMap<String, Instant> siteChangedAt,
    SortedMap<String, Instant> siteImprovedAt,
    SortedMap<String, AppRecord> applications,
    SortedMap<String, String> placement,
    SortedMap<String, List<List<String>>> groups,
    List<DecisionRecord> decisions,
    SortedMap<String, MigrationRecord> migrations,
    List<MigrationRecord> history,
    SortedMap<String, Instant> lastMigrated,
    SortedMap<String, CalibratedEstimator.Calibration> calibration,
    long nextDecision,
    long version,
    SortedMap<String, Long> siteChangedVersion,
    SortedMap<String, Long> siteImprovedVersion,
    SortedMap<String, Long> plannedVersion) implements CborSerializable {

  /** Decisions and ended migrations kept for the status page and audits. */
  public static final int KEPT = 500;

  public Knowledge {
    sites = Collections.unmodifiableSortedMap(new TreeMap<>(sites));
    siteChangedAt = Collections.unmodifiableSortedMap(new TreeMap<>(siteChangedAt));
    siteImprovedAt = Collections.unmodifiableSortedMap(new TreeMap<>(siteImprovedAt));
    applications = Collections.unmodifiableSortedMap(new TreeMap<>(applications));
    placement = Collections.unmodifiableSortedMap(new TreeMap<>(placement));
    groups = Collections.unmodifiableSortedMap(new TreeMap<>(groups));
    decisions = List.copyOf(decisions);
    migrations = Collections.unmodifiableSortedMap(new TreeMap<>(migrations));
    history = List.copyOf(history);
    lastMigrated = Collections.unmodifiableSortedMap(new TreeMap<>(lastMigrated));
    calibration = Collections.unmodifiableSortedMap(new TreeMap<>(calibration));
    siteChangedVersion = Collections.unmodifiableSortedMap(new TreeMap<>(siteChangedVersion));
    siteImprovedVersion = Collections.unmodifiableSortedMap(new TreeMap<>(siteImprovedVersion));
    plannedVersion = Collections.unmodifiableSortedMap(new TreeMap<>(plannedVersion));
  }

  public static Knowledge empty() {
    return new Knowledge(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), List.of(), new TreeMap<>(),
        List.of(), new TreeMap<>(), new TreeMap<>(), 1, 0, new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
  }

  // ------------------------------------------------------------------ views

  /** The defined sites and the links they declare; pairs no link names use {@code defaultLink}. */
  public Infrastructure infrastructure(Optional<NetworkPath> defaultLink) {
    // a quota caps how many of our VMs the site takes: for the planner, that many slots at most
    List<Site> list = sites.values().stream().flatMap(e -> e.site().map(s -> e.quota()
        .map(q -> s.withCapacity(new Capacity(Math.min(q, s.capacity().slots()), s.capacity().cores(), s.capacity().memoryBytes())))
        .orElse(s)).stream()).toList();
    List<Link> links = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (SiteEnvironment e : sites.values()) {
      if (e.site().isEmpty()) {
        continue;
      }
      e.links().forEach((to, path) -> {
        String key = e.name().compareTo(to) < 0 ? e.name() + "|" + to : to + "|" + e.name();
        if (sites.containsKey(to) && sites.get(to).defined() && seen.add(key)) {
          links.add(new Link(e.name(), to, path));
        }
      });
    }
    return new Infrastructure(list, links, defaultLink);
  }

  /** Where the application's VMs run (none for a new one). */
  public Placement placementOf(String application) {
    AppRecord a = applications.get(application);
    TreeMap<String, String> m = new TreeMap<>();
    if (a != null) {
      a.app().vmNames().forEach(vm -> {
        String s = placement.get(vm);
        if (s != null) {
          m.put(vm, s);
        }
      });
    }
    return new Placement(m);
  }

  /** Whether one of the application's migrations is queued or running. */
  public boolean migrating(String application) {
    return migrations.values().stream().anyMatch(m -> m.order().application().equals(application));
  }

  public Optional<DecisionRecord> decision(long id) {
    return decisions.stream().filter(d -> d.id() == id).findFirst();
  }

  // ------------------------------------------------------------------ events

  public Knowledge apply(KnowledgeEvent event) {
    Builder b = new Builder(this);
    b.version++;
    if (event instanceof EnvironmentSeen e) {
      SiteEnvironment before = b.sites.put(e.environment().name(), e.environment());
      // the VMs placed and reserved there are bookkeeping, not a change of the site's environment
      if (before == null || !before.site().equals(e.environment().site()) || !before.links().equals(e.environment().links())
          || !before.quota().equals(e.environment().quota())) {
        b.siteChangedAt.put(e.environment().name(), e.at());
        b.siteChangedVersion.put(e.environment().name(), b.version);
      }
      if (SiteChanges.improved(before, e.environment(), e.at())) {
        b.siteImprovedAt.put(e.environment().name(), e.at());
        b.siteImprovedVersion.put(e.environment().name(), b.version);
      }
    } else if (event instanceof ApplicationSubmitted e) {
      b.applications.put(e.app().name(), new AppRecord(e.app(), AppStatus.SUBMITTED, e.at(), Optional.empty(), Optional.empty(), Optional.empty()));
    } else if (event instanceof ApplicationPlaced e) {
      b.placement.putAll(e.siteOfVm());
      b.applications.computeIfPresent(e.application(), (k, a) -> a.withStatus(AppStatus.RUNNING, Optional.empty()).plannedAt(e.at()));
      b.plannedVersion.put(e.application(), b.version);
    } else if (event instanceof ProgressObserved e) {
      b.applications.computeIfPresent(e.application(),
          (k, a) -> a.withApp(a.app().withWorkload(a.app().workload().withDone(e.done()))).withPace(e.secondsPerWork()));
      b.calibration.put(e.application(), e.calibration());
    } else if (event instanceof TrafficObserved e) {
      b.applications.computeIfPresent(e.application(), (k, a) -> a.withApp(a.app().withWorkload(a.app().workload().withTraffic(e.perWork()))));
    } else if (event instanceof ApplicationFinished e) {
      AppRecord a = b.applications.get(e.application());
      if (a != null) {
        b.applications.put(e.application(), a.withStatus(AppStatus.FINISHED, Optional.of(e.at())));
        a.app().vmNames().forEach(b.placement::remove);
      }
    } else if (event instanceof GroupsFound e) {
      b.groups.put(e.application(), e.groups());
    } else if (event instanceof DecisionMade e) {
      b.decisions.add(e.decision());
      e.migrations().forEach(m -> b.migrations.put(m.order().migrationId(), m));
      b.applications.computeIfPresent(e.decision().application(), (k, a) -> a.plannedAt(e.decision().at()));
      b.plannedVersion.put(e.decision().application(), b.version);
      b.nextDecision = Math.max(b.nextDecision, e.decision().id() + 1);
    } else if (event instanceof MigrationStarted e) {
      b.migrations.computeIfPresent(e.migrationId(), (k, m) -> m.started(e.at()));
    } else if (event instanceof MigrationEnded e) {
      MigrationRecord m = b.migrations.remove(e.migrationId());
      if (m != null) {
        MigrationRecord ended = m.ended(e.status(), e.at(), e.observed(), e.reason());
        b.history.add(ended);
        if (e.status() == MigrationRecord.Status.COMPLETED) {
          b.placement.put(m.order().vm(), m.order().to());
          b.lastMigrated.put(m.order().vm(), e.at());
        }
        b.concludeDecision(ended);
      }
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
    return b.build();
  }

  /** A mutable copy used by {@link #apply} only. */
  private static final class Builder {
    final TreeMap<String, SiteEnvironment> sites;
    final TreeMap<String, Instant> siteChangedAt;
    final TreeMap<String, Instant> siteImprovedAt;
    final TreeMap<String, AppRecord> applications;
    final TreeMap<String, String> placement;
    final TreeMap<String, List<List<String>>> groups;
    final List<DecisionRecord> decisions;
    final TreeMap<String, MigrationRecord> migrations;
    final List<MigrationRecord> history;
    final TreeMap<String, Instant> lastMigrated;
    final TreeMap<String, CalibratedEstimator.Calibration> calibration;
    long nextDecision;
    long version;
    final TreeMap<String, Long> siteChangedVersion;
    final TreeMap<String, Long> siteImprovedVersion;
    final TreeMap<String, Long> plannedVersion;

    Builder(Knowledge k) {
      sites = new TreeMap<>(k.sites);
      siteChangedAt = new TreeMap<>(k.siteChangedAt);
      siteImprovedAt = new TreeMap<>(k.siteImprovedAt);
      applications = new TreeMap<>(k.applications);
      placement = new TreeMap<>(k.placement);
      groups = new TreeMap<>(k.groups);
      decisions = new ArrayList<>(k.decisions);
      migrations = new TreeMap<>(k.migrations);
      history = new ArrayList<>(k.history);
      lastMigrated = new TreeMap<>(k.lastMigrated);
      calibration = new TreeMap<>(k.calibration);
      nextDecision = k.nextDecision;
      version = k.version;
      siteChangedVersion = new TreeMap<>(k.siteChangedVersion);
      siteImprovedVersion = new TreeMap<>(k.siteImprovedVersion);
      plannedVersion = new TreeMap<>(k.plannedVersion);
    }

    /** Once every migration of its decision ended, the decision's outcome and audit. */
    void concludeDecision(MigrationRecord ended) {
      for (int i = 0; i < decisions.size(); i++) {
        DecisionRecord d = decisions.get(i);
        if (d.id() != ended.decisionId()) {
          continue;
        }
        boolean open = migrations.values().stream().anyMatch(m -> m.decisionId() == d.id());
        if (open) {
          return;
        }
        List<MigrationRecord> all = history.stream().filter(m -> m.decisionId() == d.id()).toList();
        long completed = all.stream().filter(m -> m.status() == MigrationRecord.Status.COMPLETED).count();
        DecisionRecord.Outcome o = completed == all.size() ? DecisionRecord.Outcome.APPLIED
            : completed == 0 ? DecisionRecord.Outcome.ROLLED_BACK : DecisionRecord.Outcome.PARTIAL;
        decisions.set(i, d.concluded(o, audit(all)));
        return;
      }
    }

    /** Predicted against observed migration time, downtime and bytes, summed over the decision. */
    static String audit(List<MigrationRecord> all) {
      double pt = 0, ot = 0, pd = 0, od = 0, pb = 0, ob = 0;
      for (MigrationRecord m : all) {
        pt += m.order().predicted().totalSeconds();
        pd += m.order().predicted().downtimeSeconds();
        pb += m.order().predicted().bytesMoved();
        if (m.observed().isPresent()) {
          ot += m.observed().get().totalSeconds();
          od += m.observed().get().downtimeSeconds();
          ob += m.observed().get().bytesMoved();
        }
      }
      return String.format(java.util.Locale.ROOT,
          "%d migration(s): time predicted %.1f s, observed %.1f s; downtime predicted %.0f ms, observed %.0f ms; %.0f MB predicted, %.0f MB moved",
          all.size(), pt, ot, pd * 1000, od * 1000, pb / 1e6, ob / 1e6);
    }

    Knowledge build() {
      List<DecisionRecord> d = decisions.size() > KEPT ? decisions.subList(decisions.size() - KEPT, decisions.size()) : decisions;
      List<MigrationRecord> h = history.size() > KEPT ? history.subList(history.size() - KEPT, history.size()) : history;
      return new Knowledge(sites, siteChangedAt, siteImprovedAt, applications, placement, groups, d, migrations, h, lastMigrated, calibration,
          nextDecision, version, siteChangedVersion, siteImprovedVersion, plannedVersion);
    }
  }

}
