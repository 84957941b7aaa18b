package org.vmflock.monitor.stats;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.pcollections.OrderedPMap;
import org.pcollections.TreePMap;
import org.pcollections.TreePSet;
import org.vmflock.CborSerializable;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.stats.SiteEvent.HostReportRecorded;
import org.vmflock.monitor.stats.SiteEvent.PeriodClosed;
import org.vmflock.monitor.stats.SiteEvent.PeriodsPruned;
import org.vmflock.monitor.stats.SiteEvent.ReportRecorded;
import org.vmflock.monitor.stats.SiteEvent.ReportsRecorded;
import org.vmflock.monitor.stats.SiteEvent.VmsRegistered;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;
import org.vmflock.monitor.traffic.VmTraffic;

/**
 * The state of one site's collector (M5): its roster of VMs and hosts, and its periods. Immutable:
 * {@link #apply} is a pure function of the events, and the {@code decide...} methods say which
 * events a command produces, or why it is refused, without changing anything.
 */
public record SiteStatistics(
    String site,
    Map<String, RosterEntry> roster,
    SortedSet<String> hosts,
    SortedMap<Long, SitePeriod> periods,
    long prunedThrough) implements CborSerializable {

  public static final long NONE = Long.MIN_VALUE;

  public SiteStatistics {
    // persistent maps: folding a report shares everything but its path with the state before (O(log n), no copy)
    roster = roster instanceof OrderedPMap<String, RosterEntry> p ? p : OrderedPMap.from(roster);
    hosts = hosts instanceof TreePSet<String> p ? p : TreePSet.from(hosts);
    periods = periods instanceof TreePMap<Long, SitePeriod> p ? p : TreePMap.from(periods);
  }

  public static SiteStatistics empty(String site) {
    return new SiteStatistics(site, Map.of(), new TreeSet<>(), new TreeMap<>(), NONE);
  }

  /** What a command leads to: events to persist, a duplicate to acknowledge, or a refusal with its reason. */
  public record Decision(Outcome outcome, String reason, List<SiteEvent> events) {
    public enum Outcome { RECORDED, DUPLICATE, REJECTED }

    static Decision recorded(List<SiteEvent> events) {
      return new Decision(Outcome.RECORDED, "", events);
    }

    static Decision duplicate(String why) {
      return new Decision(Outcome.DUPLICATE, why, List.of());
    }

    static Decision rejected(String why) {
      return new Decision(Outcome.REJECTED, why, List.of());
    }
  }

  // ---------------------------------------------------------------- decisions

  public Decision decideRegister(String host, List<RosterEntry> vms) {
    try {
      VmEndpoint.requireName("host", host);
      if (vms.isEmpty()) {
        return Decision.rejected("registration from host '" + host + "' lists no VM");
      }
      for (RosterEntry e : vms) {
        VmEndpoint.requireName("VM", e.vm());
        MacAddress.parse(e.mac());
        e.addresses().forEach(IpAddress::parse);
        if (!e.host().equals(host)) {
          return Decision.rejected("VM '" + e.vm() + "' names host '" + e.host() + "' in a registration from host '" + host + "'");
        }
      }
    } catch (IllegalArgumentException e) {
      return Decision.rejected("registration from host '" + host + "': " + e.getMessage());
    }
    return Decision.recorded(List.of(new VmsRegistered(host, vms)));
  }

  /**
   * {@code host}'s VMs leave the roster; they were not at the site from period {@code fromPeriod} on
   * ({@link Long#MAX_VALUE}: not known), so the periods from there closed with them missing are
   * complete without them; the open periods every VM still expected reported close now. A host not
   * (or no longer) registered is a duplicate: a deregistration asked again after its answer was lost
   * changes nothing.
   */
  public Decision decideDeregister(String host, long fromPeriod, long nowMillis) {
    if (!hosts.contains(host)) {
      return Decision.duplicate("host '" + host + "' is not registered at site '" + site + "'");
    }
    List<SiteEvent> events = new ArrayList<>();
    events.add(new SiteEvent.HostDeregistered(host, fromPeriod));
    SiteStatistics next = apply(events.get(0));
    for (SitePeriod sp : next.periods.values()) {
      if (!sp.closed() && !sp.reports().isEmpty() && next.allReported(sp)) {
        events.add(new PeriodClosed(sp.period(), CloseReason.ALL_REPORTED, List.of(), nowMillis));
      }
    }
    return Decision.recorded(events);
  }

  public Decision decideReport(SensorReport report, long nowMillis, CollectorSettings settings) {
    String refusal = refusal(report);
    if (!refusal.isEmpty()) {
      return Decision.rejected(refusal);
    }
    long p = report.period();
    SitePeriod existing = periods.get(p);
    if (existing != null && existing.reports().containsKey(report.vm())) {
      return Decision.duplicate("VM '" + report.vm() + "' already reported period " + p);
    }
    List<SiteEvent> events = new ArrayList<>();
    events.add(new ReportRecorded(report, nowMillis));
    SiteStatistics next = apply(events.get(0));
    SitePeriod updated = next.periods.get(p);
    if (!updated.closed() && next.allReported(updated)) {
      events.add(new PeriodClosed(p, CloseReason.ALL_REPORTED, List.of(), nowMillis));
    }
    events.addAll(next.pruning(settings));
    return Decision.recorded(events);
  }

  /** What a batch of sensor reports leads to: the events of those recorded, and each refused one with its reason. */
  public record BatchDecision(List<SiteEvent> events, int recorded, List<Refusal> refused) {
    public BatchDecision {
      events = List.copyOf(events);
      refused = List.copyOf(refused);
    }
  }

  /** Report number {@code index} of a batch (from 0), refused: a duplicate, or rejected, and why. */
  public record Refusal(int index, Decision.Outcome outcome, String reason) implements CborSerializable {}

  /**
   * The reports of a batch (e.g. the sensors of a host, one period), each decided as {@link
   * #decideReport} would one after the other: a report is refused for the reasons a single one is,
   * and as a duplicate of an earlier report of the same batch too. Those recorded are one {@link
   * ReportsRecorded} event; the periods the batch completes close after it; retention prunes once,
   * at its end.
   */
  public BatchDecision decideReports(List<SensorReport> reports, long nowMillis, CollectorSettings settings) {
    List<SensorReport> accepted = new ArrayList<>(reports.size());
    List<Refusal> refused = new ArrayList<>();
    Map<Long, java.util.Set<String>> added = new TreeMap<>();
    // the period of the report before, looked up once for a run of reports of one period (the usual batch)
    long p = 0;
    SitePeriod existing = null;
    java.util.Set<String> batch = null;
    for (int i = 0; i < reports.size(); i++) {
      SensorReport report = reports.get(i);
      String refusal = refusal(report);
      if (!refusal.isEmpty()) {
        refused.add(new Refusal(i, Decision.Outcome.REJECTED, refusal));
        continue;
      }
      if (batch == null || report.period() != p) {
        p = report.period();
        existing = periods.get(p);
        batch = added.computeIfAbsent(p, q -> new java.util.HashSet<>());
      }
      if ((existing != null && existing.reports().containsKey(report.vm())) || !batch.add(report.vm())) {
        refused.add(new Refusal(i, Decision.Outcome.DUPLICATE, "VM '" + report.vm() + "' already reported period " + p));
        continue;
      }
      accepted.add(report);
    }
    int recorded = accepted.size();
    List<SiteEvent> events = new ArrayList<>(3);
    if (recorded > 0) {
      // one fact for all of them: one journal row, however many reports
      events.add(new ReportsRecorded(accepted, nowMillis));
    }
    java.util.TreeSet<Long> after = new java.util.TreeSet<>(periods.keySet());
    // the open periods the batch added to, and how many VMs each expects: one pass over the roster for them all
    List<Long> open = new ArrayList<>(added.size());
    for (Map.Entry<Long, java.util.Set<String>> e : added.entrySet()) {
      if (!e.getValue().isEmpty()) {
        after.add(e.getKey());
        SitePeriod sp = periods.get(e.getKey());
        if (sp == null || !sp.closed()) {
          open.add(e.getKey());
        }
      }
    }
    long[] expected = new long[open.size()];
    if (!open.isEmpty()) {
      for (RosterEntry r : roster.values()) {
        for (int k = 0; k < expected.length; k++) {
          if (r.sincePeriod() <= open.get(k)) {
            expected[k]++;
          }
        }
      }
    }
    for (int k = 0; k < expected.length; k++) {
      long q = open.get(k);
      SitePeriod sp = periods.get(q);
      java.util.Set<String> fresh = added.get(q);
      // fewer reports than VMs expected: some is missing (counting is cheaper than looking each up)
      boolean all = (sp == null ? 0 : sp.reports().size()) + fresh.size() >= expected[k];
      for (Iterator<RosterEntry> r = roster.values().iterator(); all && r.hasNext(); ) {
        RosterEntry vm = r.next();
        if (vm.sincePeriod() <= q && !fresh.contains(vm.vm()) && (sp == null || !sp.reports().containsKey(vm.vm()))) {
          all = false;
        }
      }
      if (all) {
        events.add(new PeriodClosed(q, CloseReason.ALL_REPORTED, List.of(), nowMillis));
      }
    }
    int keep = settings.retentionPeriods();
    if (recorded > 0 && keep > 0 && after.size() > keep) {
      events.add(new PeriodsPruned(after.stream().skip(after.size() - keep - 1L).findFirst().orElseThrow()));
    }
    return new BatchDecision(events, recorded, refused);
  }

  public Decision decideHostReport(HostReport report, long nowMillis, CollectorSettings settings) {
    if (!report.site().equals(site)) {
      return Decision.rejected("report of host '" + report.host() + "' is for site '" + report.site() + "', not '" + site + "'");
    }
    if (!hosts.contains(report.host())) {
      return Decision.rejected("unknown host '" + report.host() + "': it registered no VM at site '" + site + "'");
    }
    if (report.period() <= prunedThrough) {
      return Decision.rejected("period " + report.period() + " is older than the periods kept (retention " + settings.retentionPeriods() + ")");
    }
    SitePeriod existing = periods.get(report.period());
    if (existing != null && existing.hosts().containsKey(report.host())) {
      return Decision.duplicate("host '" + report.host() + "' already reported period " + report.period());
    }
    List<SiteEvent> events = new ArrayList<>();
    events.add(new HostReportRecorded(report, nowMillis));
    events.addAll(apply(events.get(0)).pruning(settings));
    return Decision.recorded(events);
  }

  /** Periods whose grace time is over: closed with the sensors that did not report as missing. */
  public List<SiteEvent> closeDue(long nowMillis, CollectorSettings settings) {
    List<SiteEvent> events = new ArrayList<>();
    for (SitePeriod sp : periods.values()) {
      if (!sp.closed() && settings.graceDeadlineMillis(sp.period(), sp.firstSeenMillis()) <= nowMillis) {
        List<String> missing = expected(sp.period()).stream().filter(vm -> !sp.reports().containsKey(vm)).toList();
        events.add(new PeriodClosed(sp.period(), CloseReason.GRACE, missing, nowMillis));
      }
    }
    return events;
  }

  private String refusal(SensorReport r) {
    if (!r.site().equals(site)) {
      return "report of VM '" + r.vm() + "' is for site '" + r.site() + "', not '" + site + "'";
    }
    RosterEntry entry = roster.get(r.vm());
    if (entry == null) {
      return "unknown VM '" + r.vm() + "': not registered at site '" + site + "'";
    }
    if (!entry.host().equals(r.host())) {
      return "VM '" + r.vm() + "' is registered on host '" + entry.host() + "', but the report came from host '" + r.host() + "'";
    }
    if (r.period() < entry.sincePeriod()) {
      return "period " + r.period() + " precedes the registration of VM '" + r.vm() + "' (from period " + entry.sincePeriod() + ")";
    }
    if (r.period() <= prunedThrough) {
      return "period " + r.period() + " is older than the periods kept";
    }
    VmTraffic t = r.traffic();
    if (t.nonIpFrames() < 0 || t.nonIpBytes() < 0 || r.lateFrames() < 0 || r.lateBytes() < 0) {
      return "report of VM '" + r.vm() + "' for period " + r.period() + " has negative counts";
    }
    for (List<PeerTraffic> peers : List.of(t.received(), t.sentToFileServers())) {
      for (PeerTraffic peer : peers) {
        if (peer.packets() < 0 || peer.bytes() < 0) {
          return "report of VM '" + r.vm() + "' for period " + r.period() + " has negative counts for " + peer.address();
        }
        try {
          IpAddress.parse(peer.address());
        } catch (IllegalArgumentException e) {
          return "report of VM '" + r.vm() + "' for period " + r.period() + ": " + e.getMessage();
        }
      }
    }
    return "";
  }

  private List<SiteEvent> pruning(CollectorSettings settings) {
    int keep = settings.retentionPeriods();
    if (keep == 0 || periods.size() <= keep) {
      return List.of();
    }
    long through = periods.keySet().stream().skip(periods.size() - keep - 1L).findFirst().orElseThrow();
    return List.of(new PeriodsPruned(through));
  }

  // ---------------------------------------------------------------- queries

  /** VMs expected to report period {@code p}: registered at or before it. */
  public List<String> expected(long p) {
    return roster.values().stream().filter(e -> e.sincePeriod() <= p).map(RosterEntry::vm).toList();
  }

  /** Whether every VM expected in {@code sp}'s period reported it. */
  private boolean allReported(SitePeriod sp) {
    return expected(sp.period()).stream().allMatch(sp.reports()::containsKey);
  }

  public long newestPeriod() {
    return periods.isEmpty() ? NONE : periods.lastKey();
  }

  public List<SitePeriod> periodsBetween(long fromInclusive, long toInclusive) {
    if (fromInclusive > toInclusive) {
      return List.of();
    }
    return List.copyOf(periods.subMap(fromInclusive, toInclusive + 1).values());
  }

  // ---------------------------------------------------------------- events

  public SiteStatistics apply(SiteEvent event) {
    if (event instanceof VmsRegistered e) {
      Map<String, RosterEntry> nextRoster = new LinkedHashMap<>(roster);
      e.vms().forEach(v -> nextRoster.put(v.vm(), v));
      TreeSet<String> nextHosts = new TreeSet<>(hosts);
      nextHosts.add(e.host());
      return new SiteStatistics(site, nextRoster, nextHosts, periods, prunedThrough);
    }
    if (event instanceof SiteEvent.HostDeregistered e) {
      Map<String, RosterEntry> nextRoster = new LinkedHashMap<>(roster);
      java.util.Set<String> left = new java.util.HashSet<>();
      nextRoster.values().removeIf(v -> v.host().equals(e.host()) && left.add(v.vm()));
      TreeSet<String> nextHosts = new TreeSet<>(hosts);
      nextHosts.remove(e.host());
      // the periods from its departure closed with its VMs missing: they were not here to report
      TreePMap<Long, SitePeriod> next = (TreePMap<Long, SitePeriod>) periods;
      if (e.fromPeriod() != Long.MAX_VALUE) {
        for (SitePeriod sp : periods.tailMap(e.fromPeriod()).values()) {
          if (sp.missing().stream().anyMatch(left::contains)) {
            next = next.plus(sp.period(), sp.close(sp.closeReason(), sp.missing().stream().filter(vm -> !left.contains(vm)).toList(), sp.closedAtMillis()));
          }
        }
      }
      return new SiteStatistics(site, nextRoster, nextHosts, next, prunedThrough);
    }
    if (event instanceof ReportRecorded e) {
      SitePeriod sp = periodOrNew(e.report().period(), e.receivedAtMillis());
      return withPeriod(sp.withReport(e.report()));
    }
    if (event instanceof ReportsRecorded e) {
      // each run of reports of one period added to it at once (a batch is mostly one period)
      TreePMap<Long, SitePeriod> next = (TreePMap<Long, SitePeriod>) periods;
      List<SensorReport> all = e.reports();
      for (int from = 0; from < all.size(); ) {
        long p = all.get(from).period();
        int to = from + 1;
        while (to < all.size() && all.get(to).period() == p) {
          to++;
        }
        SitePeriod sp = next.get(p);
        next = next.plus(p, (sp != null ? sp : SitePeriod.opened(p, e.receivedAtMillis())).withReports(all.subList(from, to)));
        from = to;
      }
      return new SiteStatistics(site, roster, hosts, next, prunedThrough);
    }
    if (event instanceof HostReportRecorded e) {
      SitePeriod sp = periodOrNew(e.report().period(), e.receivedAtMillis());
      return withPeriod(sp.withHost(e.report()));
    }
    if (event instanceof PeriodClosed e) {
      SitePeriod sp = periods.get(e.period());
      return sp == null ? this : withPeriod(sp.close(e.reason(), e.missing(), e.atMillis()));
    }
    if (event instanceof PeriodsPruned e) {
      TreeMap<Long, SitePeriod> next = new TreeMap<>(periods.tailMap(e.throughPeriod() + 1));
      return new SiteStatistics(site, roster, hosts, next, Math.max(prunedThrough, e.throughPeriod()));
    }
    throw new IllegalArgumentException("unknown event " + event);
  }

  private SitePeriod periodOrNew(long p, long nowMillis) {
    SitePeriod sp = periods.get(p);
    return sp != null ? sp : SitePeriod.opened(p, nowMillis);
  }

  private SiteStatistics withPeriod(SitePeriod sp) {
    return new SiteStatistics(site, roster, hosts, ((TreePMap<Long, SitePeriod>) periods).plus(sp.period(), sp), prunedThrough);
  }
}
