package org.vmflock.node;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.vmflock.clock.Clock;
import org.vmflock.clock.ScaledClock;
import org.vmflock.execute.FaultPlan;
import org.vmflock.execute.PacedActuator;
import org.vmflock.http.ApiServer;
import org.vmflock.control.ManagerSettings;
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
 * endpoint.
 */
public final class ScenarioNode implements AutoCloseable {

  /** The collector the simulated federation's sensors report to: the federation is one capture domain. */
  public static final String COLLECTOR = "federation";
  private static final Duration ASK = Duration.ofSeconds(30);

  private final VmflockNode node;
  private final ActorRef<MigrationManager.Command> manager;
  private final SimulatedFederation federation;
  private final ScaledClock clock;
  private final ServerBinding binding;

  private ScenarioNode(VmflockNode node, ActorRef<MigrationManager.Command> manager, SimulatedFederation federation, ScaledClock clock,
      ServerBinding binding) {
    this.node = node;
    this.manager = manager;
    this.federation = federation;
    this.clock = clock;
    this.binding = binding;
  }

  /** Starts the node; {@code httpPort} 0 picks a free port. */
  public static ScenarioNode start(Config config, Scenario scenario, double timeScale, long seed, int httpPort) {
    ScaledClock clock = new ScaledClock(Clock.system(), scenario.start(), timeScale);
    VmflockNode node = VmflockNode.start("vmflock", config, clock);
    try {
      ManagerSettings settings = ManagerSettings.from(config);
      SimulatedFederation federation = new SimulatedFederation(clock, settings.planning().migration(), scenario.infra()::path, FaultPlan.none(), seed);
      Duration period = node.monitorSettings().grid().length();
      ActorRef<MigrationManager.Command> manager = node.startController(settings, new PacedActuator(federation.actuator(), timeScale), federation,
          timeScale,
          clock.real(period), List.of(COLLECTOR));
      defineSites(node, scenario, federation);
      MigrationManager.Reply known = VmflockNode.await(AskPattern.ask(manager,
          (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.WatchSites(scenario.infra().sites().stream().map(Site::name).toList(), r),
          ASK, node.system().scheduler()), "telling the manager the sites", ASK);
      if (known instanceof MigrationManager.Rejected r) {
        throw new IllegalStateException(r.reason());
      }
      List<Scenario.ScenarioApplication> later = new ArrayList<>();
      for (Scenario.ScenarioApplication a : scenario.applications()) {
        if (a.arrival(scenario.start()).isAfter(scenario.start())) {
          later.add(a); // submitted by the federation driver when it arrives
          continue;
        }
        MigrationManager.Reply reply = VmflockNode.await(Submissions.submit(node.system(), manager, a.app(), a.placement().siteOfVm(), ASK),
            "submitting " + a.app().name(), ASK);
        if (reply instanceof MigrationManager.Rejected r) {
          node.system().log().warn("application {} not submitted: {}", a.app().name(), r.reason());
        }
      }
      // later prices (spot prices are not known in advance), then the timeline, as site changes when their time comes
      List<TimelineEvent> timeline = new ArrayList<>();
      scenario.infra().sites().forEach(site -> timeline.addAll(TimelineEvent.SiteChange.laterPrices(site, scenario.start())));
      timeline.addAll(scenario.timeline());
      FederationDriver.Schedule schedule = new FederationDriver.Schedule(scenario.start(), timeline, later, node.sites());
      node.spawn(FederationDriver.create(new FederationDriver.Settings(federation, scenario.infra(), clock,
          config.getDuration("vmflock.run.tick"), period, node.monitorSettings(), node.collectors(), COLLECTOR, manager, schedule)),
          "federation-driver");
      String dir = config.getString("vmflock.http.traffic-dir");
      Optional<Path> trafficDir = dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
      ServerBinding binding = VmflockNode.await(ApiServer.start(new ApiServer.Backend(node.system(), manager, node.sites(), clock,
          settings.loop().defaultLink(), trafficDir), config.getString("vmflock.http.host"), httpPort), "binding the HTTP endpoint", ASK);
      return new ScenarioNode(node, manager, federation, clock, binding);
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  private static void defineSites(VmflockNode node, Scenario scenario, SimulatedFederation federation) {
    for (Site s : scenario.infra().sites()) {
      EnvironmentChange.Define define = EnvironmentChange.Define.in(scenario.infra(), s.withHosting(s.hosting().knownAt(scenario.start())));
      SiteActor.Reply r = VmflockNode.await(AskPattern.ask(node.sites().apply(s.name()),
          (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(define, ref), ASK,
          node.system().scheduler()), "defining site " + s.name(), ASK);
      if (r instanceof SiteActor.Rejected rej) {
        throw new InvalidInputException(scenario.source().toString(), rej.reason());
      }
      federation.site(s.name(), s.capacity());
    }
  }

  public int httpPort() {
    return binding.localAddress().getPort();
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

  @Override
  public void close() {
    try {
      binding.unbind().toCompletableFuture().get(ASK.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      node.system().log().warn("HTTP endpoint did not stop cleanly: {}", e.toString());
    }
    node.close();
  }
}
