package org.vmflock.node;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.vmflock.clock.Clock;
import org.vmflock.clock.ScaledClock;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.PacedActuator;
import org.vmflock.http.ApiToken;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.knowledge.AppStatus;
import org.vmflock.model.Placement;
import org.vmflock.simulate.ApplicationRuntime;
import org.vmflock.manager.MigrationManager;
import org.vmflock.manager.Submissions;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Site;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;
import org.vmflock.simulate.SimulatedFederation;

/**
 * A node running the whole controller over a scenario's simulated federation (`vmflock run`): the
 * sites defined at their site actors (with the prices known at the start), the applications there
 * at the start submitted to the manager, a driver that makes them run, feeds their traffic to the
 * monitoring plane and, when their time comes, sends the later prices and the timeline to the site
 * actors and the later applications to the manager; time accelerated if asked, and the HTTP
 * endpoint. Its run state lives in the data directory ({@link #RUN_STATE}: the timeline, the
 * schedule's progress, the simulated federation), so that a node started again on it, after a stop
 * or a kill -9, is the node that stopped.
 */
public final class ScenarioNode implements AutoCloseable, HttpEndpoint.Serving {

  /** The collector the simulated federation's sensors report to: the federation is one capture domain. */
  public static final String COLLECTOR = "federation";
  private static final Duration ASK = Duration.ofSeconds(30);

  private final VmflockNode node;
  private final ActorRef<MigrationManager.Command> manager;
  private final SimulatedFederation federation;
  private final ScaledClock clock;
  private final boolean resumed;
  private final List<String> resumedApplications;
  private final HttpEndpoint endpoint;

  private ScenarioNode(VmflockNode node, ActorRef<MigrationManager.Command> manager, SimulatedFederation federation, ScaledClock clock,
      HttpEndpoint endpoint, boolean resumed, List<String> resumedApplications) {
    this.endpoint = endpoint;
    this.node = node;
    this.manager = manager;
    this.federation = federation;
    this.clock = clock;
    this.resumed = resumed;
    this.resumedApplications = List.copyOf(resumedApplications);
  }

  /** Where a `run` node keeps its run state, in its data directory: its timeline, its schedule's progress, its simulated federation. */
  public static final String RUN_STATE = "run";

  /**
   * Starts the node; {@code httpPort} 0 picks a free port. On a data directory a node ran on before,
   * it is that node again: its timeline goes on, the sites its site actors define are not
   * re-defined, the applications its manager knows are not submitted again, the schedule goes on
   * where it was answered last, and the simulated hypervisors and applications are as they were
   * (the applications having run meanwhile).
   *
   * @throws InvalidInputException if the data directory runs another scenario, time scale or seed
   * @throws org.vmflock.simulate.StateFile.DamagedStateException if its run state is damaged
   */
  public static ScenarioNode start(Config config, Scenario scenario, double timeScale, long seed, int httpPort) {
    // a keystore that cannot be read stops the start before anything runs
    Optional<org.apache.pekko.http.javadsl.HttpsConnectionContext> tls = org.vmflock.http.ApiTls.server(config);
    Path dataDir = Path.of(config.getString("vmflock.data-dir")).toAbsolutePath().normalize();
    Path runDir = dataDir.resolve(RUN_STATE);
    // drawn at the first start, before anything else is written: what changes the node needs it
    ApiToken token = ApiToken.ofNode(dataDir);
    RunTimeline.Resumed timeline = RunTimeline.resume(runDir.resolve("clock.json"), scenario.source(), scenario.start(), timeScale, seed,
        Clock.system());
    ScaledClock clock = timeline.timeline().clock(Clock.system());
    ManagerSettings settings = ManagerSettings.from(config);
    // the run state is read whole before the node starts: a damaged file stops it here
    SimulatedFederation federation = SimulatedFederation.durable(clock, settings.planning().migration(), scenario.infra()::path, FaultPlan.none(),
        seed, runDir.resolve("world.json"));
    List<Scenario.ScenarioApplication> initial = new ArrayList<>();
    List<Scenario.ScenarioApplication> later = new ArrayList<>();
    for (Scenario.ScenarioApplication a : scenario.applications()) {
      (a.arrival(scenario.start()).isAfter(scenario.start()) ? later : initial).add(a); // later ones: sent by the federation driver
    }
    // later prices (spot prices are not known in advance), then the timeline, as site changes when their time comes
    List<TimelineEvent> timeline0 = new ArrayList<>();
    scenario.infra().sites().forEach(site -> timeline0.addAll(TimelineEvent.SiteChange.laterPrices(site, scenario.start())));
    timeline0.addAll(scenario.timeline());
    List<java.time.Instant> due = new FederationDriver.Schedule(scenario.start(), timeline0, later, name -> null).dueTimes();
    ScheduleProgressFile progress = ScheduleProgressFile.open(runDir.resolve("schedule.json"), due);

    VmflockNode node = VmflockNode.start("vmflock", config, clock);
    try {
      Duration period = node.monitorSettings().grid().length();
      ActorRef<MigrationManager.Command> manager = node.startController(settings, new PacedActuator(federation.actuator(), timeScale), federation,
          timeScale,
          clock.real(period), List.of(COLLECTOR));
      Map<String, FederationDriver.KnownSite> known = defineSites(node, scenario, federation, clock);
      MigrationManager.Reply watched = VmflockNode.await(AskPattern.ask(manager,
          (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.WatchSites(scenario.infra().sites().stream().map(Site::name).toList(), r),
          ASK, node.system().scheduler()), "telling the manager the sites", ASK);
      if (watched instanceof MigrationManager.Rejected r) {
        throw new IllegalStateException(r.reason());
      }
      List<String> knownApps = new ArrayList<>();
      for (Scenario.ScenarioApplication a : initial) {
        Optional<StatusPage.AppLine> already = application(node, manager, a.app().name());
        if (already.isPresent()) {
          knownApps.add(a.app().name() + " (" + already.get().status().toString().toLowerCase(java.util.Locale.ROOT) + ")");
          continue; // the manager knows it from its journal
        }
        MigrationManager.Reply reply = VmflockNode.await(Submissions.submit(node.system(), manager, a.app(), a.placement().siteOfVm(), ASK),
            "submitting " + a.app().name(), ASK);
        if (reply instanceof MigrationManager.Rejected r) {
          node.system().log().warn("application {} not submitted: {}", a.app().name(), r.reason());
        }
      }
      if (timeline.resumed()) {
        stopFinished(node, manager, federation);
      }
      FederationDriver.Schedule schedule = new FederationDriver.Schedule(scenario.start(), timeline0, later, node.sites(), progress);
      node.spawn(FederationDriver.create(new FederationDriver.Settings(federation, scenario.infra(), clock,
          config.getDuration("vmflock.run.tick"), period, node.monitorSettings(), node.collectors(), COLLECTOR, manager, schedule, known)),
          "federation-driver");
      ServerBinding binding = NodeEndpoint.bind(node, config, manager, clock, settings, Optional.of(federation), token, httpPort, tls, ASK);
      if (timeline.resumed()) {
        node.system().log().info("resumed the run of {} started at {} (scenario time {}); scenario time now {}, {} of {} scheduled events sent",
            scenario.source(), timeline.timeline().realStart(), scenario.start(), clock.now(), progress.sent(), due.size());
      }
      return new ScenarioNode(node, manager, federation, clock, new HttpEndpoint(binding, dataDir.resolve(ApiToken.FILE), tls.isPresent()),
          timeline.resumed(), knownApps);
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  /**
   * Each site as its site actor holds it: defined from the scenario if it is not yet (a first
   * start), left as it is otherwise (changes accepted since are the site's); the simulated
   * hypervisors get its capacity.
   */
  private static Map<String, FederationDriver.KnownSite> defineSites(VmflockNode node, Scenario scenario, SimulatedFederation federation,
      Clock clock) {
    Map<String, FederationDriver.KnownSite> known = new TreeMap<>();
    SiteDefinitions.define(node, scenario, clock.now()).forEach((name, view) -> {
      known.put(name, new FederationDriver.KnownSite(view.environment(), view.changes()));
      federation.site(name, view.environment().site().orElseThrow().capacity());
    });
    return known;
  }

  /** What the manager knows of an application, if it knows it. */
  private static Optional<StatusPage.AppLine> application(VmflockNode node, ActorRef<MigrationManager.Command> manager, String name) {
    StatusPage page = VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(StatusQuery.of(name), r),
        ASK, node.system().scheduler()), "asking the manager about " + name, ASK);
    return page.applications().stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * The VMs of applications the manager recorded as finished are stopped: a crash may have come
   * between the record and the stop.
   */
  private static void stopFinished(VmflockNode node, ActorRef<MigrationManager.Command> manager, SimulatedFederation federation) {
    Placement world = federation.placement();
    for (ApplicationRuntime.Run run : federation.runs()) {
      if (run.finished() && run.app().vmNames().stream().anyMatch(vm -> world.siteOf(vm).isPresent())
          && application(node, manager, run.app().name()).filter(a -> a.status() == AppStatus.FINISHED).isPresent()) {
        federation.stop(run.app());
      }
    }
  }




  @Override
  public HttpEndpoint endpoint() {
    return endpoint;
  }

  public ActorRef<MigrationManager.Command> manager() {
    return manager;
  }

  public SimulatedFederation federation() {
    return federation;
  }

  public VmflockNode node() {
    return node;
  }

  public ScaledClock clock() {
    return clock;
  }

  /** The scenario's applications its journal already held, each with its status ("cg (running)"). */
  public List<String> resumedApplications() {
    return resumedApplications;
  }

  /** Whether this node resumed a run its data directory held (false on a first start). */
  public boolean resumed() {
    return resumed;
  }

  @Override
  public void close() {
    NodeEndpoint.unbind(node, endpoint.binding(), ASK);
    node.close();
  }
}
