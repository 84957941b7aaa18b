package org.vmflock.node;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.vmflock.emulate.lab.TcpForwarder;
import org.vmflock.testing.TestPostgresql;

/**
 * Each node of a {@link ProcessCluster} in a network namespace of its own, as if each were a site
 * on a network of its own, so that one can be cut from the others with nftables inside its
 * namespace ({@link #partition}) and joined again ({@link #heal}).
 *
 * <p>Topology: namespace {@code vmflpt-hub} holds a bridge; node {@code i}'s namespace {@code
 * vmflpt-<i>} has an {@code eth0} (a veth whose other end is a bridge port) with {@code
 * 10.78.15.<i+1>/24}; the root namespace gets one veth to the bridge, {@value #ROOT_INTERFACE}, with
 * {@value #ROOT_ADDRESS}: the hypervisors listen there, the test reaches the nodes' HTTP endpoints
 * from there, and the nodes reach the PostgreSQL journal (which listens on the root namespace's
 * loopback) through a {@link TcpForwarder} listening there. 10.78.15.0/24 is used by no
 * other lab of the project (the emulated federation's is 10.77.0.0/16).
 *
 * <p>The prefix {@code vmflpt-} is this class's own, and outside the emulated federation's lab ids
 * ({@code vmfl-<pid in base 36>-<3 characters>}): named {@code vmfl-pt-hub}, the hub was taken for a
 * lab of a dead process "pt" and swept by the next lab to start, cutting every node off. Leftovers
 * of a run killed before its close are deleted when the next starts. One run at a time on a machine: a second (another clone's tests)
 * waits for the first's lock file ({@value #LOCK_FILE} in the temporary directory) rather than
 * delete its namespaces. Needs root, {@code ip} and {@code nft} ({@link #missing()}).
 */
final class NodeNamespaces implements ProcessCluster.Network, AutoCloseable {

  static final String PREFIX = "vmflpt-";
  static final String ROOT_INTERFACE = "vmflpt0";
  static final String ROOT_ADDRESS = "10.78.15.254";
  private static final String SUBNET = "10.78.15.";
  private static final String HUB = PREFIX + "hub";
  /** The nftables table a partition adds in a node's namespace. */
  private static final String TABLE = "vmflpt";
  static final String LOCK_FILE = "vmflpt.lock";
  /** How long a run waits for another's namespaces to go: more than a whole run of the partition test. */
  private static final Duration LOCK_WAIT = Duration.ofMinutes(10);

  private final int nodes;
  private final FileLock lock;
  private TcpForwarder journalForwarder;

  private NodeNamespaces(int nodes, FileLock lock) {
    this.nodes = nodes;
    this.lock = lock;
  }

  /** What this machine lacks for the namespaces: empty if it has it all. */
  static Optional<String> missing() {
    if (!TestPostgresql.root()) {
      return Optional.of("needs root: network namespaces, nftables and the PostgreSQL journal (run bin/test as root)");
    }
    for (String tool : List.of("ip", "nft")) {
      if (List.of("/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/").stream().noneMatch(d -> Files.isExecutable(Path.of(d + tool)))) {
        return Optional.of("needs " + tool + " (packages iproute2 and nftables; bin/test installs them)");
      }
    }
    return Optional.empty();
  }

  /** Namespaces for {@code nodes} nodes, and the journal's forwarder to {@code journal} (host:port on the root namespace). */
  static NodeNamespaces create(int nodes, InetSocketAddress journal) throws IOException {
    FileLock lock = lock();
    deleteLeftovers();
    NodeNamespaces n = new NodeNamespaces(nodes, lock);
    try {
      n.build();
      n.journalForwarder = TcpForwarder.start("journal", null, new InetSocketAddress(InetAddress.getByName(ROOT_ADDRESS), 0), null, journal);
      return n;
    } catch (IOException | RuntimeException e) {
      n.close();
      throw e;
    }
  }

  /** This machine's lock on the namespaces, once no other process holds it. */
  private static FileLock lock() throws IOException {
    FileChannel channel = FileChannel.open(Path.of(System.getProperty("java.io.tmpdir"), LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock[] held = {null};
    try {
      Awaitility.await("another run's " + PREFIX + "* namespaces gone (its lock on " + LOCK_FILE + ")").atMost(LOCK_WAIT)
          .pollInterval(Duration.ofSeconds(1)).until(() -> (held[0] = channel.tryLock()) != null);
      return held[0];
    } catch (RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private void build() {
    ip("netns", "add", HUB);
    ip("-n", HUB, "link", "set", "lo", "up");
    ip("-n", HUB, "link", "add", "br0", "type", "bridge");
    ip("-n", HUB, "link", "set", "br0", "up");
    ip("link", "add", ROOT_INTERFACE, "type", "veth", "peer", "name", "root", "netns", HUB);
    ip("-n", HUB, "link", "set", "root", "master", "br0", "up");
    ip("addr", "add", ROOT_ADDRESS + "/24", "dev", ROOT_INTERFACE);
    ip("link", "set", ROOT_INTERFACE, "up");
    for (int i = 0; i < nodes; i++) {
      String ns = namespace(i);
      ip("netns", "add", ns);
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", HUB, "link", "add", "n" + i, "type", "veth", "peer", "name", "eth0", "netns", ns);
      ip("-n", HUB, "link", "set", "n" + i, "master", "br0", "up");
      ip("-n", ns, "addr", "add", nodeHost(i) + "/24", "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
    }
  }

  /** Node {@code i}'s namespace. */
  static String namespace(int i) {
    return PREFIX + i;
  }

  @Override
  public String hypervisorsHost() {
    return ROOT_ADDRESS;
  }

  @Override
  public String nodeHost(int i) {
    return SUBNET + (i + 1);
  }

  @Override
  public List<String> prefix(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  @Override
  public String journalUrl(TestPostgresql db) {
    return "jdbc:postgresql://" + ROOT_ADDRESS + ":" + journalForwarder.address().getPort() + "/" + db.database();
  }

  /**
   * Cuts node {@code i} from every other node: inside its namespace, nftables drops every packet to
   * or from their addresses (silently, as a WAN that fails does). It still reaches the journal and
   * the hypervisors, and the test reaches it.
   */
  void partition(int i) {
    List<String> others = new ArrayList<>();
    for (int o = 0; o < nodes; o++) {
      if (o != i) {
        others.add(nodeHost(o));
      }
    }
    String set = "{ " + String.join(", ", others) + " }";
    run(List.of("ip", "netns", "exec", namespace(i), "nft", "-f", "-"), """
        table inet %1$s {
          chain input { type filter hook input priority 0; policy accept; ip saddr %2$s drop; }
          chain output { type filter hook output priority 0; policy accept; ip daddr %2$s drop; }
        }
        """.formatted(TABLE, set));
  }

  /** Ends node {@code i}'s partition: its table deleted. */
  void heal(int i) {
    run(List.of("ip", "netns", "exec", namespace(i), "nft", "delete", "table", "inet", TABLE), "");
  }

  @Override
  public void close() throws IOException {
    if (journalForwarder != null) {
      journalForwarder.close();
    }
    try {
      deleteLeftovers();
    } finally {
      lock.channel().close();
    }
  }

  /** Deletes every namespace named vmflpt-... and the root namespace's veth (deleting one end deletes both). */
  static void deleteLeftovers() {
    for (String line : run(List.of("ip", "netns", "list"), "").split("\n")) {
      String name = line.strip().split("\\s+")[0];
      if (name.startsWith(PREFIX)) {
        run(List.of("ip", "netns", "delete", name), "");
      }
    }
    Path rootEnd = Path.of("/sys/class/net", ROOT_INTERFACE);
    if (Files.exists(rootEnd)) {
      try {
        run(List.of("ip", "link", "delete", ROOT_INTERFACE), "");
      } catch (IllegalStateException e) {
        // the kernel deletes this end itself once its peer's namespace is gone, at its own pace: only a veth still there is a failure
        if (Files.exists(rootEnd)) {
          throw e;
        }
      }
    }
  }

  private static void ip(String... args) {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    run(command, "");
  }

  /** Runs {@code command} with {@code stdin}; its output, or an exception naming it and what it printed if it fails. */
  private static String run(List<String> command, String stdin) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit " + (p.isAlive() ? "none" : p.exitValue()) + "): " + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
  }
}
