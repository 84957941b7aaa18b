package org.vmflock.node;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.vmflock.clock.ScaledClock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.control.StatusPage;
import org.vmflock.control.StatusQuery;
import org.vmflock.emulate.EmulatedActuator;
import org.vmflock.emulate.EmulatedApplications;
import org.vmflock.emulate.LabActuator;
import org.vmflock.emulate.EmulationSpec;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.manager.MigrationManager;
import org.vmflock.manager.Submissions;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Site;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.TimelineEvent;
import org.vmflock.site.EnvironmentChange;
import org.vmflock.site.SiteActor;

/**
 * A node running the whole controller over an emulated federation (`vmflock emulate`): the node
 * path of `run` ({@link ScenarioNode}) with the simulated federation replaced by the lab. The same
 * site actors, manager, planner and sagas; the sagas' actuator is the lab's ({@link LabActuator}:
 * real migrations, by the {@link EmulatedActuator} for namespace VMs and by QEMU for QEMU guests), the manager's provisioner starts the applications' real programs
 * ({@link EmulatedApplications}), and an {@link EmulationDriver} captures each site's bridge live
 * into the monitoring plane and tells the manager the programs' progress and ends.
 *
 * <p>Time is real (scale 1), in the scenario's time: the node's clock starts at the scenario's
 * start when the node starts, so its prices and timeline apply as written; the captures stamp
 * their frames on that clock. Nothing is resumed after a crash: a new emulation starts afresh (the
 * lab sweeps what a dead one left).
 */
public final class EmulationNode implements AutoCloseable {

  private static final Duration ASK = Duration.ofSeconds(30);

  private final VmflockNode node;
  private final ActorRef<MigrationManager.Command> manager;
  private final LabActuator actuator;
  private final ScaledClock clock;

  private EmulationNode(VmflockNode node, ActorRef<MigrationManager.Command> manager, LabActuator actuator, ScaledClock clock) {
    this.node = node;
    this.manager = manager;
    this.actuator = actuator;
    this.clock = clock;
  }

  /**
   * Starts the node on {@code lab}: defines the sites, submits the applications there at the start
   * (each where the scenario places it; the later ones when they arrive, as the timeline), and
   * starts driving.
   *
   * @param applications the lab's programs: the manager's provisioner
   * @param actuator the sagas' actuator: each VM's migrations by the actuator of its kind (namespace or QEMU)
   */
  public static EmulationNode start(Config config, EmulationSpec spec, EmulatedFederation lab, EmulatedApplications applications,
      LabActuator actuator, ScaledClock clock, long maxBitsPerSecond) {
    Scenario scenario = spec.scenario();
    ManagerSettings settings = ManagerSettings.from(config);
    VmflockNode node = VmflockNode.start("vmflock", config, clock);
    try {
      Duration period = node.monitorSettings().grid().length();
      List<String> sites = scenario.infra().sites().stream().map(Site::name).toList();
      ActorRef<MigrationManager.Command> manager = node.startController(settings, actuator, applications, 1.0, period, sites);
      for (Site s : scenario.infra().sites()) {
        EnvironmentChange.Define define = EnvironmentChange.Define.in(scenario.infra(), s.withHosting(s.hosting().knownAt(scenario.start())));
        SiteActor.Reply r = VmflockNode.await(AskPattern.ask(node.sites().apply(s.name()),
            (ActorRef<SiteActor.Reply> ref) -> new SiteActor.Change(define, ref), ASK, node.system().scheduler()), "defining site " + s.name(), ASK);
        if (r instanceof SiteActor.Rejected rej) {
          throw new InvalidInputException(scenario.source().toString(), rej.reason());
        }
      }
      MigrationManager.Reply watched = VmflockNode.await(AskPattern.ask(manager,
          (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.WatchSites(sites, r), ASK, node.system().scheduler()),
          "telling the manager the sites", ASK);
      if (watched instanceof MigrationManager.Rejected r) {
        throw new IllegalStateException(r.reason());
      }
      List<Scenario.ScenarioApplication> later = new ArrayList<>();
      for (Scenario.ScenarioApplication a : scenario.applications()) {
        if (a.arrival(scenario.start()).isAfter(scenario.start())) {
          later.add(a);
          continue;
        }
        MigrationManager.Reply reply = VmflockNode.await(Submissions.submit(node.system(), manager, a.app(), a.placement().siteOfVm(), ASK),
            "submitting " + a.app().name(), ASK);
        if (reply instanceof MigrationManager.Rejected r) {
          throw new InvalidInputException(scenario.source() + ": applications." + a.app().name(), "not accepted: " + r.reason());
        }
      }
      // later prices (spot prices are not known in advance), then the timeline, as site changes when their time comes
      List<TimelineEvent> timeline = new ArrayList<>();
      scenario.infra().sites().forEach(site -> timeline.addAll(TimelineEvent.SiteChange.laterPrices(site, scenario.start())));
      timeline.addAll(scenario.timeline());
      timeline.sort(java.util.Comparator.comparing(TimelineEvent::at));
      Duration offset = Duration.between(Instant.now(), clock.now());
      node.spawn(EmulationDriver.create(new EmulationDriver.Settings(lab, applications, scenario.infra(), clock, offset,
          config.getDuration("vmflock.emulate.tick"), period, node.monitorSettings(), node, manager, timeline, scenario.start(), maxBitsPerSecond,
          later)), "emulation-driver");
      return new EmulationNode(node, manager, actuator, clock);
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  public ActorRef<MigrationManager.Command> manager() {
    return manager;
  }

  public LabActuator actuator() {
    return actuator;
  }

  public ScaledClock clock() {
    return clock;
  }

  public VmflockNode node() {
    return node;
  }

  /** The manager's status page: every application, the migrations in flight and the last decisions. */
  public StatusPage status() {
    return VmflockNode.await(AskPattern.ask(manager, (ActorRef<StatusPage> r) -> new MigrationManager.GetStatus(StatusQuery.FIRST_PAGE, r),
        ASK, node.system().scheduler()), "asking the manager its status", ASK);
  }

  @Override
  public void close() {
    node.close();
  }
}
