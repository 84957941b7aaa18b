package org.vmflock.monitor.stats;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.vmflock.model.IpAddress;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.monitor.traffic.HostReport;
import org.vmflock.monitor.traffic.HostTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.SensorReport;

/**
 * All sites' collectors merged into one view (M5): the VM x VM matrix of each period, with the
 * sender of each frame found from its source address among every site's VMs.
 */
public final class GlobalStatistics {

  private final CollectorSettings settings;
  private final List<SiteSnapshot> sites;
  private final List<String> vms;
  private final Map<IpAddress, String> vmByAddress = new HashMap<>();
  private final Map<String, RosterEntry> roster = new LinkedHashMap<>();
  private final List<Map<Long, SitePeriod>> periodsBySite = new ArrayList<>();

  public GlobalStatistics(List<SiteSnapshot> sites, CollectorSettings settings) {
    this.settings = settings;
    this.sites = List.copyOf(sites);
    for (SiteSnapshot s : this.sites) {
      for (RosterEntry e : s.roster()) {
        roster.put(e.vm(), e);
        e.addresses().forEach(a -> vmByAddress.put(IpAddress.parse(a), e.vm()));
      }
      Map<Long, SitePeriod> byPeriod = new TreeMap<>();
      s.periods().forEach(p -> byPeriod.put(p.period(), p));
      periodsBySite.add(byPeriod);
    }
    this.vms = List.copyOf(roster.keySet());
  }

  /** Every VM of every site, sites in the order given, VMs in registration order. */
  public List<String> vms() {
    return vms;
  }

  public CollectorSettings settings() {
    return settings;
  }

  /** Newest period any site knows, or {@link SiteStatistics#NONE}. */
  public long newestPeriod() {
    return sites.stream().mapToLong(SiteSnapshot::newestPeriod).max().orElse(SiteStatistics.NONE);
  }

  /**
   * A period is final when every site that expects reports for it has closed it, or is past its
   * grace time (then the sensors that did not report are missing; a site that heard nothing of the
   * period has all its sensors missing).
   */
  public boolean isFinal(long p, long nowMillis) {
    for (int i = 0; i < sites.size(); i++) {
      if (expectedAt(sites.get(i), p).isEmpty()) {
        continue;
      }
      SitePeriod sp = periodsBySite.get(i).get(p);
      // past the grace time the collector's close is only a formality: the missing are known
      boolean done = sp != null
          ? sp.closed() || nowMillis >= settings.graceDeadlineMillis(p, sp.firstSeenMillis())
          : nowMillis >= settings.graceDeadlineMillis(p, 0);
      if (!done) {
        return false;
      }
    }
    return true;
  }

  /** When period {@code p} will be final at the latest. */
  public long finalAtMillis(long p) {
    long at = settings.graceDeadlineMillis(p, 0);
    for (Map<Long, SitePeriod> byPeriod : periodsBySite) {
      SitePeriod sp = byPeriod.get(p);
      if (sp != null && !sp.closed()) {
        at = Math.max(at, settings.graceDeadlineMillis(p, sp.firstSeenMillis()));
      }
    }
    return at;
  }

  private static List<String> expectedAt(SiteSnapshot s, long p) {
    return s.roster().stream().filter(e -> e.sincePeriod() <= p).map(RosterEntry::vm).toList();
  }

  private Map<String, SensorReport> reports(long p) {
    Map<String, SensorReport> out = new HashMap<>();
    for (Map<Long, SitePeriod> byPeriod : periodsBySite) {
      SitePeriod sp = byPeriod.get(p);
      if (sp != null) {
        out.putAll(sp.reports());
      }
    }
    return out;
  }

  /** The merged statistics of period {@code p} as known now. */
  public PeriodStatistics statistics(long p, long nowMillis) {
    return build(p, nowMillis, false);
  }

  /**
   * Like {@link #statistics}, but for each expected sensor that has not reported {@code p}, its
   * traffic of the period before is used instead (the report's approximation, §4.3.2).
   */
  public PeriodStatistics extrapolated(long p, long nowMillis) {
    return build(p, nowMillis, true);
  }

  private PeriodStatistics build(long p, long nowMillis, boolean extrapolate) {
    Map<String, SensorReport> reports = reports(p);
    Map<String, SensorReport> previous = extrapolate ? reports(p - 1) : Map.of();
    List<String> missing = new ArrayList<>();
    List<String> extrapolated = new ArrayList<>();
    Map<String, SensorReport> used = new LinkedHashMap<>();
    for (SiteSnapshot s : sites) {
      for (String vm : expectedAt(s, p)) {
        SensorReport r = reports.get(vm);
        if (r != null) {
          used.put(vm, r);
        } else if (previous.containsKey(vm)) {
          used.put(vm, previous.get(vm));
          extrapolated.add(vm);
        } else {
          missing.add(vm);
        }
      }
    }
    int n = vms.size();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < n; i++) {
      index.put(vms.get(i), i);
    }
    double[][] packets = new double[n][n];
    double[][] bytes = new double[n][n];
    List<OtherTraffic> other = new ArrayList<>();
    for (String vm : vms) {
      SensorReport r = used.get(vm);
      if (r == null) {
        continue;
      }
      int receiver = index.get(vm);
      long outsidePackets = 0;
      long outsideBytes = 0;
      for (PeerTraffic peer : r.traffic().received()) {
        Optional<Integer> sender = Optional.ofNullable(vmByAddress.get(IpAddress.parse(peer.address()))).map(index::get);
        if (sender.isPresent()) {
          packets[sender.get()][receiver] += peer.packets();
          bytes[sender.get()][receiver] += peer.bytes();
        } else {
          outsidePackets += peer.packets();
          outsideBytes += peer.bytes();
        }
      }
      long fsPackets = r.traffic().sentToFileServers().stream().mapToLong(PeerTraffic::packets).sum();
      long fsBytes = r.traffic().sentToFileServers().stream().mapToLong(PeerTraffic::bytes).sum();
      other.add(new OtherTraffic(vm, outsidePackets, outsideBytes, fsPackets, fsBytes,
          r.traffic().nonIpFrames(), r.traffic().nonIpBytes(), r.lateFrames(), r.partial()));
    }
    List<HostTraffic> hosts = new ArrayList<>();
    for (Map<Long, SitePeriod> byPeriod : periodsBySite) {
      SitePeriod sp = byPeriod.get(p);
      if (sp != null) {
        sp.hosts().values().stream().map(HostReport::traffic).forEach(hosts::add);
      }
    }
    return new PeriodStatistics(
        p,
        settings.grid().start(p).toEpochMilli(),
        settings.grid().end(p).toEpochMilli(),
        isFinal(p, nowMillis),
        missing,
        extrapolated,
        new TrafficMatrix(vms, packets, bytes),
        other,
        hosts);
  }
}
