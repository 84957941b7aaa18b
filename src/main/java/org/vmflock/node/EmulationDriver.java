package org.vmflock.node;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.vmflock.clock.Clock;
import org.vmflock.emulate.EmulatedApplications;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.WanLink;
import org.vmflock.emulate.lab.WanLinkSpec;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.HostMonitor;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.monitor.capture.LiveCapture;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.manager.Submissions;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;

/**
 * Drives an emulated federation inside a node (`vmflock emulate`), as {@link FederationDriver}
 * drives a simulated one, with nothing simulated: each site's bridge is captured live (one Pcap4J
 * capture per site, M3) into a host monitor whose sensors report to the site's collector; the
 * applications' progress, read from the real programs' output, and their end, the real process's,
 * are told to the manager; the timeline's site changes are sent to the site actors when their time
 * comes, and a link change the site actors publish reconfigures the lab's link.
 *
 * <p>A site's capture serves the VMs on its bridge now: when a VM moves (or one boots or stops),
 * the site's monitor is drained and replaced by one for its new VMs, registered as a new host (the
 * old one leaves the collector's roster). A frame between two sites crosses both bridges but is
 * counted once, at its receiver's site (a sensor counts what its VM receives, M1). The period in
 * which a VM moves is reported by the site where it is at the period's end (the global view keeps
 * one report per VM and period).
 */
public final class EmulationDriver {

  public sealed interface Command {}

  private enum Tick implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private record EnvironmentChanged(SiteActor.Published published) implements Command, NoSerializationVerificationNeeded {}

  private record Drained(String site, String host, ActorRef<HostMonitor.Command> monitor) implements Command, NoSerializationVerificationNeeded {}

  private record Answered(String what, Optional<SiteActor.Reply> reply, String error) implements Command, NoSerializationVerificationNeeded {}

  private record Submitted(String application, Optional<MigrationManager.Reply> reply, String error) implements Command,
      NoSerializationVerificationNeeded {}

  /**
   * What the driver works with.
   *
   * @param offset how far the node's clock runs ahead of the machine's (the scenario's time): the
   *     captures stamp their frames on it
   * @param timeline the site changes to send when due, in time order
   * @param start the scenario's start (a failing site without windows was available from there)
   * @param maxBitsPerSecond the fastest a lab's link is made (faster paths are scaled down to it)
   * @param arrivals the applications submitted later, when they arrive (announced before, those
   *     that are)
   */
  public record Settings(EmulatedFederation lab, EmulatedApplications applications, Infrastructure infra, Clock clock, Duration offset,
      Duration tick, Duration progressEvery, MonitorSettings monitor, VmflockNode node, ActorRef<MigrationManager.Command> manager,
      List<TimelineEvent> timeline, Instant start, long maxBitsPerSecond, List<Scenario.ScenarioApplication> arrivals) {
    public Settings {
      timeline = List.copyOf(timeline);
      arrivals = arrivals.stream().sorted(java.util.Comparator.comparing(a -> a.arrival(start))).toList();
    }

    /** The arrivals announced before they come, in the order of their announcements. */
    List<Scenario.ScenarioApplication> announced() {
      return arrivals.stream().filter(a -> a.announced().isPresent()).sorted(java.util.Comparator.comparing(a -> a.announced().get())).toList();
    }
  }

  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

  private EmulationDriver() {}

  public static Behavior<Command> create(Settings s) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, s.tick());
      ActorRef<Topic.Command<SiteActor.Published>> topic = ctx.spawn(Topic.create(SiteActor.Published.class, SiteActor.TOPIC), "site-topic");
      topic.tell(Topic.subscribe(ctx.messageAdapter(SiteActor.Published.class, EnvironmentChanged::new)));
      Driver d = new Driver(ctx, s);
      return Behaviors.receive(Command.class)
          .onMessageEquals(Tick.INSTANCE, () -> {
            d.tick();
            return Behaviors.same();
          })
          .onMessage(EnvironmentChanged.class, e -> {
            d.changed(e.published());
            return Behaviors.same();
          })
          .onMessage(Drained.class, dr -> {
            d.drained(dr);
            return Behaviors.same();
          })
          .onMessage(Submitted.class, a -> {
            if (a.reply().isEmpty() || a.reply().get() instanceof MigrationManager.Rejected) {
              ctx.getLog().warn("application {} not submitted: {}", a.application(), a.reply().map(Object::toString).orElse(a.error()));
            }
            return Behaviors.same();
          })
          .onMessage(Answered.class, a -> {
            if (a.reply().isEmpty()) {
              ctx.getLog().warn("{} not answered: {}", a.what(), a.error());
            } else if (a.reply().get() instanceof SiteActor.Rejected r) {
              ctx.getLog().warn("{} refused by site {}: {}", a.what(), r.site(), r.reason());
            }
            return Behaviors.same();
          })
          .onSignal(org.apache.pekko.actor.typed.PostStop.class, sig -> {
            d.stopAll();
            return Behaviors.same();
          })
          .build();
    }));
  }

  /** One site's live monitoring: its capture's host monitor and the VMs it serves. */
  private record SiteMonitor(String host, Set<String> vms, ActorRef<HostMonitor.Command> monitor) {}

  private static final class Driver {
    private final ActorContext<Command> ctx;
    private final Settings s;
    private final Map<String, SiteMonitor> monitors = new TreeMap<>();
    private final Map<String, Integer> generations = new HashMap<>();
    private final Map<String, Double> doneAtLastReport = new HashMap<>();
    private final Set<String> reportedFinished = new HashSet<>();
    private Instant lastReport;
    private int nextDue;
    private int nextArrival;
    private final List<Scenario.ScenarioApplication> announced;
    private int nextAnnouncement;

    Driver(ActorContext<Command> ctx, Settings s) {
      this.ctx = ctx;
      this.s = s;
      this.announced = s.announced();
      this.lastReport = s.clock().now();
    }

    void tick() {
      Instant now = s.clock().now();
      followVms(now);
      reportApplications(now);
      while (nextDue < s.timeline().size() && !s.timeline().get(nextDue).at().isAfter(now)) {
        send(s.timeline().get(nextDue++));
      }
      // an announcement before its arrival: the manager holds room for it
      while (nextAnnouncement < announced.size() && !announced.get(nextAnnouncement).announced().get().isAfter(now)) {
        Scenario.ScenarioApplication a = announced.get(nextAnnouncement++);
        ctx.pipeToSelf(Submissions.announce(ctx.getSystem(), s.manager(), a.app(), a.arrival(s.start()), ANSWER_TIMEOUT),
            (reply, error) -> new Submitted(a.app().name() + " (announced)", Optional.ofNullable(reply), String.valueOf(error)));
      }
      while (nextArrival < s.arrivals().size() && !s.arrivals().get(nextArrival).arrival(s.start()).isAfter(now)) {
        Scenario.ScenarioApplication a = s.arrivals().get(nextArrival++);
        ctx.pipeToSelf(Submissions.submit(ctx.getSystem(), s.manager(), a.app(), a.placement().siteOfVm(), ANSWER_TIMEOUT),
            (reply, error) -> new Submitted(a.app().name(), Optional.ofNullable(reply), String.valueOf(error)));
      }
    }

    /** Each site's capture serves the VMs of running applications on its bridge now (namespace VMs' veths and QEMU guests' taps alike). */
    private void followVms(Instant now) {
      // the VMs of applications that run: not those being created or removed (no capture restarted for each)
      Map<String, List<VmEndpoint>> bySite = new TreeMap<>();
      for (VmEndpoint vm : s.applications().runningVms()) {
        bySite.computeIfAbsent(vm.site(), k -> new ArrayList<>()).add(vm);
      }
      for (String site : s.lab().sites()) {
        List<VmEndpoint> vms = bySite.getOrDefault(site, List.of());
        Set<String> names = new TreeSet<>(vms.stream().map(VmEndpoint::vm).toList());
        SiteMonitor current = monitors.get(site);
        if (current != null && current.vms().equals(names)) {
          continue;
        }
        if (current != null) {
          retire(site, current);
        }
        if (!vms.isEmpty()) {
          monitors.put(site, startMonitor(site, vms, now));
        }
      }
    }

    private SiteMonitor startMonitor(String site, List<VmEndpoint> endpoints, Instant now) {
      int generation = generations.merge(site, 1, Integer::sum);
      String host = site + "-capture-" + generation;
      MonitorSettings m = s.monitor();
      TrafficCounter counter = new TrafficCounter(host, m.grid(), endpoints, m.fileServers());
      LiveCapture capture = LiveCapture.open(List.of(new LiveCapture.Interface(EmulatedFederation.BRIDGE, Optional.empty())),
          Optional.of(s.lab().siteNamespace(site)), counter,
          m.fileServers().isEmpty() ? m.capture().narrowedTo(LiveCapture.receivedBy(endpoints)) : m.capture(), endpoints,
          m.fileServers(), s.offset());
      long since = org.vmflock.clock.Clock.epochMicros(now);
      HostMonitor.HostSpec spec = new HostMonitor.HostSpec(host, site, endpoints, since);
      ActorRef<HostMonitor.Command> monitor = ctx.spawn(HostMonitor.polled(spec, m, s.clock(), s.node().collectors(), () -> capture), "monitor-" + host);
      return new SiteMonitor(host, new TreeSet<>(endpoints.stream().map(VmEndpoint::vm).toList()), monitor);
    }

    /** The site's monitor stops capturing, reports what it counted, then its host leaves the collector's roster. */
    private void retire(String site, SiteMonitor m) {
      monitors.remove(site);
      m.monitor().tell(HostMonitor.StopCapture.INSTANCE);
      m.monitor().tell(new HostMonitor.Drain(ctx.messageAdapter(HostMonitor.Drained.class, d -> new Drained(site, m.host(), m.monitor()))));
    }

    void drained(Drained d) {
      s.node().collectors().apply(d.site()).tell(new Collector.Deregister(d.host(), ctx.getSystem().ignoreRef()));
      ctx.stop(d.monitor());
    }

    /** Progress (from each program's output) once per report interval, and each end (the real process's) once. */
    private void reportApplications(Instant now) {
      boolean report = !Duration.between(lastReport, now).minus(s.progressEvery()).isNegative();
      double seconds = Duration.between(lastReport, now).toNanos() / 1e9;
      for (EmulatedApplications.Status run : s.applications().statuses()) {
        String name = run.app().name();
        if (run.ended().isPresent()) {
          if (reportedFinished.add(name)) {
            s.manager().tell(new MigrationManager.ReportFinished(name, run.ended().get().at()));
          }
          continue;
        }
        if (!report || !run.started()) {
          continue;
        }
        double done = run.doneWork();
        double before = doneAtLastReport.getOrDefault(name, run.app().workload().doneWork());
        doneAtLastReport.put(name, done);
        if (done > before) {
          s.manager().tell(new MigrationManager.ReportProgress(name, done, seconds / (done - before), now));
        }
      }
      if (report) {
        lastReport = now;
      }
    }

    private void send(TimelineEvent t) {
      Site site = s.infra().require(t.site());
      EnvironmentChange change = t instanceof TimelineEvent.SiteChange c ? c.change() : ((TimelineEvent.SiteFailure) t).change(site, s.start());
      String what = "the timeline's change of site " + t.site() + " at " + t.at();
      ctx.ask(SiteActor.Reply.class, s.node().sites().apply(t.site()), ANSWER_TIMEOUT, r -> new SiteActor.Change(change, r),
          (reply, error) -> new Answered(what, Optional.ofNullable(reply), String.valueOf(error)));
    }

    /** A link change a site actor accepted: the lab's link carries the new path (one-way latency, rate) from now on. */
    void changed(SiteActor.Published p) {
      if (!(p.change().change() instanceof EnvironmentChange.LinkChange lc) || !s.lab().sites().contains(lc.link().to())
          || lc.link().to().equals(p.site())) {
        return;
      }
      NetworkPath path = lc.link().path();
      WanLink link = s.lab().link(p.site(), lc.link().to());
      long bits = Math.min(Math.round(path.bytesPerSecond() * 8), s.maxBitsPerSecond());
      WanLinkSpec wanted = WanLinkSpec.of(path.latency(), Math.max(bits, WanLinkSpec.MIN_BITS_PER_SECOND));
      if (!wanted.oneWayDelay().equals(link.spec().oneWayDelay()) || wanted.bitsPerSecond() != link.spec().bitsPerSecond()) {
        ctx.getLog().info("link {}-{} now {} one way, {} bit/s", p.site(), lc.link().to(), wanted.oneWayDelay(), wanted.bitsPerSecond());
        link.reconfigure(wanted);
      }
    }

    void stopAll() {
      monitors.values().forEach(m -> m.monitor().tell(HostMonitor.StopCapture.INSTANCE));
    }
  }
}
