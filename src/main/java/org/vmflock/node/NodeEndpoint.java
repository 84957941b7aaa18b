package org.vmflock.node;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.vmflock.clock.Clock;
import org.vmflock.control.ManagerSettings;
import org.vmflock.http.ApiServer;
import org.vmflock.http.ApiToken;
import org.vmflock.manager.MigrationManager;
import org.vmflock.simulate.SimulatedFederation;

/** A node's HTTP endpoint, bound with the node's operations: metrics, readiness, the live stream, the observed traffic. */
final class NodeEndpoint {

  private NodeEndpoint() {}

  /**
   * Binds the endpoint of {@code node} on {@code vmflock.http.host} and {@code port} (0: a free one),
   * over HTTPS with {@code tls}; {@code world}: the simulated hypervisors it shows, if it holds them.
   */
  static ServerBinding bind(VmflockNode node, Config config, ActorRef<MigrationManager.Command> manager, Clock clock, ManagerSettings settings,
      Optional<SimulatedFederation> world, ApiToken token, int port, Optional<HttpsConnectionContext> tls, Duration timeout) {
    String dir = config.getString("vmflock.http.traffic-dir");
    Optional<Path> trafficDir = dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
    // the readiness probe spawned now, not by the first request on the HTTP server's threads
    NodeHealth health = node.health();
    return VmflockNode.await(ApiServer.start(new ApiServer.Backend(node.system(), manager, node.sites(), clock,
        settings.loop().defaultLink(), trafficDir, world,
        new ApiServer.Operations(Optional.of(node.metrics()), health::readiness, health::live, Optional.of(node.live()),
            Optional.of(node.traffic()))), token, config.getString("vmflock.http.host"), port, tls),
        "binding the HTTP endpoint", timeout);
  }

  /** Stops serving, within {@code timeout}; an endpoint that does not stop cleanly is logged, not thrown. */
  static void unbind(VmflockNode node, ServerBinding binding, Duration timeout) {
    try {
      binding.unbind().toCompletableFuture().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      node.system().log().warn("HTTP endpoint did not stop cleanly: {}", e.toString());
    }
  }
}
