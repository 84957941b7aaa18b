package org.vmflock.node;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.vmflock.clock.Clock;
import org.vmflock.emulate.hypervisors.HypervisorsProtocol;
import org.vmflock.emulate.hypervisors.TrafficMeter;
import org.vmflock.model.PeriodGrid;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.HostMonitor;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.stats.RosterEntry;
import org.vmflock.monitor.stats.SitePeriod;
import org.vmflock.monitor.stats.SiteSnapshot;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.simulate.SimulatedFederation;

/**
 * The sensors of a cluster node's sites (M3, M4) when the hypervisors run outside it ({@code vmflock
 * node --hypervisors URL}): for each site the node serves ({@code vmflock.node.sites}), once a
 * period has ended (and the watermark lag passed), the hypervisors' traffic counters of the VMs at
 * the site now are read at the period's start and end ({@code GET /traffic}); their differences are
 * the period's traffic, pushed to a host monitor whose sensors report it to the site's collector.
 * The counters are read at the periods' ends, not when the poll happens to come: a late poll, a
 * poll tried again, or a node started again reports the same counts.
 *
 * <p>A site's monitor serves the VMs at the site: when they change (a boot, a stop, a VM that moved
 * in or out) the monitor ends at the last period it reported, reports what it holds, and its host
 * leaves the collector's roster (the collector then refuses the late reports of a VM that moved);
 * a new one, a host named after its first period, serves the new VMs from the next period on. A VM
 * that moves reports the period it moves in from the site where it was at the period's end, as the
 * hypervisors' meter says (not where a poll happens to find it): each VM's period is reported once,
 * by one site, whichever node senses it and whenever.
 *
 * <p>Started (or started again), a site resumes from its collector: after the newest period reported,
 * or from the first of the newest periods still incomplete (reports lost with a stopped node), so that
 * no period between a node's stop and its start is lost; the hosts an earlier incarnation left in
 * the roster leave it once the new monitor is registered (or the first periods read found no VM at
 * the site), from the period the site resumed at: what the hypervisors say is at the site from there
 * on, the new monitors serve.
 *
 * <p>A host leaving the roster is asked of the collector until it answers (a deregistration lost with
 * a collector moving to another node, or sent to a node going down, is asked again at the next tick),
 * and says from which period its VMs were gone: the periods from there that closed at the grace time
 * with them missing (the deregistration came late) are complete without them.
 */
public final class HypervisorsSensing {

  /**
   * How far back a site started again resumes at most: a node down longer loses the periods before
   * (well within the hypervisors' {@link org.vmflock.emulate.hypervisors.HypervisorsServer#TRAFFIC_RETENTION}).
   */
  public static final Duration RESUME_BACK = Duration.ofMinutes(10);

  /** What reads the hypervisors' traffic counters ({@link org.vmflock.emulate.hypervisors.RemoteHypervisors#traffic}). */
  @FunctionalInterface
  public interface Counters {
    CompletionStage<HypervisorsProtocol.SiteTraffic> read(String site, List<Long> atMicros);
  }

  /**
   * @param resumeBack how many periods before now a site resumes from at most
   * @param maxPeriodsPerRead periods read in one request at most (a site that fell behind catches up in several)
   */
  public record Settings(List<String> sites, MonitorSettings monitor, Clock clock, Function<String, RecipientRef<Collector.Command>> collectors,
      Counters counters, int resumeBack, int maxPeriodsPerRead) {
    public Settings {
      sites = List.copyOf(sites);
      if (resumeBack < 0 || maxPeriodsPerRead < 1) {
        throw new IllegalArgumentException("resumeBack >= 0 and maxPeriodsPerRead >= 1, not " + resumeBack + " and " + maxPeriodsPerRead);
      }
    }

    /** Ten minutes back at most ({@link #RESUME_BACK}), 100 periods a read. */
    public Settings(List<String> sites, MonitorSettings monitor, Clock clock, Function<String, RecipientRef<Collector.Command>> collectors,
        Counters counters) {
      this(sites, monitor, clock, collectors, counters, (int) Math.max(1, RESUME_BACK.toMillis() / monitor.grid().lengthMillis()), 100);
    }
  }

  public sealed interface Command {}

  private enum Tick implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private record Resumed(String site, Optional<SiteSnapshot> snapshot, String error) implements Command, NoSerializationVerificationNeeded {}

  private record Read(String site, long first, long last, Optional<HypervisorsProtocol.SiteTraffic> traffic, String error)
      implements Command, NoSerializationVerificationNeeded {}

  private record Registered(String site, String host) implements Command, NoSerializationVerificationNeeded {}

  private record Drained(String site, String host, long fromPeriod, ActorRef<HostMonitor.Command> monitor) implements Command, NoSerializationVerificationNeeded {}

  private record Deregistered(String site, String host, Optional<Collector.Reply> reply, String error) implements Command, NoSerializationVerificationNeeded {}

  /** The prefix of the host names of a site's monitors. */
  static String hostPrefix(String site) {
    return site + "-hypervisors-";
  }

  public static Behavior<Command> create(Settings s) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      // named, or the logger is Pekko's (at WARN): where a site resumed and each monitor started went unlogged
      ctx.setLoggerName(HypervisorsSensing.class);
      timers.startTimerWithFixedDelay(Tick.INSTANCE, s.monitor().flushInterval());
      Sensing sensing = new Sensing(ctx, s);
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> { sensing.tick(); return Behaviors.same(); })
          .onMessage(Resumed.class, r -> { sensing.resumed(r); return Behaviors.same(); })
          .onMessage(Read.class, r -> { sensing.read(r); return Behaviors.same(); })
          .onMessage(Registered.class, r -> { sensing.registered(r); return Behaviors.same(); })
          .onMessage(Drained.class, d -> { sensing.drained(d); return Behaviors.same(); })
          .onMessage(Deregistered.class, d -> { sensing.deregistered(d); return Behaviors.same(); })
          .build();
    }));
  }

  /** A site's monitor: its host, the VMs it serves, and the monitor. */
  private record Generation(String host, Set<String> vms, ActorRef<HostMonitor.Command> monitor) {}

  /** One site's sensing: the next period to report (unknown until resumed), whether a request is out, its monitor. */
  private static final class Site {
    final String name;
    long next = Long.MIN_VALUE;
    boolean busy;
    /** A retired monitor is reporting what it holds: nothing is read until it is done. */
    boolean draining;
    Optional<Generation> current = Optional.empty();
    /** Hosts of earlier incarnations still in the roster: they leave it once the new monitor is registered. */
    final Set<String> stale = new TreeSet<>();
    /** The period sensing resumed at (this incarnation reads every period from it). */
    long resumedAt = Long.MIN_VALUE;
    /** Hosts leaving the roster, and the period their VMs were gone from: asked until the collector answers. */
    final Map<String, Long> leaving = new TreeMap<>();
    /** Of {@link #leaving}, those asked and not answered yet. */
    final Set<String> asked = new TreeSet<>();
    String lastError = "";

    Site(String name) {
      this.name = name;
    }
  }

  private static final class Sensing {
    private final ActorContext<Command> ctx;
    private final Settings s;
    private final PeriodGrid grid;
    private final Map<String, Site> sites = new TreeMap<>();
    private final Map<String, Integer> generations = new HashMap<>();

    Sensing(ActorContext<Command> ctx, Settings s) {
      this.ctx = ctx;
      this.s = s;
      this.grid = s.monitor().grid();
      s.sites().forEach(name -> sites.put(name, new Site(name)));
    }

    void tick() {
      long nowMicros = micros(s.clock().now());
      long nowPeriod = grid.periodOfMicros(nowMicros);
      for (Site site : sites.values()) {
        deregister(site);
        if (site.busy || site.draining) {
          continue;
        }
        if (site.next == Long.MIN_VALUE) {
          site.busy = true;
          long from = nowPeriod - s.resumeBack();
          ctx.ask(SiteSnapshot.class, s.collectors().apply(site.name), s.monitor().reportTimeout(),
              r -> new Collector.GetPeriods(from, nowPeriod, r),
              (snapshot, error) -> new Resumed(site.name, Optional.ofNullable(snapshot), String.valueOf(error)));
          continue;
        }
        // a period is read once it ended, and the watermark lag passed (the hypervisors' clock may lag behind)
        long lastDue = grid.periodOfMicros(nowMicros - s.monitor().watermarkLag().toMillis() * 1000) - 1;
        if (site.next > lastDue) {
          continue;
        }
        long first = site.next;
        long last = Math.min(lastDue, first + s.maxPeriodsPerRead() - 1);
        List<Long> at = new ArrayList<>();
        at.add(grid.startMicros(first));
        for (long p = first; p <= last; p++) {
          at.add(grid.endMicros(p));
        }
        site.busy = true;
        ctx.pipeToSelf(s.counters().read(site.name, at),
            (traffic, error) -> new Read(site.name, first, last, Optional.ofNullable(traffic), String.valueOf(error)));
      }
    }

    void resumed(Resumed r) {
      Site site = sites.get(r.site());
      site.busy = false;
      if (r.snapshot().isEmpty()) {
        warnOnce(site, "site " + site.name + ": its collector did not tell where its sensors stopped (" + r.error() + "), asked again");
        return;
      }
      SiteSnapshot snapshot = r.snapshot().get();
      long nowPeriod = grid.periodOf(s.clock().now());
      site.next = Math.max(resumeFrom(snapshot, nowPeriod), nowPeriod - s.resumeBack());
      site.resumedAt = site.next;
      snapshot.roster().stream().map(RosterEntry::host).filter(h -> h.startsWith(hostPrefix(site.name))).forEach(site.stale::add);
      if (site.next < nowPeriod) {
        ctx.getLog().info("site {}: sensing resumed at period {} ({} period(s) back)", site.name, site.next, nowPeriod - site.next);
      }
    }

    void read(Read r) {
      Site site = sites.get(r.site());
      site.busy = false;
      if (r.traffic().isEmpty()) {
        warnOnce(site, "site " + site.name + ": the hypervisors' traffic of periods " + r.first() + ".." + r.last() + " not read ("
            + r.error() + "), read again");
        return;
      }
      site.lastError = "";
      HypervisorsProtocol.SiteTraffic traffic = r.traffic().get();
      for (long p = r.first(); p <= r.last(); p++) {
        int i = (int) (p - r.first());
        // the VMs at the site at the period's end report it
        Map<String, VmEndpoint> endpoints = new TreeMap<>();
        for (HypervisorsProtocol.VmCounters v : traffic.vms()) {
          if (v.readings().get(i + 1).here()) {
            endpoints.put(v.vm(), SimulatedFederation.endpoint(v.vm(), site.name, v.nic()));
          }
        }
        if (site.current.isPresent() && !site.current.get().vms().equals(endpoints.keySet())) {
          // the VMs changed: the monitor reports what it holds and leaves before its successor
          // registers (the VMs that stay would otherwise be refused the last reports of the one that
          // leaves); the periods from p on are read again then (the readings are the same)
          retire(site, p);
          site.next = p;
          return;
        }
        if (site.current.isEmpty() && !endpoints.isEmpty()) {
          start(site, p, endpoints);
        }
        if (site.current.isPresent()) {
          site.current.get().monitor().tell(new HostMonitor.Counted(periodTraffic(traffic, i, p), grid.endMicros(p), false));
        }
      }
      if (site.current.isEmpty()) {
        // no VM at the site since it resumed: no monitor will register, the earlier incarnation's hosts leave now
        leaveStale(site, null);
      }
      site.next = r.last() + 1;
    }

    /** The site's monitor ends before period {@code p}: every period before is closed, the end of the stream closes no other. */
    private void retire(Site site, long p) {
      Generation g = site.current.orElseThrow();
      site.current = Optional.empty();
      site.draining = true;
      g.monitor().tell(new HostMonitor.Counted(CountedTraffic.none(), grid.startMicros(p) - 1, true));
      g.monitor().tell(new HostMonitor.Drain(ctx.messageAdapter(HostMonitor.Drained.class, d -> new Drained(site.name, g.host(), p, g.monitor()))));
    }

    /** From period {@code p} on, a new monitor (a new host) serves {@code vms} at the site. */
    private void start(Site site, long p, Map<String, VmEndpoint> vms) {
      String host;
      do {
        // a name of its own: not one an earlier incarnation left (its VMs at the time may not be these), nor one leaving
        int generation = generations.merge(site.name + "@" + p, 1, Integer::sum);
        host = hostPrefix(site.name) + p + (generation > 1 ? "-" + generation : "");
      } while (site.stale.contains(host) || site.leaving.containsKey(host));
      HostMonitor.HostSpec spec = new HostMonitor.HostSpec(host, site.name, List.copyOf(vms.values()), grid.startMicros(p));
      ActorRef<HostMonitor.Command> monitor = ctx.spawn(HostMonitor.pushed(spec, s.monitor(), s.collectors()), "monitor-" + host);
      monitor.tell(new HostMonitor.AwaitReady(ctx.messageAdapter(HostMonitor.Ready.class, ready -> new Registered(site.name, ready.host()))));
      site.current = Optional.of(new Generation(host, new TreeSet<>(vms.keySet()), monitor));
      ctx.getLog().info("site {}: sensors of {} VM(s) from period {} (host {})", site.name, vms.size(), p, host);
    }

    /** The site's new monitor is registered: the hosts an earlier incarnation left leave the roster. */
    void registered(Registered r) {
      leaveStale(sites.get(r.site()), r.host());
    }

    /** The hosts an earlier incarnation left (but {@code keep}) leave the roster: their VMs not among this incarnation's were gone from its resumption. */
    private void leaveStale(Site site, String keep) {
      for (String host : site.stale) {
        if (!host.equals(keep)) {
          leave(site, host, site.resumedAt);
        }
      }
      site.stale.clear();
    }

    /** A retired monitor's reports are all acknowledged: its host leaves the roster (the VMs that left with it), and the site goes on. */
    void drained(Drained d) {
      Site site = sites.get(d.site());
      leave(site, d.host(), d.fromPeriod());
      ctx.stop(d.monitor());
      site.draining = false;
    }

    private void leave(Site site, String host, long fromPeriod) {
      site.leaving.merge(host, fromPeriod, Math::min);
      deregister(site);
    }

    /** Asks the collector to deregister the hosts leaving that are not asked already. */
    private void deregister(Site site) {
      for (Map.Entry<String, Long> e : site.leaving.entrySet()) {
        String host = e.getKey();
        long from = e.getValue();
        if (site.asked.add(host)) {
          ctx.ask(Collector.Reply.class, s.collectors().apply(site.name), s.monitor().reportTimeout(),
              r -> new Collector.Deregister(host, from, r),
              (reply, error) -> new Deregistered(site.name, host, Optional.ofNullable(reply), String.valueOf(error)));
        }
      }
    }

    /** The collector answered a deregistration (done), refused it, or did not answer (asked again at the next tick). */
    void deregistered(Deregistered d) {
      Site site = sites.get(d.site());
      site.asked.remove(d.host());
      if (d.reply().isPresent()) {
        site.leaving.remove(d.host());
        if (d.reply().get() instanceof Collector.Rejected r) {
          ctx.getLog().warn("site {}: the collector refused to deregister host {}: {}", site.name, d.host(), r.reason());
        }
      } else {
        warnOnce(site, "site " + site.name + ": host " + d.host() + " not deregistered (" + d.error() + "), asked again");
      }
    }

    private void warnOnce(Site site, String warning) {
      String kind = warning.replaceAll("\\(.*\\)", "");
      if (!kind.equals(site.lastError)) {
        ctx.getLog().warn(warning);
        site.lastError = kind;
      }
    }
  }

  /**
   * Where a site's sensing resumes: after the newest period any of its VMs reported, or from the
   * first of the newest periods that are still incomplete (open, or closed with VMs missing: their
   * reports were lost with a stopped node); {@link Long#MIN_VALUE} if nothing was ever reported: as far
   * back as a site resumes at all (its VMs may have arrived before a node that was to report them
   * stopped without having reported anything, e.g. killed while registering them; periods without
   * VMs at the site report nothing). Resuming at the current period then lost the periods from the
   * VMs' arrival to the restart (seen in the rolling restart of ClusterChaosTest).
   */
  static long resumeFrom(SiteSnapshot snapshot, long nowPeriod) {
    List<SitePeriod> reported = snapshot.periods().stream().filter(p -> !p.reports().isEmpty()).toList();
    if (reported.isEmpty()) {
      return Long.MIN_VALUE;
    }
    long from = reported.get(reported.size() - 1).period() + 1;
    for (int i = snapshot.periods().size() - 1; i >= 0; i--) {
      SitePeriod p = snapshot.periods().get(i);
      if (p.period() >= from) {
        continue;
      }
      if (p.period() != from - 1 || (p.closed() && p.missing().isEmpty())) {
        break;
      }
      from = p.period();
    }
    return from;
  }

  /** What each VM received in period {@code p}: the difference between reading {@code i + 1} (its end) and reading {@code i} (its start). */
  static CountedTraffic periodTraffic(HypervisorsProtocol.SiteTraffic traffic, int i, long p) {
    List<VmTraffic> vms = new ArrayList<>();
    long frames = 0;
    for (HypervisorsProtocol.VmCounters v : traffic.vms()) {
      if (!v.readings().get(i + 1).here()) {
        continue;
      }
      Map<String, TrafficMeter.Count> start = new HashMap<>();
      v.readings().get(i).received().forEach(c -> start.put(c.senderAddress(), c));
      List<PeerTraffic> peers = new ArrayList<>();
      for (TrafficMeter.Count end : v.readings().get(i + 1).received()) {
        TrafficMeter.Count before = start.get(end.senderAddress());
        long packets = end.packets() - (before == null ? 0 : before.packets());
        long bytes = end.bytes() - (before == null ? 0 : before.bytes());
        if (packets > 0 || bytes > 0) {
          peers.add(new PeerTraffic(end.senderAddress(), Math.max(packets, 0), Math.max(bytes, 0)));
          frames += Math.max(packets, 0);
        }
      }
      if (!peers.isEmpty()) {
        vms.add(new VmTraffic(v.vm(), p, peers, List.of(), 0, 0));
      }
    }
    return new CountedTraffic(vms, List.of(), frames);
  }

  private static long micros(Instant t) {
    return Clock.epochMicros(t);
  }
}
