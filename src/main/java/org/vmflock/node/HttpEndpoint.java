package org.vmflock.node;

import java.nio.file.Path;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A node's bound HTTP endpoint: where it listens, whether over TLS, and the file holding the
 * bearer token that requests changing the node carry ({@link org.vmflock.http.ApiToken}).
 */
public record HttpEndpoint(ServerBinding binding, Path tokenFile, boolean https) {

  public int port() {
    return binding.localAddress().getPort();
  }

  /** {@code https} when the endpoint serves TLS (vmflock.http.tls.enabled), {@code http} otherwise. */
  public String scheme() {
    return https ? "https" : "http";
  }

  /** A node serving an HTTP endpoint: its port, scheme and token file, as clients address it. */
  public interface Serving {
    HttpEndpoint endpoint();

    default int httpPort() {
      return endpoint().port();
    }

    default String scheme() {
      return endpoint().scheme();
    }

    default Path tokenFile() {
      return endpoint().tokenFile();
    }
  }
}
