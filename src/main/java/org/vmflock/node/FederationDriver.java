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
import org.vmflock.site.SiteState;
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

  /**
   * What the driver works with.
   *
   * @param known each site's environment as its site actor holds it now, and the number of its last
   *     change (a node restarting on its journal); a site not named here is as {@code infra} defines it
   */
  public record Settings(SimulatedFederation federation, Infrastructure infra, Clock clock, Duration tick, Duration progressEvery,
      MonitorSettings monitor, Function<String, RecipientRef<Collector.Command>> collectors, String collectorSite,
      ActorRef<MigrationManager.Command> manager, Schedule schedule, Map<String, KnownSite> known) {

    public Settings {
      known = Map.copyOf(known);
    }

    /** Every site as {@code infra} defines it. */
    public Settings(SimulatedFederation federation, Infrastructure infra, Clock clock, Duration tick, Duration progressEvery,
        MonitorSettings monitor, Function<String, RecipientRef<Collector.Command>> collectors, String collectorSite,
        ActorRef<MigrationManager.Command> manager, Schedule schedule) {
      this(federation, infra, clock, tick, progressEvery, monitor, collectors, collectorSite, manager, schedule, Map.of());
    }

    /** Without a schedule. */
    public Settings(SimulatedFederation federation, Infrastructure infra, Clock clock, Duration tick, Duration progressEvery,
        MonitorSettings monitor, Function<String, RecipientRef<Collector.Command>> collectors, String collectorSite,
        ActorRef<MigrationManager.Command> manager) {
      this(federation, infra, clock, tick, progressEvery, monitor, collectors, collectorSite, manager, Schedule.NONE);
    }
  }

  /** A site's environment as its site actor holds it, and the number of the last change that made it. */
  public record KnownSite(SiteEnvironment environment, long changes) {}

  /**
   * What happens later in the scenario, sent when its time comes: the timeline's site changes and
   * failures (and each later price of a site, since prices are not known in advance) to the site
   * actors, the applications that arrive later to the manager (and, before, their announcements,
   * for those announced: the manager holds room for them). One at a time, in time order (at one
   * instant, timeline events first, each in the order given), each sent until it is answered, which
   * {@code progress} records: a restarted node sends neither again what was answered, nor less
   * than what fell due while it was down.
   *
   * @param start the scenario's start (a failing site without windows was available from there)
   */
  public record Schedule(Instant start, List<TimelineEvent> timeline, List<Scenario.ScenarioApplication> arrivals,
      Function<String, RecipientRef<SiteActor.Command>> sites, Progress progress) {
    public static final Schedule NONE = new Schedule(Instant.EPOCH, List.of(), List.of(), name -> {
      throw new IllegalStateException("no site actors");
    });

    public Schedule {
      timeline = List.copyOf(timeline);
      arrivals = List.copyOf(arrivals);
    }

    /** Kept in memory only: from the first event. */
    public Schedule(Instant start, List<TimelineEvent> timeline, List<Scenario.ScenarioApplication> arrivals,
        Function<String, RecipientRef<SiteActor.Command>> sites) {
      this(start, timeline, arrivals, sites, Progress.inMemory());
    }

    /** When each of the schedule's events is due, in the order they are sent. */
    public List<Instant> dueTimes() {
      return entries().stream().map(e -> e.at()).toList();
    }

    /** The events in the order they are sent: by time, stable (timeline first, each list in the order given). */
    List<Entry> entries() {
      List<Entry> out = new ArrayList<>();
      timeline.forEach(e -> out.add(new Entry(e.at(), Optional.of(e), Optional.empty(), false)));
      arrivals.forEach(a -> out.add(new Entry(a.arrival(start), Optional.empty(), Optional.of(a), false)));
      arrivals.stream().filter(a -> a.announced().isPresent())
          .forEach(a -> out.add(new Entry(a.announced().get(), Optional.empty(), Optional.of(a), true)));
      out.sort(java.util.Comparator.comparing(Entry::at));
      return out;
    }

    /**
     * One event of the schedule: a site change, an arrival, or the announcement of an arrival
     * ({@code announcement}: the manager learns that {@code arrival} will come, and holds room).
     */
    record Entry(Instant at, Optional<TimelineEvent> change, Optional<Scenario.ScenarioApplication> arrival, boolean announcement) {}
  }

  /** How many of the schedule's events were sent and answered, in order; a node keeps it durably. */
  public interface Progress {
    int sent();

    /** The first {@code count} events were answered, the last of them due at {@code lastDue}. */
    void sent(int count, Instant lastDue);

    static Progress inMemory() {
      return new Progress() {
        private int sent;

        @Override
        public int sent() {
          return sent;
        }

        @Override
        public void sent(int count, Instant lastDue) {
          sent = count;
        }
      };
    }
  }

  /** A finished application's sensors reported everything: its VMs may leave the collector's roster. */
  private record Drained(String application) implements Command, NoSerializationVerificationNeeded {}

  /** A site actor's or the manager's answer to send number {@code send} of the schedule's events, or why none came. */
  private record Answered(long send, Optional<Object> reply, String error) implements Command, NoSerializationVerificationNeeded {}

  /** A site's changes the driver missed (publication is at most once), as its site actor answered, or why it did not. */
  private record CaughtUp(String site, Optional<SiteActor.Changes> changes, String error) implements Command, NoSerializationVerificationNeeded {}

  /** How long a site actor or the manager may take to answer the schedule's event before it is sent again. */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

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
        d.answered(a);
        return Behaviors.same();
      }).onMessage(CaughtUp.class, c -> {
        c.changes().ifPresentOrElse(d::caughtUp, () -> ctx.getLog().warn("site {} did not tell the changes the driver missed: {}", c.site(), c.error()));
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

    /** Finished applications whose sensors are reporting what is left. */
    private final Map<String, ActorRef<HostMonitor.Command>> draining = new HashMap<>();
    private final ActorRef<HostMonitor.Drained> drainedReplies;

    Driver(ActorContext<Command> ctx, Settings s) {
      this.ctx = ctx;
      this.s = s;
      this.drainedReplies = ctx.messageAdapter(HostMonitor.Drained.class, d -> new Drained(d.host()));
      // the applications ran until the federation last advanced (a restarted node: they ran while it was down too)
      this.last = s.federation().progressAt().orElse(s.clock().now());
      this.lastReport = last;
      this.infra = s.infra();
      for (Site site : s.infra().sites()) {
        KnownSite known = s.known().get(site.name());
        if (known != null && known.environment().defined()) {
          environments.put(site.name(), known.environment());
          changesApplied.put(site.name(), known.changes());
          follow(known.environment());
        } else {
          environments.put(site.name(), SiteEnvironment.undefined(site.name()).apply(EnvironmentChange.Define.in(s.infra(), site)));
        }
      }
      for (ApplicationRuntime.Run run : s.federation().runs()) {
        doneAtLastReport.put(run.app().name(), run.done());
        if (run.finished()) {
          // the manager may not have heard of it before a crash; it ignores what it knows already
          s.manager().tell(new MigrationManager.ReportFinished(run.app().name(), run.finishedAt().get()));
        }
      }
      this.due = s.schedule().entries();
      this.nextDue = s.schedule().progress().sent();
      if (nextDue > due.size()) {
        throw new IllegalStateException("the schedule's progress says " + nextDue + " events were sent, but it has " + due.size());
      }
    }

    /** The schedule's events in the order they are sent, the next one to send, and whether it awaits its answer (to which send). */
    private final List<Schedule.Entry> due;
    private int nextDue;
    private boolean awaiting;
    private long sends;

    /** Sends the next event if it is due by {@code now} and none awaits its answer: one at a time, in order. */
    private void sendDue(Instant now) {
      if (awaiting || nextDue >= due.size() || due.get(nextDue).at().isAfter(now)) {
        return;
      }
      awaiting = true;
      long send = ++sends;
      Schedule.Entry e = due.get(nextDue);
      if (e.change().isPresent()) {
        TimelineEvent t = e.change().get();
        Site site = infra.require(t.site());
        EnvironmentChange change = t instanceof TimelineEvent.SiteChange c ? c.change()
            : ((TimelineEvent.SiteFailure) t).change(site, s.schedule().start());
        ctx.ask(SiteActor.Reply.class, s.schedule().sites().apply(t.site()), ANSWER_TIMEOUT, r -> new SiteActor.Change(change, r),
            (reply, error) -> new Answered(send, Optional.ofNullable(reply), String.valueOf(error)));
      } else {
        Scenario.ScenarioApplication a = e.arrival().get();
        // in parts from one sender, so that a large application's traffic stays in small messages
        var answer = e.announcement() ? Submissions.announce(ctx.getSystem(), s.manager(), a.app(), a.arrival(s.schedule().start()), ANSWER_TIMEOUT)
            : Submissions.submit(ctx.getSystem(), s.manager(), a.app(), a.placement().siteOfVm(), ANSWER_TIMEOUT);
        ctx.pipeToSelf(answer, (reply, error) -> new Answered(send, Optional.ofNullable(reply), String.valueOf(error)));
      }
    }

    /** The answer to a scheduled event: recorded (durably, on a node) before the next is sent; none, and it is sent again. */
    void answered(Answered a) {
      if (a.send() != sends) {
        return; // a late answer to a send that timed out: the event was sent again
      }
      awaiting = false;
      if (a.reply().isEmpty()) {
        ctx.getLog().warn("scheduled event {} not answered ({}): sent again", nextDue, a.error());
      } else {
        if (a.reply().get() instanceof SiteActor.Rejected r) {
          ctx.getLog().warn("a scheduled change refused by site {}: {}", r.site(), r.reason());
        } else if (a.reply().get() instanceof MigrationManager.Rejected r) {
          ctx.getLog().warn("a scheduled arrival or announcement refused by the manager: {}", r.reason());
        }
        nextDue++;
        s.schedule().progress().sent(nextDue, due.get(nextDue - 1).at());
      }
      sendDue(s.clock().now());
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
      long applied = changesApplied.getOrDefault(p.site(), 0L);
      if (before == null || p.change().number() <= applied) {
        return;
      }
      if (applied > 0 && p.change().number() > applied + 1 && s.schedule() != Schedule.NONE) {
        // some were missed: the site actor tells them
        ctx.ask(SiteActor.Changes.class, s.schedule().sites().apply(p.site()), ANSWER_TIMEOUT,
            r -> new SiteActor.ChangesSince(applied, s.clock().now(), r),
            (changes, error) -> new CaughtUp(p.site(), Optional.ofNullable(changes), String.valueOf(error)));
        return;
      }
      apply(p.site(), before, p.change());
    }

    /** The changes of a site the driver missed, in order, or its whole environment now. */
    void caughtUp(SiteActor.Changes c) {
      SiteEnvironment before = environments.get(c.site());
      if (before == null) {
        return;
      }
      if (c.whole().isPresent() && c.latest() > changesApplied.getOrDefault(c.site(), 0L)) {
        changesApplied.put(c.site(), c.latest());
        environments.put(c.site(), c.whole().get());
        tick();
        follow(c.whole().get());
        return;
      }
      for (SiteState.NumberedChange n : c.changes()) {
        if (n.number() == changesApplied.getOrDefault(c.site(), 0L) + 1) {
          apply(c.site(), environments.get(c.site()), n);
        }
      }
    }

    private void apply(String siteName, SiteEnvironment before, SiteState.NumberedChange change) {
      changesApplied.put(siteName, change.number());
      SiteEnvironment env;
      try {
        env = before.apply(change.change());
      } catch (IllegalStateException e) {
        return; // a change to a site not defined yet
      }
      environments.put(siteName, env);
      if (env.site().isEmpty()) {
        return;
      }
      tick(); // what ran until now ran on the environment before
      follow(env);
    }

    /** The hypervisors and the applications live in {@code env} from now on: its capacity, speed and links. */
    private void follow(SiteEnvironment env) {
      Optional<Site> site = env.site();
      if (site.isEmpty()) {
        return;
      }
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
      // the same after a restart, never another VM's
      return SimulatedFederation.endpoint(vm, s.collectorSite(), s.federation().nic(vm));
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
      return Clock.epochMicros(t);
    }
  }
}
