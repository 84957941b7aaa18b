package org.vmflock.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.vmflock.execute.MigrationOrder;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.knowledge.DecisionKind;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.MigrationIds;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.KnowledgeEvent;
import org.vmflock.knowledge.MigrationRecord;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Placement;
import org.vmflock.model.Site;
import org.vmflock.model.Vm;
import org.vmflock.plan.ExecutionTimeEstimator;
import org.vmflock.plan.PlacementBlindModel;
import org.vmflock.plan.Migration;
import org.vmflock.plan.MigrationEstimate;
import org.vmflock.plan.QemuPreCopyModel;
import org.vmflock.site.SiteEnvironment;

/**
 * The price-chasing baseline (S2): every VM on the site where its size is cheapest now, among the
 * sites available now with room, blind to traffic, to the applications' pace and to what a
 * migration costs. A VM moves as soon as another site is strictly cheaper, unless its live
 * migration there would not converge (QEMU could not carry it out); an application with
 * migrations in flight waits for them.
 */
final class PriceChasing implements Policy {

  private final QemuPreCopyModel migrations;
  private final Optional<NetworkPath> defaultLink;

  PriceChasing(QemuPreCopyModel migrations, Optional<NetworkPath> defaultLink) {
    this.migrations = migrations;
    this.defaultLink = defaultLink;
  }

  @Override
  public String name() {
    return "price-chasing";
  }

  @Override
  public ExecutionTimeEstimator model() {
    return new PlacementBlindModel();
  }

  @Override
  public ControlLoop.Cycle decide(Knowledge k, ObservedTraffic observed, Instant now, long cycle, Set<String> triggers) {
    Infrastructure infra = k.infrastructure(defaultLink);
    Map<String, Capacity> free = new HashMap<>();
    k.usedBySite().forEach((site, used) -> infra.site(site).ifPresent(s -> free.put(s.name(), s.capacity().minus(used))));
    Set<String> busy = new java.util.HashSet<>();
    k.migrations().values().forEach(m -> busy.add(m.order().application()));
    List<KnowledgeEvent> events = new ArrayList<>();
    long id = k.nextDecision();
    for (AppRecord a : k.applications().values()) {
      Placement current = k.placementOf(a.app().name());
      if (a.status() == AppStatus.SUBMITTED && current.siteOfVm().isEmpty()) {
        Optional<Map<String, String>> placed = place(a, infra, free, now);
        if (placed.isPresent()) {
          events.add(new KnowledgeEvent.DecisionMade(decision(id++, now, a, DecisionKind.PLACE,
              a.app().name() + ": initial placement on the cheapest sites " + new TreeMap<>(placed.get()), List.of()), List.of()));
          events.add(new KnowledgeEvent.ApplicationPlaced(a.app().name(), placed.get(), now));
        }
      } else if (a.status() == AppStatus.RUNNING && !busy.contains(a.app().name()) && current.places(a.app().vmNames())) {
        List<MigrationRecord> moves = new ArrayList<>();
        List<String> described = new ArrayList<>();
        for (Vm vm : a.app().vms()) {
          String from = current.siteOf(vm.name()).orElseThrow();
          Site here = infra.site(from).orElseThrow();
          Optional<Site> best = cheapest(vm, infra, free, now);
          boolean leave = !here.availableAt(now);
          if (best.isEmpty() || best.get().name().equals(from)
              || !(leave || price(best.get(), vm, now) < price(here, vm, now))) {
            continue;
          }
          String to = best.get().name();
          MigrationEstimate estimate = migrations.estimate(vm, infra.path(from, to));
          if (!estimate.converged()) {
            continue;
          }
          free.compute(to, (s, c) -> c.minus(Capacity.of(vm)));
          Migration m = new Migration(a.app().name(), vm.name(), from, to, estimate, 0);
          int position = moves.size() + 1;
          moves.add(MigrationRecord.queued(MigrationOrder.of(MigrationIds.of(id, position, vm.name()), m, vm, now), id, position));
          described.add(vm.name() + " " + from + " -> " + to);
        }
        if (!moves.isEmpty()) {
          events.add(new KnowledgeEvent.DecisionMade(decision(id++, now, a, DecisionKind.MIGRATE,
              a.app().name() + ": to cheaper sites: " + String.join(", ", described), moves.stream().map(MigrationRecord::id).toList()), moves));
        }
      }
    }
    return new ControlLoop.Cycle(events, Map.of(), Optional.empty());
  }

  /** Each VM on the cheapest site with room, or empty if one finds none. */
  private Optional<Map<String, String>> place(AppRecord a, Infrastructure infra, Map<String, Capacity> free, Instant now) {
    Map<String, Capacity> left = new HashMap<>(free);
    Map<String, String> placement = new TreeMap<>();
    for (Vm vm : a.app().vms()) {
      Optional<Site> best = cheapest(vm, infra, left, now);
      if (best.isEmpty()) {
        return Optional.empty();
      }
      left.compute(best.get().name(), (s, c) -> c.minus(Capacity.of(vm)));
      placement.put(vm.name(), best.get().name());
    }
    free.putAll(left);
    return Optional.of(placement);
  }

  /** The site available now with room for {@code vm} where its size costs least (ties: the first by name). */
  private static Optional<Site> cheapest(Vm vm, Infrastructure infra, Map<String, Capacity> free, Instant now) {
    Site best = null;
    for (Site s : infra.sites()) {
      if (!s.availableAt(now) || !s.hosting().prices(vm.size()) || !free.getOrDefault(s.name(), Capacity.ZERO).holds(Capacity.of(vm))) {
        continue;
      }
      if (best == null || price(s, vm, now) < price(best, vm, now)) {
        best = s;
      }
    }
    return Optional.ofNullable(best);
  }

  private static double price(Site s, Vm vm, Instant now) {
    return s.hosting().pricePerVmHour(vm.size(), now);
  }

  private static DecisionRecord decision(long id, Instant now, AppRecord a, DecisionKind kind, String reason, List<String> migrations) {
    return new DecisionRecord(id, now, a.app().name(), kind, reason, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        a.app().spent(), migrations,
        migrations.isEmpty() ? DecisionRecord.Outcome.NONE : DecisionRecord.Outcome.PENDING, Optional.empty(), Optional.empty());
  }
}
