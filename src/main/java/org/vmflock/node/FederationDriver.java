package org.vmflock.node;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.vmflock.clock.Clock;
import org.vmflock.manager.MigrationManager;
import org.vmflock.manager.Submissions;
import org.vmflock.model.Application;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Site;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.Placement;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmEndpoint;
import org.vmflock.monitor.Collector;
import org.vmflock.monitor.HostMonitor;
import org.vmflock.monitor.MonitorSettings;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.site.SiteEnvironment;
import org.vmflock.monitor.traffic.CountedTraffic;
import org.vmflock.monitor.traffic.PeerTraffic;
import org.vmflock.monitor.traffic.VmTraffic;
import org.vmflock.simulate.ApplicationRuntime;
import org.vmflock.simulate.SimulatedFederation;

/**
 * Drives a simulated federation inside a running node (`vmflock run`): at every tick it advances
 * the applications by the time that passed (their pace from where their VMs run, paused VMs
 * stalling them), feeds the traffic they exchanged to synthetic sensors (one host monitor per
 * application, reporting to the federation's collector), tells the manager their progress once a
 * period and their end. It follows what the site actors publish, as the hypervisors would live it:
 * a site's new CPU speed or links change the applications' pace, a new capacity the room the
 * simulated hypervisors have.
 */
public final class FederationDriver {

  public sealed interface Command {}

  private enum Tick implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** A site actor published a change of its environment. */
  private record EnvironmentChanged(SiteActor.Published published) implements Command, NoSerializationVerificationNeeded {}

  /** What the driver works with. */
  public record Settings(SimulatedFederation federation, Infrastructure infra, Clock clock, Duration tick, Duration progressEvery,
      MonitorSettings monitor, Function<String, RecipientRef<Collector.Command>> collectors, String collectorSite,
      ActorRef<MigrationManager.Command> manager, Schedule schedule) {

    /** Without a schedule. */
    public Settings(SimulatedFederation federation, Infrastructure infra, Clock clock, Duration tick, Duration progressEvery,
        MonitorSettings monitor, Function<String, RecipientRef<Collector.Command>> collectors, String collectorSite,
        ActorRef<MigrationManager.Command> manager) {
      this(federation, infra, clock, tick, progressEvery, monitor, collectors, collectorSite, manager, Schedule.NONE);
    }
  }

  /**
   * What happens later in the scenario, sent when its time comes: the timeline's site changes and
   * failures (and each later price of a site, since prices are not known in advance) to the site
   * actors, the applications that arrive later to the manager.
   *
   * @param start the scenario's start (a failing site without windows was available from there)
   */
  public record Schedule(Instant start, List<TimelineEvent> timeline, List<Scenario.ScenarioApplication> arrivals,
      Function<String, RecipientRef<SiteActor.Command>> sites) {
    public static final Schedule NONE = new Schedule(Instant.EPOCH, List.of(), List.of(), name -> {
      throw new IllegalStateException("no site actors");
    });

    public Schedule {
      timeline = List.copyOf(timeline);
      arrivals = List.copyOf(arrivals);
    }
  }

  /** A finished application's sensors reported everything: its VMs may leave the collector's roster. */
  private record Drained(String application) implements Command, NoSerializationVerificationNeeded {}

  /** A site actor's or the manager's answer to something the schedule sent. */
  private record Answered(Object reply) implements Command, NoSerializationVerificationNeeded {}

  public static Behavior<Command> create(Settings s) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, s.tick());
      ActorRef<Topic.Command<SiteActor.Published>> topic = ctx.spawn(Topic.create(SiteActor.Published.class, SiteActor.TOPIC), "site-topic");
      topic.tell(Topic.subscribe(ctx.messageAdapter(SiteActor.Published.class, EnvironmentChanged::new)));
      Driver d = new Driver(ctx, s);
      return Behaviors.receive(Command.class).onMessageEquals(Tick.INSTANCE, () -> {
        d.tick();
        return Behaviors.same();
      }).onMessage(EnvironmentChanged.class, e -> {
        d.changed(e.published());
        return Behaviors.same();
      }).onMessage(Drained.class, dr -> {
        d.drained(dr.application());
        return Behaviors.same();
      }).onMessage(Answered.class, a -> {
        if (a.reply() instanceof SiteActor.Rejected r) {
          ctx.getLog().warn("a scheduled change refused by site {}: {}", r.site(), r.reason());
        } else if (a.reply() instanceof MigrationManager.Rejected r) {
          ctx.getLog().warn("a scheduled arrival refused by the manager: {}", r.reason());
        }
        return Behaviors.same();
      }).build();
    }));
  }

  private static final class Driver {
    private final ActorContext<Command> ctx;
    private final Settings s;
    private final Map<String, ActorRef<HostMonitor.Command>> monitors = new HashMap<>();
    private final Map<String, VmEndpoint> endpoints = new HashMap<>();
    private final Map<String, double[]> carry = new HashMap<>();
    private final Map<String, Double> doneAtLastReport = new HashMap<>();
    private Infrastructure infra;
    /** Each site's environment as the driver follows it, and the number of its last change applied. */
    private final Map<String, SiteEnvironment> environments = new HashMap<>();
    private final Map<String, Long> changesApplied = new HashMap<>();
    private Instant last;
    private Instant lastReport;
    private int nextAddress = 1;

    /** Finished applications whose sensors are reporting what is left. */
    private final Map<String, ActorRef<HostMonitor.Command>> draining = new HashMap<>();
    // one adapter per reply type: each reply says whom it is about
    private final ActorRef<HostMonitor.Drained> drainedReplies;
    private final ActorRef<SiteActor.Reply> siteReplies;
    private final ActorRef<MigrationManager.Reply> managerReplies;

    Driver(ActorContext<Command> ctx, Settings s) {
      this.ctx = ctx;
      this.s = s;
      this.drainedReplies = ctx.messageAdapter(HostMonitor.Drained.class, d -> new Drained(d.host()));
      this.siteReplies = ctx.messageAdapter(SiteActor.Reply.class, Answered::new);
      this.managerReplies = ctx.messageAdapter(MigrationManager.Reply.class, Answered::new);
      this.last = s.clock().now();
      this.lastReport = last;
      this.infra = s.infra();
      for (Site site : s.infra().sites()) {
        environments.put(site.name(), SiteEnvironment.undefined(site.name()).apply(EnvironmentChange.Define.in(s.infra(), site)));
      }
      Schedule schedule = s.schedule();
      for (TimelineEvent e : schedule.timeline()) {
        due.add(new Due(e.at(), () -> send(e)));
      }
      for (Scenario.ScenarioApplication a : schedule.arrivals()) {
        due.add(new Due(a.arrival(schedule.start()), () -> submit(a)));
      }
      due.sort(java.util.Comparator.comparing(Due::at)); // stable: at one instant, in the order given
    }

    /** Something the schedule does at {@code at}. */
    private record Due(Instant at, Runnable action) {}

    private final List<Due> due = new ArrayList<>();
    private int nextDue;

    /** Sends what is due by {@code now}, in order. */
    private void sendDue(Instant now) {
      while (nextDue < due.size() && !due.get(nextDue).at().isAfter(now)) {
        due.get(nextDue++).action().run();
      }
    }

    private void send(TimelineEvent e) {
      Site site = infra.require(e.site());
      EnvironmentChange change = e instanceof TimelineEvent.SiteChange c ? c.change()
          : ((TimelineEvent.SiteFailure) e).change(site, s.schedule().start());
      s.schedule().sites().apply(e.site()).tell(new SiteActor.Change(change, siteReplies));
    }

    private void submit(Scenario.ScenarioApplication a) {
      Submissions.messages(a.app(), a.placement().siteOfVm(), managerReplies).forEach(s.manager()::tell);
    }

    /** A finished application's sensors reported everything: its VMs leave the collector's roster. */
    void drained(String application) {
      ActorRef<HostMonitor.Command> monitor = draining.remove(application);
      if (monitor != null) {
        s.collectors().apply(s.collectorSite()).tell(new Collector.Deregister(application, ctx.getSystem().ignoreRef()));
        ctx.stop(monitor);
      }
    }

    /**
     * A change of a site's environment as its actor published it: the applications run on it from
     * now on. A definition is the site itself; a later change applies to what the driver knows.
     */
    void changed(SiteActor.Published p) {
      SiteEnvironment before = environments.get(p.site());
      if (before == null || p.change().number() <= changesApplied.getOrDefault(p.site(), 0L)) {
        return;
      }
      changesApplied.put(p.site(), p.change().number());
      SiteEnvironment env;
      try {
        env = before.apply(p.change().change());
      } catch (IllegalStateException e) {
        return; // a change to a site not defined yet
      }
      environments.put(p.site(), env);
      Optional<Site> site = env.site();
      if (site.isEmpty()) {
        return;
      }
      tick(); // what ran until now ran on the environment before
      if (!infra.require(env.name()).capacity().equals(site.get().capacity())) {
        s.federation().site(env.name(), site.get().capacity());
      }
      Infrastructure next = infra.with(site.get());
      for (Map.Entry<String, NetworkPath> link : env.links().entrySet()) {
        if (next.site(link.getKey()).isPresent()) {
          next = next.with(new Link(env.name(), link.getKey(), link.getValue()));
        }
      }
      infra = next;
    }

    void tick() {
      Instant now = s.clock().now();
      Duration dt = Duration.between(last, now);
      if (dt.isNegative() || dt.isZero()) {
        sendDue(now);
        return;
      }
      SimulatedFederation.Step step = s.federation().advance(last, dt, infra);
      for (ApplicationRuntime.Run run : step.runs()) {
        String name = run.app().name();
        if (step.finished().contains(name)) {
          s.manager().tell(new MigrationManager.ReportFinished(name, run.finishedAt().orElse(now)));
          ActorRef<HostMonitor.Command> m = monitors.remove(name);
          if (m != null) {
            // its sensors report what is left, then its VMs leave the collector's roster
            m.tell(new HostMonitor.Counted(CountedTraffic.none(), micros(now), true));
            m.tell(new HostMonitor.Drain(drainedReplies));
            draining.put(name, m);
          }
          continue;
        }
        if (run.finished() || !step.placement().places(run.app().vmNames())) {
          continue;
        }
        ActorRef<HostMonitor.Command> monitor = monitors.computeIfAbsent(name, n -> spawnMonitor(run.app(), now));
        boolean stalled = run.app().vmNames().stream().anyMatch(step.paused()::contains);
        Double spw = step.secondsPerWork().get(name);
        if (!stalled && spw != null) {
          monitor.tell(new HostMonitor.Counted(traffic(run.app(), ApplicationRuntime.trafficRates(run.app(), spw), dt, now), micros(now), false));
        } else {
          monitor.tell(new HostMonitor.Counted(CountedTraffic.none(), micros(now), false));
        }
      }
      if (!Duration.between(lastReport, now).minus(s.progressEvery()).isNegative()) {
        reportProgress(now, step);
        lastReport = now;
      }
      last = now;
      sendDue(now);
    }

    /** Progress and pace (wall seconds per work second over the last report interval) of every running application. */
    private void reportProgress(Instant now, SimulatedFederation.Step step) {
      double seconds = Duration.between(lastReport, now).toNanos() / 1e9;
      for (ApplicationRuntime.Run run : step.runs()) {
        if (run.finished()) {
          continue;
        }
        String name = run.app().name();
        double before = doneAtLastReport.getOrDefault(name, run.app().workload().doneWork());
        double progressed = run.done() - before;
        doneAtLastReport.put(name, run.done());
        if (progressed > 0) {
          s.manager().tell(new MigrationManager.ReportProgress(name, run.done(), seconds / progressed, now));
        }
      }
    }

    private ActorRef<HostMonitor.Command> spawnMonitor(Application app, Instant now) {
      List<VmEndpoint> vms = new ArrayList<>();
      for (String vm : app.vmNames()) {
        vms.add(endpoints.computeIfAbsent(vm, v -> endpoint(v)));
      }
      return ctx.spawn(HostMonitor.pushed(new HostMonitor.HostSpec(app.name(), s.collectorSite(), vms, micros(now)), s.monitor(), s.collectors()),
          "sensors-" + app.name());
    }

    /** A synthetic NIC for a simulated VM: 10.x.y.z and a locally administered MAC. */
    private VmEndpoint endpoint(String vm) {
      int k = nextAddress++;
      IpAddress ip = IpAddress.ofIpv4((10 << 24) | k);
      MacAddress mac = new MacAddress(0x0200_0000_0000L | k);
      return new VmEndpoint(vm, s.collectorSite(), mac, List.of(ip));
    }

    /** What the application's VMs received from each other during {@code dt}; fractions carry over. */
    private CountedTraffic traffic(Application app, TrafficMatrix rates, Duration dt, Instant now) {
      double seconds = dt.toNanos() / 1e9;
      long period = s.monitor().grid().periodOfMicros(micros(now) - 1);
      List<VmTraffic> out = new ArrayList<>();
      long frames = 0;
      List<String> vms = rates.vms();
      for (int r = 0; r < vms.size(); r++) {
        List<PeerTraffic> peers = new ArrayList<>();
        for (int sIdx = 0; sIdx < vms.size(); sIdx++) {
          if (sIdx == r) {
            continue;
          }
          String key = vms.get(sIdx) + ">" + vms.get(r);
          double[] c = carry.computeIfAbsent(key, k -> new double[2]);
          c[0] += rates.packets(sIdx, r) * seconds;
          c[1] += rates.bytes(sIdx, r) * seconds;
          long packets = (long) c[0];
          long bytes = (long) c[1];
          c[0] -= packets;
          c[1] -= bytes;
          if (bytes > 0 || packets > 0) {
            peers.add(new PeerTraffic(endpoints.get(vms.get(sIdx)).addresses().get(0).toString(), Math.max(packets, 1), bytes));
            frames += Math.max(packets, 1);
          }
        }
        if (!peers.isEmpty()) {
          out.add(new VmTraffic(vms.get(r), period, peers, List.of(), 0, 0));
        }
      }
      return new CountedTraffic(out, List.of(), frames);
    }

    private static long micros(Instant t) {
      return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }
  }
}
