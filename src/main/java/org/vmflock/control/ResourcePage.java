package org.vmflock.control;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.vmflock.CborSerializable;
import org.vmflock.knowledge.AppRecord;
import org.vmflock.knowledge.DecisionRecord;
import org.vmflock.knowledge.Knowledge;
import org.vmflock.knowledge.MigrationRecord;

/**
 * What a {@link ResourceQuery} asks for: a page of one kind (only that kind's list is filled), how
 * many match in all, and the offset of the next page if one follows. Built on the manager's own
 * thread from its knowledge; decisions and ended migrations are the last {@link Knowledge#KEPT} it
 * keeps.
 */
public record ResourcePage(
    ResourceQuery.Kind kind,
    Instant at,
    int total,
    int offset,
    Optional<Integer> nextOffset,
    List<AppSummary> applications,
    List<VmLine> vms,
    List<GroupLine> groups,
    List<StatusPage.MigrationLine> migrations,
    List<StatusPage.DecisionLine> decisions) implements CborSerializable {

  public ResourcePage {
    applications = List.copyOf(applications);
    vms = List.copyOf(vms);
    groups = List.copyOf(groups);
    migrations = List.copyOf(migrations);
    decisions = List.copyOf(decisions);
  }

  /** An application without its placement: how many of its VMs run at each site (its VMs: {@link ResourceQuery.Kind#VMS}). */
  public record AppSummary(String name, String status, String objective, double doneWork, double totalWork, Optional<Double> secondsPerWork,
      Optional<Instant> deadline, Optional<Double> budget, double spent, int vms, SortedMap<String, Integer> vmsPerSite)
      implements CborSerializable {}

  /** A VM: its application, where it runs, its communication group (index in the application's groups), its migration in flight. */
  public record VmLine(String vm, String application, Optional<String> site, Optional<Integer> group, Optional<String> migration)
      implements CborSerializable {}

  /** A communication group of an application, with where its VMs run. */
  public record GroupLine(String application, int index, List<String> vms, SortedMap<String, Integer> vmsPerSite) implements CborSerializable {}

  /** The page {@code q} asks for, of knowledge {@code k} at {@code at}. */
  public static ResourcePage of(Knowledge k, ResourceQuery q, Instant at) {
    return switch (q.kind()) {
      case APPLICATIONS -> page(q, at, k.applications().values().stream()
          .filter(a -> matches(q.application(), a.app().name()) && matches(q.state(), label(a.status())))
          .filter(a -> q.site().isEmpty() || a.app().vmNames().stream().anyMatch(vm -> q.site().get().equals(k.placement().get(vm))))
          .map(a -> summary(k, a)), (p, list) -> p.withApplications(list));
      case VMS -> page(q, at, k.applications().values().stream().filter(a -> matches(q.application(), a.app().name()))
          .flatMap(a -> vms(k, a)).filter(v -> q.site().isEmpty() || q.site().equals(v.site())), (p, list) -> p.withVms(list));
      case GROUPS -> page(q, at, k.applications().values().stream().filter(a -> matches(q.application(), a.app().name()))
          .flatMap(a -> groups(k, a.app().name())).filter(g -> q.site().isEmpty() || g.vmsPerSite().containsKey(q.site().get())),
          (p, list) -> p.withGroups(list));
      case MIGRATIONS -> {
        // in flight (queued and running, in id order), then ended, the newest first
        List<MigrationRecord> ended = new ArrayList<>(k.history());
        java.util.Collections.reverse(ended);
        Predicate<MigrationRecord> wanted = m -> matches(q.application(), m.order().application()) && matches(q.state(), label(m.status()))
            && (q.site().isEmpty() || q.site().get().equals(m.order().from()) || q.site().get().equals(m.order().to()));
        yield page(q, at, Stream.concat(k.migrations().values().stream(), ended.stream()).filter(wanted)
            .map(m -> StatusPage.migration(m, m.ended() ? Optional.empty() : Optional.ofNullable(k.migrationProgress().get(m.id())))),
            (p, list) -> p.withMigrations(list));
      }
      case DECISIONS -> {
        List<DecisionRecord> newestFirst = new ArrayList<>(k.decisions());
        java.util.Collections.reverse(newestFirst);
        yield page(q, at, newestFirst.stream().filter(d -> matches(q.application(), d.application()) && matches(q.state(), d.kind().label()))
            .map(StatusPage::decision), (p, list) -> p.withDecisions(list));
      }
    };
  }

  private static <T> ResourcePage page(ResourceQuery q, Instant at, Stream<T> matching, java.util.function.BiFunction<ResourcePage, List<T>,
      ResourcePage> fill) {
    List<T> all = matching.toList();
    List<T> shown = all.subList(Math.min(q.offset(), all.size()), Math.min(all.size(), q.offset() + q.limit()));
    Optional<Integer> next = q.offset() + shown.size() < all.size() ? Optional.of(q.offset() + shown.size()) : Optional.empty();
    ResourcePage empty = new ResourcePage(q.kind(), at, all.size(), q.offset(), next, List.of(), List.of(), List.of(), List.of(), List.of());
    return fill.apply(empty, shown);
  }

  private static boolean matches(Optional<String> wanted, String value) {
    return wanted.isEmpty() || wanted.get().equals(value);
  }

  private static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static AppSummary summary(Knowledge k, AppRecord a) {
    SortedMap<String, Integer> perSite = new TreeMap<>();
    k.placementOf(a.app().name()).siteOfVm().values().forEach(s -> perSite.merge(s, 1, Integer::sum));
    return new AppSummary(a.app().name(), label(a.status()), a.app().objective().toString(), a.app().workload().doneWork(),
        a.app().workload().totalWork(), a.observedSecondsPerWork(), a.app().deadline(), a.app().budget(), a.app().spent(),
        a.app().vmNames().size(), perSite);
  }

  private static Stream<VmLine> vms(Knowledge k, AppRecord a) {
    String app = a.app().name();
    Map<String, Integer> groupOf = new TreeMap<>();
    List<List<String>> groups = k.groups().getOrDefault(app, List.of());
    for (int i = 0; i < groups.size(); i++) {
      for (String vm : groups.get(i)) {
        groupOf.put(vm, i);
      }
    }
    Map<String, String> migrating = new TreeMap<>();
    k.migrations().values().stream().filter(m -> m.order().application().equals(app)).forEach(m -> migrating.put(m.order().vm(), m.id()));
    return a.app().vmNames().stream().sorted().map(vm -> new VmLine(vm, app, Optional.ofNullable(k.placement().get(vm)),
        Optional.ofNullable(groupOf.get(vm)), Optional.ofNullable(migrating.get(vm))));
  }

  private static Stream<GroupLine> groups(Knowledge k, String app) {
    List<List<String>> groups = k.groups().getOrDefault(app, List.of());
    List<GroupLine> lines = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      SortedMap<String, Integer> perSite = new TreeMap<>();
      groups.get(i).forEach(vm -> Optional.ofNullable(k.placement().get(vm)).ifPresent(s -> perSite.merge(s, 1, Integer::sum)));
      lines.add(new GroupLine(app, i, groups.get(i), perSite));
    }
    return lines.stream();
  }

  private ResourcePage withApplications(List<AppSummary> l) {
    return new ResourcePage(kind, at, total, offset, nextOffset, l, vms, groups, migrations, decisions);
  }

  private ResourcePage withVms(List<VmLine> l) {
    return new ResourcePage(kind, at, total, offset, nextOffset, applications, l, groups, migrations, decisions);
  }

  private ResourcePage withGroups(List<GroupLine> l) {
    return new ResourcePage(kind, at, total, offset, nextOffset, applications, vms, l, migrations, decisions);
  }

  private ResourcePage withMigrations(List<StatusPage.MigrationLine> l) {
    return new ResourcePage(kind, at, total, offset, nextOffset, applications, vms, groups, l, decisions);
  }

  private ResourcePage withDecisions(List<StatusPage.DecisionLine> l) {
    return new ResourcePage(kind, at, total, offset, nextOffset, applications, vms, groups, migrations, l);
  }
}
