package org.vmflock.knowledge;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.CborSerializable;
import org.vmflock.execute.StepProgress;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.knowledge.KnowledgeEvent.ApplicationFinished;
import org.vmflock.knowledge.KnowledgeEvent.ApplicationPlaced;
import org.vmflock.knowledge.KnowledgeEvent.ApplicationSubmitted;
import org.vmflock.knowledge.KnowledgeEvent.DecisionMade;
import org.vmflock.knowledge.KnowledgeEvent.CycleCompleted;
import org.vmflock.knowledge.KnowledgeEvent.EnvironmentSeen;
import org.vmflock.knowledge.KnowledgeEvent.MigrationProgressed;
import org.vmflock.knowledge.KnowledgeEvent.SiteCaughtUp;
import org.vmflock.knowledge.KnowledgeEvent.SiteChanged;
import org.vmflock.knowledge.KnowledgeEvent.GroupsFound;
import org.vmflock.knowledge.KnowledgeEvent.MigrationEnded;
import org.vmflock.knowledge.KnowledgeEvent.MigrationStarted;
import org.vmflock.knowledge.KnowledgeEvent.ProgressObserved;
import org.vmflock.knowledge.KnowledgeEvent.TrafficObserved;
import org.vmflock.model.Capacity;
import org.vmflock.model.Charges;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Objective;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.site.SiteEnvironment;
import org.pcollections.TreePMap;

/**
 * What the migration manager knows (K1): each site's environment, the applications, where every
 * VM runs, the communication groups, the decisions with their predictions and outcomes, the
 * migrations in flight, the estimator's calibration per application, and the migration model's
 * calibration (observed against predicted migration time, all migrations). Immutable; {@link #apply}
 * is a pure function of the events that applies facts only (no setting is read), so a new
 * singleton, or a later release, rebuilds exactly this from the journal. What the sites have
 * taken on (their books) is not held here: where the manager's own VMs run and its migrations in
 * flight say it ({@link #usedBySite}).
 */
public record Knowledge(
    SortedMap<String, SiteEnvironment> sites,
    SortedMap<String, Long> siteChanges,
    SortedMap<String, AppRecord> applications,
    SortedMap<String, String> placement,
    SortedMap<String, List<List<String>>> groups,
    List<DecisionRecord> decisions,
    SortedMap<String, MigrationRecord> migrations,
    SortedMap<String, StepProgress> migrationProgress,
    List<MigrationRecord> history,
    SortedMap<String, Instant> lastMigrated,
    SortedMap<String, CalibratedEstimator.Calibration> calibration,
    CalibratedEstimator.Calibration migrationCalibration,
    long nextDecision,
    long version,
    long cycles,
    SortedMap<String, Long> siteChangedVersion,
    SortedMap<String, Long> siteImprovedVersion,
    SortedMap<String, Long> plannedVersion) implements CborSerializable {

  /** Decisions and ended migrations kept for the status page and audits. */
  public static final int KEPT = 500;

  public Knowledge {
    sites = frozen(sites);
    siteChanges = frozen(siteChanges);
    applications = frozen(applications);
    placement = frozen(placement);
    groups = frozen(groups);
    decisions = List.copyOf(decisions);
    migrations = frozen(migrations);
    migrationProgress = frozen(migrationProgress);
    history = List.copyOf(history);
    lastMigrated = frozen(lastMigrated);
    calibration = frozen(calibration);
    siteChangedVersion = frozen(siteChangedVersion);
    siteImprovedVersion = frozen(siteImprovedVersion);
    plannedVersion = frozen(plannedVersion);
  }

  public static Knowledge empty() {
    return new Knowledge(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), List.of(), new TreeMap<>(),
        new TreeMap<>(), List.of(), new TreeMap<>(), new TreeMap<>(), CalibratedEstimator.Calibration.NONE, 1, 0, 0, new TreeMap<>(),
        new TreeMap<>(), new TreeMap<>());
  }

  // ------------------------------------------------------------------ views

  /** The defined sites and the links they declare; pairs no link names use {@code defaultLink}. */
  public Infrastructure infrastructure(Optional<NetworkPath> defaultLink) {
    return infrastructureOf(sites.values(), defaultLink);
  }

  /**
   * The infrastructure of these site environments: their sites, each capped to its quota of our
   * VMs, and the links they declare.
   */
  public static Infrastructure infrastructureOf(java.util.Collection<SiteEnvironment> envs, Optional<NetworkPath> defaultLink) {
    // a quota caps how many of our VMs the site takes: for the planner, that many slots at most
    List<Site> list = envs.stream().flatMap(e -> e.site().map(s -> e.quota()
        .map(q -> s.withCapacity(new Capacity(Math.min(q, s.capacity().slots()), s.capacity().cores(), s.capacity().memoryBytes())))
        .orElse(s)).stream()).toList();
    java.util.Map<String, SiteEnvironment> byName = new java.util.HashMap<>();
    envs.forEach(e -> byName.put(e.name(), e));
    List<Link> links = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (SiteEnvironment e : envs) {
      if (e.site().isEmpty()) {
        continue;
      }
      e.links().forEach((to, path) -> {
        String key = e.name().compareTo(to) < 0 ? e.name() + "|" + to : to + "|" + e.name();
        if (byName.containsKey(to) && byName.get(to).defined() && seen.add(key)) {
          links.add(new Link(e.name(), to, path));
        }
      });
    }
    return new Infrastructure(list, links, defaultLink);
  }

  /**
   * What each defined site has taken on for us, as the manager knows it: the VMs of its running
   * applications placed there, and the room held for each migration running into it (from its
   * start to its end, the VM counts at both ends).
   */
  public SortedMap<String, Capacity> usedBySite() {
    TreeMap<String, Capacity> used = new TreeMap<>();
    sites.values().stream().filter(SiteEnvironment::defined).forEach(e -> used.put(e.name(), Capacity.ZERO));
    for (AppRecord a : applications.values()) {
      if (a.status() == AppStatus.FINISHED) {
        continue;
      }
      for (org.vmflock.model.Vm vm : a.app().vms()) {
        String site = placement.get(vm.name());
        if (site != null) {
          used.computeIfPresent(site, (s, c) -> c.plus(Capacity.of(vm)));
        }
      }
    }
    for (MigrationRecord m : migrations.values()) {
      if (m.status() == MigrationRecord.Status.RUNNING) {
        used.computeIfPresent(m.order().to(), (s, c) -> c.plus(Capacity.of(m.order().vmSpec())));
      }
    }
    return used;
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

  /** The oldest instant from which the manager still counts some running application's costs (prices before it are history). */
  public Optional<Instant> countingFrom() {
    return applications.values().stream().filter(a -> a.status() != AppStatus.FINISHED).map(AppRecord::accruedUntil).min(Instant::compareTo);
  }

  // ------------------------------------------------------------------ events

  public Knowledge apply(KnowledgeEvent event) {
    Builder b = new Builder(this);
    fold(b, event);
    return b.build();
  }

  /** The same as applying each event in turn, copying the knowledge once (a simulation applies many per cycle). */
  public Knowledge applyAll(List<? extends KnowledgeEvent> events) {
    if (events.isEmpty()) {
      return this;
    }
    Builder b = new Builder(this);
    events.forEach(e -> fold(b, e));
    return b.build();
  }

  private static void fold(Builder b, KnowledgeEvent event) {
    b.version++;
    if (event instanceof SiteChanged e) {
      SiteEnvironment before = b.sites.get(e.site());
      b.sites.put(e.site(), (before == null ? SiteEnvironment.undefined(e.site()) : before).apply(e.change()));
      b.siteChanges.put(e.site(), e.number());
      b.siteSeen(e.site(), e.changed(), e.improved());
    } else if (event instanceof SiteCaughtUp e) {
      b.sites.put(e.environment().name(), e.environment());
      b.siteChanges.put(e.environment().name(), e.number());
      b.siteSeen(e.environment().name(), e.changed(), e.improved());
    } else if (event instanceof EnvironmentSeen e) {
      SiteEnvironment before = b.sites.put(e.environment().name(), e.environment());
      b.siteSeen(e.environment().name(), SiteChanges.changed(before, e.environment()),
          SiteChanges.improved(before, e.environment(), e.at(), SiteChanges.LEGACY_MARKED));
    } else if (event instanceof ApplicationSubmitted e) {
      b.applications.put(e.app().name(),
          new AppRecord(e.app(), AppStatus.SUBMITTED, e.at(), Optional.empty(), Optional.empty(), Optional.empty(), e.at()));
    } else if (event instanceof KnowledgeEvent.ApplicationAnnounced e) {
      // it costs nothing and runs nowhere until it arrives; submittedAt is when it will
      b.applications.put(e.app().name(),
          new AppRecord(e.app(), AppStatus.ANNOUNCED, e.arrives(), Optional.empty(), Optional.empty(), Optional.empty(), e.arrives()));
    } else if (event instanceof ApplicationPlaced e) {
      b.accrue(e.application(), e.at(), 0);
      b.placement.putAll(e.siteOfVm());
      b.applications.computeIfPresent(e.application(), (k, a) -> a.withStatus(AppStatus.RUNNING, Optional.empty()).plannedAt(e.at()));
      b.plannedVersion.put(e.application(), b.version);
    } else if (event instanceof ProgressObserved e) {
      AppRecord before = b.applications.get(e.application());
      if (before != null) {
        b.accrue(e.application(), e.at(), Math.max(0, e.done() - before.app().workload().doneWork()));
      }
      b.applications.computeIfPresent(e.application(),
          (k, a) -> a.withApp(a.app().withWorkload(a.app().workload().withDone(e.done()))).withPace(e.secondsPerWork()));
      b.calibration.put(e.application(), e.calibration());
    } else if (event instanceof TrafficObserved e) {
      b.applications.computeIfPresent(e.application(), (k, a) -> a.withApp(a.app().withWorkload(a.app().workload().withTraffic(e.perWork()))));
    } else if (event instanceof KnowledgeEvent.TrafficAdded e) {
      b.applications.computeIfPresent(e.application(), (k, a) -> a.withApp(a.app().withWorkload(a.app().workload().withTraffic(
          a.app().workload().trafficPerWork().plus(e.part())))));
    } else if (event instanceof ApplicationFinished e) {
      AppRecord a = b.applications.get(e.application());
      if (a != null) {
        // the work left when last reported was done by the finish, at the same pace
        b.accrue(e.application(), e.at(), a.app().workload().remainingWork());
        a = b.applications.get(e.application());
        // the room it leaves makes its sites more attractive to the others where room was short: a
        // symptom for them (not only the periodic re-plan); where every other application already
        // fitted, the room changes none of their options, and re-planning them all would be waste
        java.util.Set<String> left = new java.util.TreeSet<>();
        a.app().vmNames().forEach(vm -> java.util.Optional.ofNullable(b.placement.get(vm)).ifPresent(left::add));
        List<String> short_ = left.stream().filter(site -> b.shortOfRoom(site, e.application())).toList();
        b.applications.put(e.application(), a.withStatus(AppStatus.FINISHED, Optional.of(e.at())));
        a.app().vmNames().forEach(b.placement::remove);
        short_.forEach(site -> b.siteSeen(site, false, true));
        // migrations it still had queued will never start
        for (MigrationRecord m : List.copyOf(b.migrations.values())) {
          if (m.order().application().equals(e.application()) && m.status() == MigrationRecord.Status.QUEUED) {
            b.migrations.remove(m.id());
            MigrationRecord cancelled = m.ended(MigrationRecord.Status.CANCELLED, e.at(), ObservedMigration.NONE, "the application finished first");
            b.history.add(cancelled);
            b.concludeDecision(cancelled);
          }
        }
        b.recordResult(a, e.at());
      }
    } else if (event instanceof GroupsFound e) {
      b.groups.put(e.application(), e.groups());
    } else if (event instanceof DecisionMade e) {
      b.decisions.add(e.decision());
      e.migrations().forEach(m -> b.migrations.put(m.id(), m));
      b.applications.computeIfPresent(e.decision().application(), (k, a) -> referenced(a, e.decision()).plannedAt(e.decision().at()));
      b.plannedVersion.put(e.decision().application(), b.version);
      b.nextDecision = Math.max(b.nextDecision, e.decision().id() + 1);
    } else if (event instanceof MigrationStarted e) {
      b.migrations.computeIfPresent(e.migrationId(), (k, m) -> m.started(e.at()));
    } else if (event instanceof MigrationProgressed e) {
      if (b.migrations.get(e.migrationId()) != null) {
        b.migrationProgress.put(e.migrationId(), e.progress());
      }
    } else if (event instanceof MigrationEnded e) {
      MigrationRecord m = b.migrations.remove(e.migrationId());
      b.migrationProgress.remove(e.migrationId());
      if (m != null) {
        MigrationRecord ended = m.ended(e.status(), e.at(), e.observed(), e.reason());
        b.history.add(ended);
        b.migrationCalibration = e.migrationCalibration();
        b.accrue(m.order().application(), e.at(), 0);
        b.chargeMigration(ended);
        AppRecord owner = b.applications.get(m.order().application());
        // a VM of an application that finished meanwhile left the placement then: it does not come back
        if (e.status() == MigrationRecord.Status.COMPLETED && owner != null && owner.status() != AppStatus.FINISHED) {
          b.placement.put(m.order().vm(), m.order().to());
          b.lastMigrated.put(m.order().vm(), e.at());
        }
        b.concludeDecision(ended);
      }
    } else if (event instanceof CycleCompleted e) {
      b.cycles = Math.max(b.cycles, e.cycle());
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
  }

  /** A balanced objective gets its fixed reference at the application's first decision. */
  private static AppRecord referenced(AppRecord a, DecisionRecord d) {
    Objective o = a.app().objective();
    return o.referenced() ? a : d.reference(o).map(r -> a.withApp(a.app().withObjective(r))).orElse(a);
  }

  /** A mutable copy used by {@link #apply} only. */
  private static final class Builder {
    final CowMap<String, SiteEnvironment> sites;
    final CowMap<String, Long> siteChanges;
    final CowMap<String, AppRecord> applications;
    final CowMap<String, String> placement;
    final CowMap<String, List<List<String>>> groups;
    final List<DecisionRecord> decisions;
    final CowMap<String, MigrationRecord> migrations;
    final CowMap<String, StepProgress> migrationProgress;
    final List<MigrationRecord> history;
    final CowMap<String, Instant> lastMigrated;
    final CowMap<String, CalibratedEstimator.Calibration> calibration;
    CalibratedEstimator.Calibration migrationCalibration;
    long nextDecision;
    long version;
    long cycles;
    final CowMap<String, Long> siteChangedVersion;
    final CowMap<String, Long> siteImprovedVersion;
    final CowMap<String, Long> plannedVersion;

    Builder(Knowledge k) {
      sites = new CowMap<>(k.sites);
      siteChanges = new CowMap<>(k.siteChanges);
      applications = new CowMap<>(k.applications);
      placement = new CowMap<>(k.placement);
      groups = new CowMap<>(k.groups);
      decisions = new ArrayList<>(k.decisions);
      migrations = new CowMap<>(k.migrations);
      migrationProgress = new CowMap<>(k.migrationProgress);
      history = new ArrayList<>(k.history);
      lastMigrated = new CowMap<>(k.lastMigrated);
      calibration = new CowMap<>(k.calibration);
      migrationCalibration = k.migrationCalibration;
      nextDecision = k.nextDecision;
      version = k.version;
      cycles = k.cycles;
      siteChangedVersion = new CowMap<>(k.siteChangedVersion);
      siteImprovedVersion = new CowMap<>(k.siteImprovedVersion);
      plannedVersion = new CowMap<>(k.plannedVersion);
    }

    /**
     * Whether some running application other than {@code leaving} could not move all its VMs that
     * are elsewhere to {@code site} in the room it has left (its VMs' and in-flight migrations'
     * demand, {@code leaving}'s included); a site without a definition is never short.
     */
    boolean shortOfRoom(String site, String leaving) {
      SiteEnvironment env = sites.get(site);
      if (env == null || env.site().isEmpty()) {
        return false;
      }
      Capacity cap = env.site().get().capacity();
      Capacity capped = env.quota().map(q -> new Capacity(Math.min(q, cap.slots()), cap.cores(), cap.memoryBytes())).orElse(cap);
      Capacity used = Capacity.ZERO;
      List<AppRecord> others = new ArrayList<>();
      for (AppRecord r : applications.values()) {
        if (r.status() == AppStatus.FINISHED) {
          continue;
        }
        for (org.vmflock.model.Vm vm : r.app().vms()) {
          if (site.equals(placement.get(vm.name()))) {
            used = used.plus(Capacity.of(vm));
          }
        }
        if (r.status() == AppStatus.RUNNING && !r.app().name().equals(leaving)) {
          others.add(r);
        }
      }
      for (MigrationRecord m : migrations.values()) {
        if (m.status() == MigrationRecord.Status.RUNNING && m.order().to().equals(site)) {
          used = used.plus(Capacity.of(m.order().vmSpec()));
        }
      }
      Capacity free = capped.minus(used);
      for (AppRecord r : others) {
        Capacity elsewhere = Capacity.ZERO;
        for (org.vmflock.model.Vm vm : r.app().vms()) {
          if (!site.equals(placement.get(vm.name()))) {
            elsewhere = elsewhere.plus(Capacity.of(vm));
          }
        }
        if (!elsewhere.equals(Capacity.ZERO) && !free.holds(elsewhere)) {
          return true;
        }
      }
      return false;
    }

    void siteSeen(String site, boolean changed, boolean improved) {
      if (changed) {
        siteChangedVersion.put(site, version);
      }
      if (improved) {
        siteImprovedVersion.put(site, version);
      }
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
        decisions.set(i, d.concluded(o, MigrationAudit.of(all)));
        return;
      }
    }

    /**
     * Counts what the application spent since it was last counted, up to {@code until}: hosting of
     * each VM at its site's price (following the price schedule), and, for {@code work} work seconds
     * done meanwhile, its traffic between sites at the sending site's transfer price.
     */
    void accrue(String application, Instant until, double work) {
      AppRecord a = applications.get(application);
      if (a == null || a.status() == AppStatus.FINISHED) {
        return;
      }
      double hosting = 0;
      for (org.vmflock.model.Vm vm : a.app().vms()) {
        Optional<Site> site = site(placement.get(vm.name()));
        if (site.isPresent()) {
          hosting += Charges.hosting(site.get(), vm.size(), a.accruedUntil(), until);
        }
      }
      double transfer = 0;
      if (work > 0) {
        org.vmflock.model.TrafficMatrix t = a.app().workload().trafficPerWork();
        String[] at = new String[t.size()];
        for (int i = 0; i < at.length; i++) {
          at[i] = placement.get(t.vms().get(i));
        }
        transfer = Charges.transfer(t, work, at, this::site).cost();
      }
      applications.put(application, a.accrued(hosting + transfer, until));
    }

    /** A migration's cost: the bytes it moved at the source's transfer price, and the destination's hosting while it copied. */
    void chargeMigration(MigrationRecord m) {
      AppRecord a = applications.get(m.order().application());
      Optional<Site> from = site(m.order().from());
      Optional<Site> to = site(m.order().to());
      if (a == null || m.observed().isEmpty() || m.endedAt().isEmpty() || from.isEmpty() || to.isEmpty()) {
        return;
      }
      ObservedMigration o = m.observed().get();
      double transfer = Charges.migrationTransfer(o.bytesMoved(), from.get(), to.get().name());
      double hosting = Charges.hostingDuringCopy(to.get(), m.order().vmSpec().size(), o.totalSeconds(), m.endedAt().get());
      applications.put(a.app().name(), a.accrued(transfer + hosting, a.accruedUntil()));
    }

    private Optional<Site> site(String name) {
      SiteEnvironment env = name == null ? null : sites.get(name);
      return env == null ? Optional.empty() : env.site();
    }

    /**
     * The application finished: its last decision that placed or moved it (else its first) learns
     * how its prediction of the finish and of the total cost compares with what happened.
     */
    void recordResult(AppRecord a, Instant finished) {
      Optional<Integer> chosen = Optional.empty();
      for (int i = 0; i < decisions.size(); i++) {
        DecisionRecord d = decisions.get(i);
        if (d.application().equals(a.app().name()) && (chosen.isEmpty() || d.kind().changes())) {
          chosen = Optional.of(i);
        }
      }
      chosen.ifPresent(i -> {
        DecisionRecord d = decisions.get(i);
        double observedSeconds = java.time.Duration.between(d.at(), finished).toNanos() / 1e9;
        decisions.set(i, d.withResult(new DecisionResult(finished, observedSeconds, d.predictedRemainingSeconds(),
            a.app().spent() - d.spentAtDecision(), d.predictedCost())));
      });
    }

    Knowledge build() {
      List<DecisionRecord> d = decisions.size() > KEPT ? decisions.subList(decisions.size() - KEPT, decisions.size()) : decisions;
      List<MigrationRecord> h = history.size() > KEPT ? history.subList(history.size() - KEPT, history.size()) : history;
      return new Knowledge(sites.frozen(), siteChanges.frozen(), applications.frozen(), placement.frozen(), groups.frozen(), d,
          migrations.frozen(), migrationProgress.frozen(), h, lastMigrated.frozen(), calibration.frozen(), migrationCalibration, nextDecision,
          version, cycles, siteChangedVersion.frozen(), siteImprovedVersion.frozen(), plannedVersion.frozen());
    }
  }

  /** A map being folded: each write makes a new persistent map sharing the rest with the one before (O(log n)). */
  private static final class CowMap<K extends Comparable<? super K>, V> {
    private TreePMap<K, V> current;

    CowMap(SortedMap<K, V> original) {
      this.current = persistent(original);
    }

    V get(Object key) {
      return current.get(key);
    }

    V put(K key, V value) {
      V before = current.get(key);
      current = current.plus(key, value);
      return before;
    }

    V remove(Object key) {
      V before = current.get(key);
      if (before != null) {
        current = current.minus(key);
      }
      return before;
    }

    void putAll(java.util.Map<? extends K, ? extends V> m) {
      if (!m.isEmpty()) {
        current = current.plusAll(m);
      }
    }

    V computeIfPresent(K key, java.util.function.BiFunction<? super K, ? super V, ? extends V> f) {
      V before = current.get(key);
      if (before == null) {
        return null;
      }
      V after = f.apply(key, before);
      current = after == null ? current.minus(key) : current.plus(key, after);
      return after;
    }

    java.util.Collection<V> values() {
      return current.values();
    }

    SortedMap<K, V> frozen() {
      return current;
    }
  }

  /** The map as a persistent one: itself if it is one already (no copy). */
  private static <K extends Comparable<? super K>, V> TreePMap<K, V> persistent(SortedMap<K, V> m) {
    return m instanceof TreePMap<K, V> p ? p : TreePMap.from(m);
  }

  /** An unmodifiable sorted map of these entries: the map itself if it is one of ours already (no copy). */
  private static <K extends Comparable<? super K>, V> SortedMap<K, V> frozen(SortedMap<K, V> m) {
    return persistent(m);
  }

}
