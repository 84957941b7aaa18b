package org.vmflock.node;

import com.typesafe.config.Config;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.vmflock.clock.Clock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.emulate.hypervisors.RemoteHypervisors;
import org.vmflock.http.ApiToken;
import org.vmflock.manager.MigrationManager;
import org.vmflock.model.Site;
import org.vmflock.scenario.Scenario;

/**
 * A node of a vmflock cluster whose hypervisors run outside it (`vmflock node`): the cluster as its
 * configuration says (seed nodes, port, journal: PostgreSQL for several nodes), the controller
 * (site actors and sagas sharded, the migration manager a cluster singleton) acting through the
 * hypervisors' HTTP endpoint ({@link RemoteHypervisors}), and the node's HTTP endpoint. Killing it
 * kills no VM: another node takes the manager over and resumes its sagas from the journal.
 *
 * <p>With a scenario, its sites are defined at their site actors as they are at the scenario's start
 * (only those no node has defined yet) and the manager watches them; its timeline and applications
 * are not played: applications come by the API ({@code POST /api/events}, {@code vmflock inject submit}).
 *
 * <p>The node senses the sites named by {@code vmflock.node.sites} ({@link HypervisorsSensing}): the
 * traffic the hypervisors meter for the VMs at each of those sites, read at the ends of the
 * periods, reported by sensors to the site's collector (sharded); a node without that setting
 * senses nothing. The manager (wherever it runs) asks every site's collector for the traffic it
 * plans with, the traffic the applications were submitted with while none is observed. A node
 * started again resumes its sites' sensing where their collectors say it stopped: no period of the
 * time it was down is lost.
 */
public final class ClusterNode implements AutoCloseable, HttpEndpoint.Serving {

  private static final Duration ASK = Duration.ofSeconds(30);
  /** The sites whose sensors a node runs. */
  public static final String SITES = "vmflock.node.sites";
  /** The delay between tries of a boot or stop the hypervisors did not take. */
  private static final Duration PROVISION_RETRY = Duration.ofSeconds(1);

  private final VmflockNode node;
  private final RemoteHypervisors hypervisors;
  private final ActorRef<MigrationManager.Command> manager;
  private final HttpEndpoint endpoint;

  private ClusterNode(VmflockNode node, RemoteHypervisors hypervisors, ActorRef<MigrationManager.Command> manager, HttpEndpoint endpoint) {
    this.node = node;
    this.hypervisors = hypervisors;
    this.manager = manager;
    this.endpoint = endpoint;
  }

  /** Starts the node; {@code httpPort} 0 picks a free port. */
  public static ClusterNode start(Config config, URI hypervisorsAt, Optional<Scenario> sites, int httpPort) {
    Optional<org.apache.pekko.http.javadsl.HttpsConnectionContext> tls = org.vmflock.http.ApiTls.server(config);
    Path dataDir = Path.of(config.getString("vmflock.data-dir")).toAbsolutePath().normalize();
    ApiToken token = ApiToken.ofNode(dataDir);
    ManagerSettings settings = ManagerSettings.from(config);
    Clock clock = Clock.system();
    VmflockNode node = VmflockNode.start("vmflock", config, clock);
    RemoteHypervisors hypervisors = new RemoteHypervisors(hypervisorsAt, config.getDuration("vmflock.manager.step-timeout"), PROVISION_RETRY,
        w -> node.system().log().warn(w));
    try {
      Duration period = node.monitorSettings().grid().length();
      // the manager asks the collectors of every site of the scenario (without one, of every site it knows)
      List<String> collectorSites = sites.map(sc -> sc.infra().sites().stream().map(Site::name).toList()).orElse(List.of());
      ActorRef<MigrationManager.Command> manager = node.startController(settings, hypervisors, hypervisors, 1, period, collectorSites);
      List<String> sensed = sensedSites(config, sites);
      if (!sensed.isEmpty()) {
        node.spawn(HypervisorsSensing.create(new HypervisorsSensing.Settings(sensed, node.monitorSettings(), clock, node.collectors(),
            hypervisors::traffic)), "hypervisors-sensing");
      }
      if (sites.isPresent()) {
        SiteDefinitions.define(node, sites.get(), clock.now());
        MigrationManager.Reply watched = VmflockNode.await(AskPattern.ask(manager,
            (ActorRef<MigrationManager.Reply> r) -> new MigrationManager.WatchSites(collectorSites, r), ASK, node.system().scheduler()),
            "telling the manager the sites", ASK);
        if (watched instanceof MigrationManager.Rejected r) {
          throw new IllegalStateException(r.reason());
        }
      }
      ServerBinding binding = NodeEndpoint.bind(node, config, manager, clock, settings, Optional.empty(), token, httpPort, tls, ASK);
      return new ClusterNode(node, hypervisors, manager, new HttpEndpoint(binding, dataDir.resolve(ApiToken.FILE), tls.isPresent()));
    } catch (RuntimeException e) {
      hypervisors.close();
      node.close();
      throw e;
    }
  }




  /**
   * The sites whose sensors this node runs: {@code vmflock.node.sites}, none when it is not set;
   * each a site of {@code scenario} when there is one.
   *
   * @throws org.vmflock.model.InvalidInputException naming the setting, for a value that is not a
   *     list of distinct site names, or a site the scenario does not have
   */
  public static List<String> sensedSites(Config config, Optional<Scenario> scenario) {
    if (!config.hasPath(SITES)) {
      return List.of();
    }
    List<String> sites;
    try {
      sites = config.getStringList(SITES);
    } catch (com.typesafe.config.ConfigException e) {
      throw new org.vmflock.model.InvalidInputException(SITES, "a list of site names: " + e.getMessage(), e);
    }
    for (String s : sites) {
      try {
        org.vmflock.model.VmEndpoint.requireName("site", s);
      } catch (IllegalArgumentException e) {
        throw new org.vmflock.model.InvalidInputException(SITES, e.getMessage());
      }
      if (scenario.isPresent() && scenario.get().infra().site(s).isEmpty()) {
        throw new org.vmflock.model.InvalidInputException(SITES, "no site " + s + " in the scenario (its sites: "
            + scenario.get().infra().sites().stream().map(Site::name).toList() + ")");
      }
    }
    if (new java.util.HashSet<>(sites).size() != sites.size()) {
      throw new org.vmflock.model.InvalidInputException(SITES, "a site named twice: " + sites);
    }
    return List.copyOf(sites);
  }

  @Override
  public HttpEndpoint endpoint() {
    return endpoint;
  }

  public VmflockNode node() {
    return node;
  }

  public ActorRef<MigrationManager.Command> manager() {
    return manager;
  }

  @Override
  public void close() {
    // a node the cluster downed has stopped its actor system, and the HTTP server with it
    if (!node.shutDown()) {
      NodeEndpoint.unbind(node, endpoint.binding(), ASK);
    }
    hypervisors.close();
    node.close();
  }
}
