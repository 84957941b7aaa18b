package org.vmflock.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.execute.ObservedMigration;
import org.vmflock.execute.SagaPhase;
import org.vmflock.execute.StepProgress;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationIds;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.knowledge.SiteChanges;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.plan.CalibratedEstimator;
import org.vmflock.plan.LinkShare;
import org.vmflock.plan.Migration;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.TrafficLayout;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.site.SiteState;

/**
 * The migration manager's functional core (K1, MAPE): every input (a submission, a progress report,
 * a site change, a cycle, the end of a migration, the end of a site's availability) and what the
 * manager knows give the events to persist and the effects to carry out once they are persisted.
 * Pure: the cluster-singleton actor and the simulator both drive this one core, so a simulation
 * decides exactly as a node would; only the drivers differ (persisting and messages on a node, a
 * virtual clock and a simulated platform in a simulation).
 */
public final class ManagerCore {

  /** What the manager does once the events are persisted. */
  public sealed interface Effect {}

  /** A VM and what it takes, to book at a site. */
  public record Booking(String vm, Capacity demand) {}

  /** Book these VMs as running at {@code site} (its site actor, or the simulated platform): one message per site, bounded. */
  public record PlaceOnSite(String site, List<Booking> vms) implements Effect {
    public PlaceOnSite {
      vms = List.copyOf(vms);
    }
  }

  /** Book these VMs as gone from {@code site}. */
  public record RemoveFromSite(String site, List<String> vms) implements Effect {
    public RemoveFromSite {
      vms = List.copyOf(vms);
    }
  }

  /** VMs booked by one message at most: a site's message stays small however large the application. */
  public static final int BOOKINGS_PER_MESSAGE = 500;

  /** The bookings of VMs at their sites ({@code siteOf}), one effect per site and at most {@link #BOOKINGS_PER_MESSAGE} VMs. */
  static List<Effect> bookings(List<Vm> vms, Map<String, String> siteOf) {
    Map<String, List<Booking>> bySite = new TreeMap<>();
    for (Vm vm : vms) {
      String site = siteOf.get(vm.name());
      if (site != null) {
        bySite.computeIfAbsent(site, x -> new ArrayList<>()).add(new Booking(vm.name(), Capacity.of(vm)));
      }
    }
    List<Effect> out = new ArrayList<>();
    bySite.forEach((site, list) -> {
      for (int i = 0; i < list.size(); i += BOOKINGS_PER_MESSAGE) {
        out.add(new PlaceOnSite(site, list.subList(i, Math.min(list.size(), i + BOOKINGS_PER_MESSAGE))));
      }
    });
    return out;
  }

  /** The removals of VMs from their sites, grouped as {@link #bookings}. */
  static List<Effect> removals(Map<String, String> siteOfVm) {
    Map<String, List<String>> bySite = new TreeMap<>();
    siteOfVm.forEach((vm, site) -> bySite.computeIfAbsent(site, x -> new ArrayList<>()).add(vm));
    List<Effect> out = new ArrayList<>();
    bySite.forEach((site, list) -> {
      for (int i = 0; i < list.size(); i += BOOKINGS_PER_MESSAGE) {
        out.add(new RemoveFromSite(site, list.subList(i, Math.min(list.size(), i + BOOKINGS_PER_MESSAGE))));
      }
    });
    return out;
  }

  /** Start the application's VMs where it was placed. */
  public record Boot(Application app, Map<String, String> siteOfVm) implements Effect {
    public Boot {
      siteOfVm = Map.copyOf(siteOfVm);
    }
  }

  /** Stop the application's VMs: it finished. */
  public record Stop(Application app) implements Effect {}

  /** Carry out a migration as a saga. */
  public record StartSaga(MigrationOrder order) implements Effect {}

  /**
   * Move a VM off a site whose availability ended, as soon as possible (a simulated platform
   * suspends it and resumes it at the destination; a node migrates it), then report how it ended.
   */
  public record Evacuate(MigrationOrder order) implements Effect {}

  /** The manager missed changes of a site: ask its site actor for those after {@code after}. */
  public record CatchUp(String site, long after) implements Effect {}

  /** Something an operator must know (a stuck migration, a VM stranded with nowhere to go). */
  public record Alert(String message) implements Effect {}

  /**
   * What an input gives: events to persist (in order), then effects; or a refusal, with nothing
   * else.
   */
  public record Outcome(List<KnowledgeEvent> events, List<Effect> effects, Optional<String> refusal) {
    public static final Outcome NOTHING = new Outcome(List.of(), List.of(), Optional.empty());

    public Outcome {
      events = List.copyOf(events);
      effects = List.copyOf(effects);
    }

    static Outcome refused(String why) {
      return new Outcome(List.of(), List.of(), Optional.of(why));
    }

    public boolean refused() {
      return refusal.isPresent();
    }

    /** This outcome followed by {@code next} (decided on the knowledge after this one's events). */
    Outcome then(Outcome next) {
      List<KnowledgeEvent> e = new ArrayList<>(events);
      e.addAll(next.events);
      List<Effect> f = new ArrayList<>(effects);
      f.addAll(next.effects);
      return new Outcome(e, f, refusal);
    }
  }

  /** A cycle's outcome: its events and effects, and what it found. */
  public record CycleOutcome(Outcome outcome, ControlLoop.Cycle cycle, long number) {}

  private final ManagerSettings settings;
  private final Policy policy;

  public ManagerCore(ManagerSettings settings, Policy policy) {
    this.settings = settings;
    this.policy = policy;
  }

  public ManagerSettings settings() {
    return settings;
  }

  public Policy policy() {
    return policy;
  }

  // ---------------------------------------------------------------- applications

  /** A new application, running already on {@code placement} if it is not empty (else the next cycle places it). */
  public Outcome submit(Knowledge k, Application app, Map<String, String> placement, Instant now) {
    String problem = submitProblem(k, app, placement);
    if (!problem.isEmpty()) {
      return Outcome.refused(problem);
    }
    List<KnowledgeEvent> events = new ArrayList<>(KnowledgeEvent.submitted(app, now));
    List<Effect> effects = new ArrayList<>();
    if (!placement.isEmpty()) {
      events.add(new KnowledgeEvent.ApplicationPlaced(app.name(), placement, now));
      effects.addAll(placed(app, placement));
    }
    return new Outcome(events, effects, Optional.empty());
  }

  /**
   * An application that will be submitted at {@code arrives}: from now on the planner holds room
   * for it (where it would place it), so that the others do not fill it. It runs nowhere and costs
   * nothing until it is submitted.
   */
  public Outcome announce(Knowledge k, Application app, Instant arrives, Instant now) {
    String problem = submitProblem(k, app, Map.of());
    if (problem.isEmpty() && arrives.isBefore(now)) {
      problem = "application " + app.name() + " is announced for " + arrives + ", before now (" + now + "): submit it instead";
    }
    return problem.isEmpty() ? new Outcome(List.of(new KnowledgeEvent.ApplicationAnnounced(app, arrives, now)), List.of(), Optional.empty())
        : Outcome.refused(problem);
  }

  /** Why the application cannot be submitted, or empty if it can (an application announced before may be, once). */
  public static String submitProblem(Knowledge k, Application app, Map<String, String> placement) {
    AppRecord existing = k.applications().get(app.name());
    if (existing != null && existing.status() != AppStatus.ANNOUNCED) {
      return existing.status() == AppStatus.FINISHED
          ? "an application named " + app.name() + " ran already (finished at " + existing.finishedAt().map(Instant::toString).orElse("?")
              + "): its record is kept; submit it under another name"
          : "an application named " + app.name() + " is already " + existing.status().name().toLowerCase(java.util.Locale.ROOT);
    }
    Set<String> vmsInUse = new HashSet<>();
    k.applications().values().stream().filter(a -> a.status() != AppStatus.FINISHED && !a.app().name().equals(app.name()))
        .forEach(a -> vmsInUse.addAll(a.app().vmNames()));
    for (Vm vm : app.vms()) {
      if (vmsInUse.contains(vm.name())) {
        return "VM " + vm.name() + " already belongs to another application";
      }
      for (SiteEnvironment env : k.sites().values()) {
        if (env.defined() && !env.site().get().hosting().prices(vm.size())) {
          return "site " + env.name() + " has no hosting price for size '" + vm.size() + "' of VM " + vm.name();
        }
      }
    }
    if (!placement.isEmpty()) {
      if (!placement.keySet().equals(new HashSet<>(app.vmNames()))) {
        return "the placement of " + app.name() + " must name each of its VMs once";
      }
      for (String site : new HashSet<>(placement.values())) {
        if (!k.sites().containsKey(site) || !k.sites().get(site).defined()) {
          return "unknown site '" + site + "' in the placement of " + app.name();
        }
      }
    }
    return "";
  }

  /** The effects of VMs starting where they were placed: booked at their sites, booted. */
  private static List<Effect> placed(Application app, Map<String, String> placement) {
    List<Effect> effects = new ArrayList<>(bookings(app.vms(), placement));
    effects.add(new Boot(app, placement));
    return effects;
  }

  /**
   * What a progress report teaches: how far the application is, its pace, and the estimator's
   * calibration (the pace against what the policy's model predicts for its placement). Nothing for
   * an unknown or idle application.
   */
  public Outcome progress(Knowledge k, String application, double done, double secondsPerWork, Instant at) {
    AppRecord a = k.applications().get(application);
    if (a == null || a.status() != AppStatus.RUNNING) {
      return Outcome.refused("progress of unknown or idle application '" + application + "'");
    }
    CalibratedEstimator.Calibration known = k.calibration().getOrDefault(application, CalibratedEstimator.Calibration.NONE);
    Placement p = k.placementOf(application);
    if (!p.places(a.app().vmNames()) || !(secondsPerWork > 0) || Double.isInfinite(secondsPerWork)) {
      return events(new KnowledgeEvent.ProgressObserved(application, done, a.observedSecondsPerWork().orElse(1.0), known, at));
    }
    Infrastructure infra = k.infrastructure(settings.loop().defaultLink());
    double predicted = policy.model().secondsPerWork(a.app(), TrafficLayout.of(a.app(), p, infra), infra, LinkShare.none(infra.sites().size()));
    CalibratedEstimator.Calibration next = CalibratedEstimator.next(known, application, predicted, secondsPerWork,
        settings.planning().smoothing());
    return events(new KnowledgeEvent.ProgressObserved(application, done, secondsPerWork, next, at));
  }

  /** The application finished: its VMs leave their sites and stop (nothing if unknown or finished already). */
  public Outcome finished(Knowledge k, String application, Instant at) {
    AppRecord a = k.applications().get(application);
    if (a == null || a.status() == AppStatus.FINISHED) {
      return Outcome.NOTHING;
    }
    List<Effect> effects = new ArrayList<>(removals(k.placementOf(application).siteOfVm()));
    effects.add(new Stop(a.app()));
    return new Outcome(List.of(new KnowledgeEvent.ApplicationFinished(application, at)), effects, Optional.empty());
  }

  // ---------------------------------------------------------------- sites

  /**
   * A site's numbered change, as its site actor published it: recorded if it is the next one the
   * manager expects; ignored if known; if some were missed, the manager catches up first.
   */
  public Outcome siteChanged(Knowledge k, String site, SiteState.NumberedChange c) {
    long known = k.siteChanges().getOrDefault(site, 0L);
    if (c.number() <= known) {
      return Outcome.NOTHING;
    }
    if (c.number() > known + 1) {
      return new Outcome(List.of(), List.of(new CatchUp(site, known)), Optional.empty());
    }
    SiteEnvironment before = k.sites().getOrDefault(site, SiteEnvironment.undefined(site));
    SiteEnvironment after = before.apply(c.change());
    return events(new KnowledgeEvent.SiteChanged(site, c.number(), c.change(), c.at(), SiteChanges.changed(before, after),
        SiteChanges.improved(before, after, c.at(), settings.markedChange())));
  }

  /** The changes of a site the manager missed, in order; or, when they are no longer kept, the site's whole environment now. */
  public Outcome siteCaughtUp(Knowledge k, String site, List<SiteState.NumberedChange> changes, Optional<SiteEnvironment> whole, long latest,
      Instant now) {
    if (whole.isPresent()) {
      if (latest <= k.siteChanges().getOrDefault(site, 0L)) {
        return Outcome.NOTHING;
      }
      SiteEnvironment before = k.sites().get(site);
      return events(new KnowledgeEvent.SiteCaughtUp(whole.get(), latest, now, SiteChanges.changed(before, whole.get()),
          SiteChanges.improved(before, whole.get(), now, settings.markedChange())));
    }
    List<KnowledgeEvent> events = new ArrayList<>();
    Knowledge current = k;
    for (SiteState.NumberedChange c : changes) {
      Outcome o = siteChanged(current, site, c);
      for (KnowledgeEvent e : o.events()) {
        events.add(e);
        current = current.apply(e);
      }
    }
    return new Outcome(events, List.of(), Optional.empty());
  }

  /** The instant from which the manager needs a site's prices when it catches up. */
  public static Instant pricesFrom(Knowledge k, Instant now) {
    return k.countingFrom().filter(t -> t.isBefore(now)).orElse(now);
  }

  // ---------------------------------------------------------------- the loop

  /**
   * One cycle of the loop at {@code now}: the policy analyzes and plans on what the manager knows
   * and the traffic observed, the cycle is counted, and new applications' placements are booked
   * and booted. Once its events are applied, the driver starts what may start ({@link #startQueued}).
   */
  public CycleOutcome cycle(Knowledge k, ObservedTraffic observed, Instant now, Set<String> triggers) {
    long number = k.cycles() + 1;
    ControlLoop.Cycle c = policy.decide(k, observed, now, number, triggers);
    List<KnowledgeEvent> events = new ArrayList<>(c.events());
    events.add(new KnowledgeEvent.CycleCompleted(number, now));
    Knowledge after = k.applyAll(events);
    List<Effect> effects = new ArrayList<>();
    for (KnowledgeEvent e : c.events()) {
      if (e instanceof KnowledgeEvent.ApplicationPlaced placed) {
        effects.addAll(placed(after.applications().get(placed.application()).app(), placed.siteOfVm()));
      }
    }
    return new CycleOutcome(new Outcome(events, effects, Optional.empty()), c, number);
  }

  /**
   * Whether a cycle planned on {@code planned} still holds on {@code current} (knowledge that moved
   * on while it was planned, off the manager's message loop): the same decisions to number, and no
   * application it decides for changed where it runs or what it migrates, and no site changed.
   */
  public static boolean stillHolds(Knowledge planned, Knowledge current, ControlLoop.Cycle c) {
    if (planned.nextDecision() != current.nextDecision() || !planned.siteChanges().equals(current.siteChanges())
        || current.cycles() != planned.cycles()) {
      return false;
    }
    for (KnowledgeEvent e : c.events()) {
      String app = e instanceof KnowledgeEvent.DecisionMade d ? d.decision().application()
          : e instanceof KnowledgeEvent.ApplicationPlaced p ? p.application() : null;
      if (app == null) {
        continue;
      }
      AppRecord before = planned.applications().get(app);
      AppRecord now = current.applications().get(app);
      if (now == null || before == null || now.status() != before.status() || !planned.placementOf(app).equals(current.placementOf(app))
          || current.migrating(app) != planned.migrating(app)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The queued migrations that may start now: in their decisions' order, one at a time per VM (a
   * temporary hop waits for the step before it), at most {@code maxPerLink} running per pair of
   * sites and {@code maxPerSite} per site.
   */
  public Outcome startQueued(Knowledge k, Instant now) {
    Map<String, Integer> perLink = new HashMap<>();
    Map<String, Integer> perSite = new HashMap<>();
    Set<String> busyVms = new HashSet<>();
    // each VM's first queued migration (a later hop waits for it); only those whose sites and link
    // have room now may start, since room only shrinks as this pass starts migrations
    Map<String, MigrationRecord> firstOfVm = new HashMap<>();
    for (MigrationRecord m : k.migrations().values()) {
      MigrationOrder o = m.order();
      if (m.status() == MigrationRecord.Status.RUNNING) {
        count(o, perLink, perSite);
        busyVms.add(o.vm());
      } else if (m.status() == MigrationRecord.Status.QUEUED) {
        firstOfVm.merge(o.vm(), m, (x, y) -> QUEUE_ORDER.compare(x, y) <= 0 ? x : y);
      }
    }
    List<MigrationRecord> candidates = new ArrayList<>();
    for (MigrationRecord m : firstOfVm.values()) {
      if (!busyVms.contains(m.order().vm()) && hasRoom(m.order(), perLink, perSite)) {
        candidates.add(m);
      }
    }
    if (candidates.isEmpty()) {
      return Outcome.NOTHING;
    }
    candidates.sort(QUEUE_ORDER);
    List<KnowledgeEvent> events = new ArrayList<>();
    List<Effect> effects = new ArrayList<>();
    for (MigrationRecord m : candidates) {
      MigrationOrder o = m.order();
      if (hasRoom(o, perLink, perSite)) {
        count(o, perLink, perSite);
        events.add(new KnowledgeEvent.MigrationStarted(o.migrationId(), now));
        effects.add(new StartSaga(o));
      }
    }
    return new Outcome(events, effects, Optional.empty());
  }

  /** Queued migrations start in their decisions' order, and in order within a decision. */
  private static final Comparator<MigrationRecord> QUEUE_ORDER = Comparator.comparingLong(MigrationRecord::decisionId)
      .thenComparingInt(MigrationRecord::position);

  private boolean hasRoom(MigrationOrder o, Map<String, Integer> perLink, Map<String, Integer> perSite) {
    return perLink.getOrDefault(link(o), 0) < settings.maxPerLink() && perSite.getOrDefault(o.from(), 0) < settings.maxPerSite()
        && perSite.getOrDefault(o.to(), 0) < settings.maxPerSite();
  }

  private static String link(MigrationOrder o) {
    return o.from().compareTo(o.to()) < 0 ? o.from() + "|" + o.to() : o.to() + "|" + o.from();
  }

  private static void count(MigrationOrder o, Map<String, Integer> perLink, Map<String, Integer> perSite) {
    perLink.merge(link(o), 1, Integer::sum);
    perSite.merge(o.from(), 1, Integer::sum);
    perSite.merge(o.to(), 1, Integer::sum);
  }

  // ---------------------------------------------------------------- migrations

  /** How far a running migration has come (nothing if it is not running). */
  public Outcome migrationProgress(Knowledge k, String migrationId, StepProgress progress, Instant now) {
    MigrationRecord m = k.migrations().get(migrationId);
    if (m == null || m.status() != MigrationRecord.Status.RUNNING || progress.equals(k.migrationProgress().get(migrationId))) {
      return Outcome.NOTHING;
    }
    return events(new KnowledgeEvent.MigrationProgressed(migrationId, progress, now));
  }

  /**
   * How a migration ended, what it teaches the migration model (observed against predicted time,
   * for a completed live migration; a forced cold move teaches nothing of it), and the queued
   * migrations that may start now. Nothing if the migration is not (or no longer) in flight: a
   * resumed saga may tell its end twice.
   */
  public Outcome migrationEnded(Knowledge k, String migrationId, SagaPhase outcome, ObservedMigration observed, String reason, Instant now) {
    MigrationRecord m = k.migrations().get(migrationId);
    if (m == null || m.status() != MigrationRecord.Status.RUNNING) {
      return Outcome.NOTHING;
    }
    MigrationRecord.Status status = switch (outcome) {
      case COMPLETED -> MigrationRecord.Status.COMPLETED;
      case ROLLED_BACK -> MigrationRecord.Status.ROLLED_BACK;
      default -> MigrationRecord.Status.STUCK;
    };
    boolean forced = k.decision(m.decisionId()).map(d -> d.kind() == DecisionKind.FORCED).orElse(false);
    // the calibration is of the model as configured: the order's prediction was made by the model
    // calibrated as it stood then, so comparing with it would learn the ratio to itself (inverted
    // and shrinking); the configured model predicts the same migration again on today's path
    double predicted = uncalibratedPrediction(k, m.order());
    double took = observed.totalSeconds();
    CalibratedEstimator.Calibration calibration = !forced && status == MigrationRecord.Status.COMPLETED && predicted > 0 && took > 0
        && Double.isFinite(predicted) && Double.isFinite(took)
        ? CalibratedEstimator.next(k.migrationCalibration(), "migrations", predicted, took, settings.planning().smoothing())
        : k.migrationCalibration();
    KnowledgeEvent ended = new KnowledgeEvent.MigrationEnded(migrationId, status, observed, reason, calibration, now);
    List<Effect> effects = new ArrayList<>();
    if (status == MigrationRecord.Status.STUCK) {
      effects.add(new Alert("migration " + migrationId + " is stuck and needs an operator: " + reason));
    }
    AppRecord owner = k.applications().get(m.order().application());
    if (owner != null && owner.status() == AppStatus.FINISHED) {
      // its application finished while it ran: the VM left the books then, and the saga booked it again
      effects.add(new RemoveFromSite(m.order().to(), List.of(m.order().vm())));
      effects.add(new RemoveFromSite(m.order().from(), List.of(m.order().vm())));
    }
    return new Outcome(List.of(ended), effects, Optional.empty()).then(startQueued(k.apply(ended), now));
  }

  /** What the configured migration model, without the online calibration, predicts for {@code order} on the path as known now. */
  private double uncalibratedPrediction(Knowledge k, MigrationOrder order) {
    Infrastructure infra = k.infrastructure(settings.loop().defaultLink());
    if (infra.site(order.from()).isEmpty() || infra.site(order.to()).isEmpty()) {
      return order.predicted().totalSeconds();
    }
    return settings.planning().migration().estimate(order.vmSpec(), infra.path(order.from(), order.to())).totalSeconds();
  }

  // ---------------------------------------------------------------- availability

  /**
   * A site's availability ended (a grid reservation, a walltime): the manager's VMs still there
   * that no migration is moving leave now, each to the cheapest site available now and past the next
   * period with room, by a forced decision. Nothing if the site is available again.
   */
  public Outcome availabilityEnded(Knowledge k, String siteName, Instant now) {
    Infrastructure infra = k.infrastructure(settings.loop().defaultLink());
    Optional<Site> site = infra.site(siteName);
    if (site.isEmpty() || site.get().availableAt(now)) {
      return Outcome.NOTHING;
    }
    Set<String> moving = new HashSet<>();
    k.migrations().values().stream().filter(m -> m.status() == MigrationRecord.Status.RUNNING).forEach(m -> moving.add(m.order().vm()));
    TreeMap<String, Vm> stranded = new TreeMap<>();
    Map<String, String> ownerOf = new HashMap<>();
    for (AppRecord a : k.applications().values()) {
      if (a.status() == AppStatus.FINISHED) {
        continue;
      }
      for (Vm vm : a.app().vms()) {
        if (siteName.equals(k.placement().get(vm.name())) && !moving.contains(vm.name())) {
          stranded.put(vm.name(), vm);
          ownerOf.put(vm.name(), a.app().name());
        }
      }
    }
    if (stranded.isEmpty()) {
      return Outcome.NOTHING;
    }
    SortedMap<String, Capacity> used = k.usedBySite();
    // one decision per application, each listing its own VMs only
    TreeMap<String, List<Vm>> byApp = new TreeMap<>();
    stranded.values().forEach(vm -> byApp.computeIfAbsent(ownerOf.get(vm.name()), a -> new ArrayList<>()).add(vm));
    long id = k.nextDecision();
    List<Effect> effects = new ArrayList<>();
    List<String> alerts = new ArrayList<>();
    List<KnowledgeEvent> events = new ArrayList<>();
    for (Map.Entry<String, List<Vm>> app : byApp.entrySet()) {
      List<MigrationRecord> records = new ArrayList<>();
      List<KnowledgeEvent> started = new ArrayList<>();
      for (Vm vm : app.getValue()) {
        Optional<Site> to = coldDestination(infra, used, vm, now);
        if (to.isEmpty()) {
          alerts.add("VM " + vm.name() + " is stranded at " + siteName + ", whose availability ended at " + now + ": no site available has room for it");
          continue;
        }
        used.computeIfPresent(to.get().name(), (x, c) -> c.plus(Capacity.of(vm)));
        NetworkPath path = infra.path(siteName, to.get().name());
        double seconds = path.latencySeconds() + vm.memoryBytes() / path.bytesPerSecond();
        MigrationEstimate cold = new MigrationEstimate(1, seconds, seconds, vm.memoryBytes(), true);
        int position = records.size() + 1;
        MigrationOrder order = MigrationOrder.of(MigrationIds.of(id, position, vm.name()),
            new Migration(app.getKey(), vm.name(), siteName, to.get().name(), cold, 0), vm, now);
        records.add(MigrationRecord.queued(order, id, position));
        started.add(new KnowledgeEvent.MigrationStarted(order.migrationId(), now));
        effects.add(new Evacuate(order));
      }
      if (records.isEmpty()) {
        continue;
      }
      DecisionRecord d = new DecisionRecord(id, now, app.getKey(), DecisionKind.FORCED,
          "platform: " + siteName + "'s availability ended with " + records.size() + " VM(s) of " + app.getKey()
              + " there; suspended and resumed elsewhere: " + records.stream().map(r -> r.order().vm() + " -> " + r.order().to()).toList(),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0, records.stream().map(MigrationRecord::id).toList(),
          DecisionRecord.Outcome.PENDING, Optional.empty(), Optional.empty());
      events.add(new KnowledgeEvent.DecisionMade(d, records));
      events.addAll(started);
      id++;
    }
    alerts.forEach(a -> effects.add(new Alert(a)));
    if (events.isEmpty()) {
      return new Outcome(List.of(), effects, Optional.empty());
    }
    return new Outcome(events, effects, Optional.empty());
  }

  /** The cheapest site available now (and past the next period) with room for the VM. */
  private Optional<Site> coldDestination(Infrastructure infra, Map<String, Capacity> used, Vm vm, Instant now) {
    Site best = null;
    for (Site s : infra.sites()) {
      boolean available = s.availableAt(now) && s.availableAt(now.plus(settings.period()));
      Capacity free = s.capacity().minus(used.getOrDefault(s.name(), Capacity.ZERO));
      if (!available || !s.hosting().prices(vm.size()) || !free.holds(Capacity.of(vm))) {
        continue;
      }
      if (best == null || s.hosting().pricePerVmHour(vm.size(), now) < best.hosting().pricePerVmHour(vm.size(), now)) {
        best = s;
      }
    }
    return Optional.ofNullable(best);
  }

  /** When the next site that hosts some of the manager's VMs stops being available, after {@code now}. */
  public static Optional<Instant> nextAvailabilityEnd(Knowledge k, Instant now) {
    Set<String> used = new HashSet<>(k.placement().values());
    Instant next = null;
    for (SiteEnvironment env : k.sites().values()) {
      if (env.site().isEmpty() || !used.contains(env.name())) {
        continue;
      }
      for (var w : env.site().get().availability()) {
        if (w.until().isAfter(now) && (next == null || w.until().isBefore(next))) {
          next = w.until();
        }
      }
    }
    return Optional.ofNullable(next);
  }

  /** The sites whose availability has ended by {@code now} while the manager still has VMs there. */
  public static List<String> unavailableSitesInUse(Knowledge k, Instant now) {
    Set<String> used = new HashSet<>(k.placement().values());
    return k.sites().values().stream().filter(e -> e.site().isPresent() && used.contains(e.name()) && !e.site().get().availableAt(now))
        .map(SiteEnvironment::name).toList();
  }

  // ---------------------------------------------------------------- monitor

  /** Per-period counts as rates per second. */
  public static TrafficMatrix perSecond(TrafficMatrix perPeriod, double periodSeconds) {
    return perPeriod.dividedBy(periodSeconds);
  }

  private static Outcome events(KnowledgeEvent e) {
    return new Outcome(List.of(e), List.of(), Optional.empty());
  }
}
