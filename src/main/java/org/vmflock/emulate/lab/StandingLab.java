package org.vmflock.emulate.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.IpAddress;

/**
 * An emulated federation kept up for processes started from outside it ({@code vmflock lab up}):
 * vmflock nodes run in its sites' namespaces ({@code ip netns exec NAMESPACE}), bound to the sites'
 * addresses, and talk to each other over its WAN links. What they need from this machine's own
 * namespace is made reachable inside every site's: each service port {@code P} (the PostgreSQL
 * journal's 5432, the hypervisors' 7700) is listened on at {@code 127.0.0.1:P} inside each site's
 * namespace and forwarded to {@code 127.0.0.1:P} here ({@link TcpForwarder}), so a node's
 * configuration names them as on one machine. The other way, {@link #expose} makes a port of a
 * site's address reachable here (a node's HTTPS endpoint, for curl or a test). No interface is added
 * outside the lab's namespaces: {@link #close()} (or the lab's shutdown hook, or the next lab's
 * sweep after a {@code kill -9}) removes everything, and kills what still runs in its namespaces.
 */
public final class StandingLab implements AutoCloseable {

  /** Where a site's processes run: its namespace, and the address a node there binds to (its bridge's). */
  public record Site(String name, String namespace, IpAddress address) {}

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private final EmulatedFederation federation;
  private final List<Integer> services;
  private final List<TcpForwarder> forwarders = new ArrayList<>();

  private StandingLab(EmulatedFederation federation, List<Integer> services) {
    this.federation = federation;
    this.services = List.copyOf(services);
  }

  /**
   * The federation of {@code spec} up, each port of {@code services} of this namespace's loopback
   * reachable at the same port of every site namespace's loopback.
   *
   * @throws LabUnavailableException when the machine cannot host a lab (not root...)
   * @throws IOException when a service's port cannot be listened on in a site's namespace
   */
  public static StandingLab up(FederationSpec spec, List<Integer> services) throws IOException {
    for (int port : services) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("a service port is 1 to 65535: " + port);
      }
    }
    if (services.stream().distinct().count() != services.size()) {
      throw new IllegalArgumentException("a service port named twice: " + services);
    }
    EmulatedFederation federation = EmulatedFederation.create(spec);
    StandingLab lab = new StandingLab(federation, services);
    try {
      for (String site : federation.sites()) {
        for (int port : services) {
          lab.forwarders.add(TcpForwarder.start(site + "-" + port, federation.siteNamespace(site), new InetSocketAddress(LOOPBACK, port),
              null, new InetSocketAddress(LOOPBACK, port)));
        }
      }
    } catch (IOException | RuntimeException e) {
      lab.close();
      throw e;
    }
    return lab;
  }

  public EmulatedFederation federation() {
    return federation;
  }

  /** The ports of this namespace's loopback reachable at the same port of each site namespace's loopback. */
  public List<Integer> services() {
    return services;
  }

  public List<Site> sites() {
    return federation.sites().stream().map(this::site).toList();
  }

  public Site site(String name) {
    return new Site(name, federation.siteNamespace(name), federation.siteAddress(name));
  }

  /**
   * Makes {@code site}'s address, port {@code port}, reachable at {@code 127.0.0.1:localPort} of this
   * namespace (0: any free port); returns where.
   */
  public synchronized InetSocketAddress expose(String site, int port, int localPort) throws IOException {
    Site s = site(site);
    TcpForwarder f = TcpForwarder.start("expose-" + site + "-" + port, null, new InetSocketAddress(LOOPBACK, localPort), s.namespace(),
        new InetSocketAddress(InetAddress.getByName(s.address().toString()), port));
    forwarders.add(f);
    return f.address();
  }

  /** The forwarders running: every service in every site, and what {@link #expose} made. */
  public synchronized List<TcpForwarder> forwarders() {
    return List.copyOf(forwarders);
  }

  @Override
  public void close() {
    synchronized (this) {
      forwarders.forEach(TcpForwarder::close);
    }
    federation.close();
  }

  @Override
  public String toString() {
    return "StandingLab[" + federation + ", services " + services + "]";
  }
}
