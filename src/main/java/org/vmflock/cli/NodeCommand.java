package org.vmflock.cli;

import com.typesafe.config.Config;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.vmflock.model.InvalidInputException;
import org.vmflock.node.ClusterNode;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a node of a vmflock cluster whose hypervisors run outside it.",
      "Its hypervisors (`vmflock hypervisors`) are reached at --hypervisors URL. It runs the cluster of its configuration (seed nodes, port, journal; PostgreSQL for several",
      "nodes), the site actors, the sagas and the migration manager (a cluster singleton on one node; another",
      "takes it over when that node is lost), and the HTTP endpoint (GET /api/status, /api/cluster, POST",
      "/api/events). With --scenario, that scenario's sites are defined (those not defined yet) and watched;",
      "applications come by POST /api/events (vmflock inject submit). It senses the sites vmflock.node.sites names:",
      "their VMs' traffic, read from the hypervisors (GET /traffic) period by period, reported to the sites'",
      "collectors the manager asks. Runs until interrupted (exit 0), or until the cluster removes it (downed by the",
      "split-brain resolver on the minority side of a partition: exit 1, saying so; started again, it joins as a new",
      "incarnation)."
    })
public final class NodeCommand implements Callable<Integer> {

  private static final int MAX_PORT = 65_535;
  /** How long a node whose shutdown ran to its end waits for its actor system to stop before it ends anyway. */
  private static final Duration STOP_PATIENCE = Duration.ofSeconds(15);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeCommand.class);

  @Option(names = "--hypervisors", paramLabel = "URL", required = true,
      description = "Address of the hypervisors the controller acts through, e.g. http://127.0.0.1:7700.")
  String hypervisors;

  @Option(names = "--scenario", paramLabel = "FILE", description = "Scenario whose sites the cluster manages (defined once, by the first node).")
  Path scenario;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port (default vmflock.http.port, 8080; 0 picks a free one).")
  Integer httpPort;

  @Mixin NodeOptions node;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    URI uri = hypervisorsUri(hypervisors);
    Config config = node.load(Map.of());
    int port = httpPort != null ? httpPort : config.getInt("vmflock.http.port");
    if (port < 0 || port > MAX_PORT) {
      throw new InvalidInputException("--http-port", "a port is between 0 and " + MAX_PORT + ", not " + port);
    }
    Optional<Scenario> sites = Optional.ofNullable(scenario).map(ScenarioFile::load);
    ClusterNode.sensedSites(config, sites); // refused before anything starts
    PrintWriter err = spec.commandLine().getErr();
    try (Interruption interruption = Interruption.install("node", Duration.ofSeconds(30));
        ClusterNode n = ClusterNode.start(config, uri, sites, port)) {
      err.printf(Locale.ROOT, "requests that change the node (POST /api/events, vmflock inject) carry the bearer token in %s%n", n.tokenFile());
      err.printf(Locale.ROOT, "vmflock cluster node %s, hypervisors at %s%s: %s://%s:%d/api/status%n",
          n.node().system().address(), uri, scenario == null ? "" : ", sites of " + scenario, n.scheme(), config.getString("vmflock.http.host"),
          n.httpPort());
      n.node().journal().notice().ifPresent(err::println);
      err.println("until interrupted (Ctrl-C)");
      err.flush();
      // a node the cluster downed (the minority of a partition) has stopped its actor system: it
      // serves nothing any more, so it ends, and whatever restarts it makes it a new incarnation
      if (!interruption.awaitUnless(n.node().ended(STOP_PATIENCE)) && n.node().stopReason().isPresent()) {
        if (!n.node().stopped()) {
          LOG.warn("the actor system of {} did not stop within {} s of its shutdown's end; the node ends anyway. Its actors:\n{}",
              n.node().system().address(), STOP_PATIENCE.toSeconds(), n.node().actorTree());
        }
        err.printf(Locale.ROOT, "vmflock node %s left the cluster without being interrupted (%s); exit %d: start it again to join the "
            + "cluster as a new incarnation%n", n.node().system().address(), n.node().stopReason().get(), ExitCode.FAILURE);
        err.flush();
        return ExitCode.FAILURE;
      }
    }
    return ExitCode.OK;
  }

  /** The hypervisors' address, http(s)://HOST:PORT; refused naming the option otherwise. */
  static URI hypervisorsUri(String text) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (java.net.URISyntaxException e) {
      throw new InvalidInputException("--hypervisors", "not an address: " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new InvalidInputException("--hypervisors", "the hypervisors' address is http://HOST:PORT, not " + text);
    }
    return uri;
  }
}
