package org.vmflock.monitor.capture;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;

/**
 * An emulated site in network namespaces, for tests that need real, exactly known traffic.
 *
 * <p>Topology: one "host" namespace holding a Linux bridge ({@link #BRIDGE}), and one namespace
 * per VM whose {@link #VM_INTERFACE eth0} is a veth joined to the bridge; the other end of the
 * veth ({@link #hostVeth}) lives in the host namespace and is a bridge port. The root namespace
 * gets nothing at all: every interface is created directly inside the lab's namespaces.
 *
 * <p>The lab is silent: nothing but the traffic a test makes ever crosses the bridge.
 *
 * <ul>
 *   <li>VM namespaces: IPv6 autoconfiguration, router solicitations, DAD and link-local addresses
 *       are off ({@code addr_gen_mode=1}), addresses are added {@code nodad}, and eth0 is {@code
 *       NOARP}: with NOARP the kernel joins no solicited-node multicast group, so it sends no MLD
 *       reports (without it, each VM sends two MLDv2 reports when its address comes up). Every VM
 *       has PERMANENT IPv4 and IPv6 neighbour entries for every other VM, so no ARP or Neighbour
 *       Discovery frame is ever sent.
 *   <li>Host namespace: IPv6 disabled (bridge and host-side veths inherit {@code
 *       disable_ipv6=1}), no IP address anywhere, STP and multicast snooping off, and static FDB
 *       entries for the VM MACs so the bridge never floods unicast to other VMs.
 * </ul>
 *
 * <p>Names: every namespace is called {@code PREFIX-...} where {@link #prefix()} is {@code vmfl}
 * + the JVM's pid in base 36 + {@code -} + 3 random characters (e.g. {@code vmfl2kq1-x7d-vm1}), so
 * parallel runs never clash and {@link #cleanupOrphans()} can tell leftovers of dead JVMs. Interface
 * names only live inside the lab's namespaces, so they are fixed ({@code br0}, {@code eth0}, {@code
 * h-VMNAME}).
 *
 * <p>{@link #close()} deletes every namespace (which destroys the veths and the bridge); a shutdown
 * hook does the same if the JVM exits first. Needs root: see {@link #available()}.
 */
public final class NetnsLab implements AutoCloseable {

  /** Every lab namespace name starts with this. */
  public static final String NAME_PREFIX = "vmfl";

  /** The VM side of each veth, inside the VM namespace. */
  public static final String VM_INTERFACE = "eth0";

  /** The bridge, inside the host namespace. */
  public static final String BRIDGE = "br0";

  /** EtherType of the frames {@link #injectMarker} sends (IEEE 802 local experimental 1). */
  public static final int MARKER_ETHERTYPE = 0x88B5;

  /** First 8 payload bytes of a marker frame, followed by the 8-byte marker id. */
  static final byte[] MARKER_MAGIC = "VMFLMARK".getBytes(UTF_8);

  /** Overall bound of each traffic helper. */
  public static final Duration TRAFFIC_TIMEOUT = Duration.ofSeconds(20);

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final int UDP_WINDOW = 32;
  private static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9_]{1,13}");
  private static final Pattern MAC =
      Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
  private static final Pattern OWNED_NAME =
      Pattern.compile(Pattern.quote(NAME_PREFIX) + "([0-9a-z]+)-[0-9a-z]{3}(-.*)?");
  private static final Pattern PING_SUMMARY =
      Pattern.compile("(\\d+) packets transmitted, (\\d+) received");

  /** sysctls of every VM namespace, set before its eth0 exists so eth0 inherits "default". */
  private static final List<String> VM_SYSCTLS =
      List.of(
          "accept_ra=0",
          "autoconf=0",
          "accept_dad=0",
          "dad_transmits=0",
          "router_solicitations=0",
          "use_tempaddr=0",
          "addr_gen_mode=1"); // 1 = none: no link-local address, hence no DAD, RS or MLD for it

  /** A VM: its name, eth0 MAC, and addresses with prefix length. */
  public record Vm(String name, String mac, String ipv4Cidr, String ipv6Cidr) {
    public Vm {
      if (name == null || !VM_NAME.matcher(name).matches() || name.equals("host")) {
        throw new IllegalArgumentException(
            "VM name must match " + VM_NAME + " and not be 'host': " + name);
      }
      mac = mac == null ? null : mac.toLowerCase(Locale.ROOT);
      if (mac == null || !MAC.matcher(mac).matches()) {
        throw new IllegalArgumentException("bad MAC for " + name + ": " + mac);
      }
      if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0) {
        throw new IllegalArgumentException("MAC of " + name + " is multicast: " + mac);
      }
      if (!(parseAddress(ipv4Cidr) instanceof Inet4Address)) {
        throw new IllegalArgumentException("not an IPv4 a.b.c.d/len: " + ipv4Cidr);
      }
      if (!(parseAddress(ipv6Cidr) instanceof Inet6Address)) {
        throw new IllegalArgumentException("not an IPv6 addr/len: " + ipv6Cidr);
      }
    }

    /** VM number {@code i} of the default plan: vmI, 02:00:00:77:00:II, 10.77.0.I/24, fd77::I/64. */
    public static Vm numbered(int i) {
      if (i < 1 || i > 254) {
        throw new IllegalArgumentException("1..254: " + i);
      }
      return new Vm(
          "vm" + i,
          String.format("02:00:00:77:00:%02x", i),
          "10.77.0." + i + "/24",
          "fd77::" + Integer.toHexString(i) + "/64");
    }

    public InetAddress ipv4() {
      return parseAddress(ipv4Cidr);
    }

    public InetAddress ipv6() {
      return parseAddress(ipv6Cidr);
    }

    public InetAddress ip(boolean v6) {
      return v6 ? ipv6() : ipv4();
    }

    public byte[] macBytes() {
      return parseMac(mac);
    }
  }

  /** The two ends of a flow a traffic helper made (sender or client first). */
  public record Flow(InetSocketAddress source, InetSocketAddress destination) {}

  public static Builder builder() {
    return new Builder();
  }

  /** Collects VM specs; {@link #build()} creates the lab. */
  public static final class Builder {
    private final List<Vm> vms = new ArrayList<>();

    public Builder vm(String name, String mac, String ipv4Cidr, String ipv6Cidr) {
      return vm(new Vm(name, mac, ipv4Cidr, ipv6Cidr));
    }

    public Builder vm(Vm vm) {
      vms.add(vm);
      return this;
    }

    /** Adds vm1..vmN of the default plan ({@link Vm#numbered}). */
    public Builder numberedVms(int n) {
      for (int i = 1; i <= n; i++) {
        vms.add(Vm.numbered(i));
      }
      return this;
    }

    public NetnsLab build() {
      return new NetnsLab(vms);
    }
  }

  private final String prefix;
  private final String hostNamespace;
  private final Map<String, Vm> vms = new LinkedHashMap<>();
  private final Map<String, String> vmNamespaces = new LinkedHashMap<>();
  private final Map<String, String> hostVeths = new LinkedHashMap<>();
  private final List<String> createdNamespaces = new ArrayList<>();
  private final Thread shutdownHook;
  private byte[] bridgeMac;
  private boolean closed;

  /** Creates the lab now; prefer {@link #builder()}. */
  public NetnsLab(List<Vm> vmList) {
    if (vmList.isEmpty()) {
      throw new IllegalArgumentException("a lab needs at least one VM");
    }
    Set<String> macs = new HashSet<>();
    Set<InetAddress> ips = new HashSet<>();
    for (Vm vm : vmList) {
      if (vms.putIfAbsent(vm.name(), vm) != null) {
        throw new IllegalArgumentException("duplicate VM name " + vm.name());
      }
      if (!macs.add(vm.mac()) || !ips.add(vm.ipv4()) || !ips.add(vm.ipv6())) {
        throw new IllegalArgumentException("duplicate MAC or address in " + vm);
      }
    }
    prefix = newPrefix();
    hostNamespace = prefix + "-host";
    for (Vm vm : vmList) {
      vmNamespaces.put(vm.name(), prefix + "-" + vm.name());
      hostVeths.put(vm.name(), "h-" + vm.name());
    }
    shutdownHook = new Thread(this::closeQuietly, "netns-lab-cleanup-" + prefix);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    try {
      build();
    } catch (RuntimeException | Error e) {
      try {
        close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private void build() {
    List<String> all = new ArrayList<>();
    all.add(hostNamespace);
    all.addAll(vmNamespaces.values());
    synchronized (this) {
      createdNamespaces.addAll(all); // before creating: close() then removes partial work too
    }
    ipBatch(null, all.stream().map(ns -> "netns add " + ns).toList());

    // sysctls first, so that interfaces created afterwards inherit "default"
    sysctl(
        hostNamespace,
        List.of("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"));
    for (String ns : vmNamespaces.values()) {
      List<String> settings = new ArrayList<>();
      for (String s : VM_SYSCTLS) {
        settings.add("net.ipv6.conf.all." + s);
        settings.add("net.ipv6.conf.default." + s);
      }
      sysctl(ns, settings);
    }

    List<String> host = new ArrayList<>();
    host.add("link set lo up");
    host.add("link add " + BRIDGE + " type bridge stp_state 0 mcast_snooping 0");
    for (Vm vm : vms.values()) {
      String veth = hostVeths.get(vm.name());
      host.add("link add " + veth + " type veth peer name " + VM_INTERFACE + " address "
          + vm.mac() + " netns " + vmNamespaces.get(vm.name()));
      host.add("link set " + veth + " master " + BRIDGE);
      host.add("link set " + veth + " up");
    }
    ipBatch(hostNamespace, host);
    List<String> fdb = new ArrayList<>();
    for (Vm vm : vms.values()) {
      fdb.add("fdb replace " + vm.mac() + " dev " + hostVeths.get(vm.name()) + " master static");
    }
    batch(List.of("bridge", "-n", hostNamespace, "-batch", "-"), fdb);

    for (Vm vm : vms.values()) {
      List<String> cmds = new ArrayList<>();
      cmds.add("link set " + VM_INTERFACE + " arp off");
      cmds.add("addr add " + vm.ipv4Cidr() + " dev " + VM_INTERFACE);
      cmds.add("addr add " + vm.ipv6Cidr() + " dev " + VM_INTERFACE + " nodad");
      cmds.add("link set lo up");
      cmds.add("link set " + VM_INTERFACE + " up");
      for (Vm other : vms.values()) {
        if (other != vm) {
          for (InetAddress ip : List.of(other.ipv4(), other.ipv6())) {
            cmds.add("neigh replace " + ip.getHostAddress() + " lladdr " + other.mac() + " dev "
                + VM_INTERFACE + " nud permanent");
          }
        }
      }
      ipBatch(vmNamespaces.get(vm.name()), cmds);
    }
    ipBatch(hostNamespace, List.of("link set " + BRIDGE + " up"));

    // Not java.net.NetworkInterface from a thread in the namespace: the JDK finds interfaces
    // through SIOCGIFCONF (IPv4-addressed ones only) and /proc/net/if_inet6, which is the
    // *process's* namespace, not the thread's; an address-less bridge is invisible to it.
    String link = exec("ip", "-n", hostNamespace, "-o", "link", "show", "dev", BRIDGE);
    Matcher m = Pattern.compile("link/ether (" + MAC.pattern() + ")").matcher(link);
    if (!m.find()) {
      throw new IllegalStateException("no MAC in: " + link);
    }
    bridgeMac = parseMac(m.group(1));
  }

  // ------------------------------------------------------------------ names and accessors

  /** Prefix of every namespace of this lab, e.g. {@code vmfl2kq1-x7d}. */
  public String prefix() {
    return prefix;
  }

  /** The namespace holding the bridge and the host-side veths. */
  public String hostNamespace() {
    return hostNamespace;
  }

  /** The bridge's name, inside {@link #hostNamespace()}. */
  public String bridge() {
    return BRIDGE;
  }

  /** The bridge's own MAC address (frames sent to it are consumed by the bridge, not forwarded). */
  public byte[] bridgeMac() {
    return bridgeMac.clone();
  }

  /** VM names in creation order. */
  public List<String> vmNames() {
    return List.copyOf(vms.keySet());
  }

  public Vm vm(String name) {
    Vm vm = vms.get(name);
    if (vm == null) {
      throw new IllegalArgumentException("no VM '" + name + "' in lab " + prefix + ": " + vms.keySet());
    }
    return vm;
  }

  /** The namespace of VM {@code name}; its interface is {@link #VM_INTERFACE}. */
  public String vmNamespace(String name) {
    vm(name);
    return vmNamespaces.get(name);
  }

  /** The host-side veth of VM {@code name} (a bridge port inside {@link #hostNamespace()}). */
  public String hostVeth(String name) {
    vm(name);
    return hostVeths.get(name);
  }

  /** Every namespace of this lab, host first. */
  public List<String> namespaces() {
    List<String> all = new ArrayList<>();
    all.add(hostNamespace);
    all.addAll(vmNamespaces.values());
    return all;
  }

  // ------------------------------------------------------------------ traffic

  /**
   * Sends {@code datagrams} UDP datagrams of {@code payloadBytes} bytes from {@code fromVm} to
   * {@code toVm} and checks that a receiver bound in {@code toVm} got every one of them, intact,
   * from the right source. Each datagram is one frame. Payloads carry a sequence number (when at
   * least 4 bytes) so loss, duplication and corruption are detected.
   */
  public Flow udp(String fromVm, String toVm, boolean ipv6, int datagrams, int payloadBytes)
      throws Exception {
    Vm from = vm(fromVm);
    Vm to = vm(toVm);
    int max = 1500 - (ipv6 ? 40 : 20) - 8;
    if (datagrams < 1 || payloadBytes < 0 || payloadBytes > max) {
      throw new IllegalArgumentException(
          "need datagrams >= 1 and 0 <= payloadBytes <= " + max + " (one frame each)");
    }
    ProtocolFamily family = ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    InetAddress src = from.ip(ipv6);
    InetAddress dst = to.ip(ipv6);
    try (DatagramChannel rx =
            NetworkNamespace.call(
                vmNamespace(toVm),
                () -> DatagramChannel.open(family).bind(new InetSocketAddress(dst, 0)));
        DatagramChannel tx =
            NetworkNamespace.call(
                vmNamespace(fromVm),
                () -> DatagramChannel.open(family).bind(new InetSocketAddress(src, 0)))) {
      rx.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20); // capped by net.core.rmem_max
      // flow control: at most UDP_WINDOW datagrams queued at the receiver, far below its buffer,
      // so a slow receiver thread can never make the kernel drop one
      Semaphore window = new Semaphore(UDP_WINDOW);
      InetSocketAddress source = (InetSocketAddress) tx.getLocalAddress();
      InetSocketAddress destination = (InetSocketAddress) rx.getLocalAddress();
      FutureTask<Integer> receiver =
          new FutureTask<>(
              () -> {
                ByteBuffer buf = ByteBuffer.allocate(2048);
                BitSet seen = new BitSet(datagrams);
                for (int i = 0; i < datagrams; i++) {
                  buf.clear();
                  InetSocketAddress sender = (InetSocketAddress) rx.receive(buf);
                  buf.flip();
                  if (!source.equals(sender) || buf.remaining() != payloadBytes) {
                    throw new AssertionError("unexpected datagram from " + sender + " of "
                        + buf.remaining() + " bytes at " + toVm + " (expected " + source + ", "
                        + payloadBytes + " bytes)");
                  }
                  if (payloadBytes >= 4) {
                    int seq = buf.getInt(0);
                    if (seq < 0 || seq >= datagrams || seen.get(seq)) {
                      throw new AssertionError("bad or repeated datagram sequence " + seq);
                    }
                    seen.set(seq);
                  }
                  window.release();
                }
                return datagrams;
              });
      startDaemon(receiver, "lab-udp-rx-" + toVm);
      ByteBuffer payload = ByteBuffer.allocate(payloadBytes);
      for (int i = 0; i < datagrams; i++) {
        if (!window.tryAcquire(TRAFFIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          break; // receiver stuck or failed: await() below reports it
        }
        payload.clear();
        Arrays.fill(payload.array(), (byte) (i * 31 + 7));
        if (payloadBytes >= 4) {
          payload.putInt(0, i);
        }
        int sent = tx.send(payload, destination);
        if (sent != payloadBytes) {
          throw new AssertionError("datagram " + i + " not sent (" + sent + " bytes)");
        }
      }
      await(
          receiver,
          () -> "UDP " + fromVm + " -> " + toVm + ": not all " + datagrams
              + " datagrams arrived within " + TRAFFIC_TIMEOUT.toSeconds() + " s",
          rx,
          tx);
      return new Flow(source, destination);
    }
  }

  /**
   * A TCP connection from {@code clientVm} to {@code serverVm}: the client (TCP_NODELAY) sends
   * {@code messages} messages of {@code messageBytes} bytes, each echoed by the server before the
   * next is sent, then both close cleanly. Returns once the connection is completely closed on
   * the wire: the client shuts down its output (FIN) and reads the server's FIN; the server closes
   * with {@code SO_LINGER}, which makes {@code close()} wait until its FIN is acknowledged. No
   * segment of this connection is in flight afterwards (the client's TIME_WAIT is silent).
   *
   * <p>The number of frames is the kernel's business (delayed or piggybacked ACKs): compare with
   * {@link #snmp} deltas, not with a formula.
   */
  @SuppressWarnings("try") // listener and client are closed as soon as done, inside their resources' scope
  public Flow tcp(String clientVm, String serverVm, boolean ipv6, int messages, int messageBytes)
      throws Exception {
    Vm client = vm(clientVm);
    Vm server = vm(serverVm);
    if (messages < 0 || messageBytes < 1 || messageBytes >= 1000) {
      throw new IllegalArgumentException("need messages >= 0 and 1 <= messageBytes < 1000");
    }
    ProtocolFamily family = ipv6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    InetAddress src = client.ip(ipv6);
    InetAddress dst = server.ip(ipv6);
    try (ServerSocketChannel listener =
            NetworkNamespace.call(
                vmNamespace(serverVm),
                () -> ServerSocketChannel.open(family).bind(new InetSocketAddress(dst, 0), 1));
        SocketChannel socket =
            NetworkNamespace.call(
                vmNamespace(clientVm),
                () -> SocketChannel.open(family).bind(new InetSocketAddress(src, 0)))) {
      InetSocketAddress destination = (InetSocketAddress) listener.getLocalAddress();
      InetSocketAddress source = (InetSocketAddress) socket.getLocalAddress();
      FutureTask<Integer> serverTask =
          new FutureTask<>(
              () -> {
                int echoed = 0;
                try (SocketChannel conn = listener.accept()) {
                  listener.close();
                  conn.setOption(StandardSocketOptions.TCP_NODELAY, true);
                  ByteBuffer buf = ByteBuffer.allocate(messageBytes);
                  while (true) {
                    buf.clear();
                    if (!readFully(conn, buf)) {
                      break; // client's FIN
                    }
                    buf.flip();
                    writeFully(conn, buf);
                    echoed++;
                  }
                  // close() now blocks until our FIN is ACKed (or 10 s pass)
                  conn.setOption(StandardSocketOptions.SO_LINGER, 10);
                }
                return echoed;
              });
      FutureTask<Integer> clientTask =
          new FutureTask<>(
              () -> {
                socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                socket.connect(destination);
                ByteBuffer out = ByteBuffer.allocate(messageBytes);
                ByteBuffer in = ByteBuffer.allocate(messageBytes);
                for (int i = 0; i < messages; i++) {
                  out.clear();
                  Arrays.fill(out.array(), (byte) (i * 13 + 1));
                  out.putInt(0, i);
                  writeFully(socket, out);
                  in.clear();
                  if (!readFully(socket, in) || !Arrays.equals(in.array(), out.array())) {
                    throw new AssertionError("echo " + i + " missing or corrupt");
                  }
                }
                socket.shutdownOutput(); // FIN
                in.clear();
                if (socket.read(in) != -1) { // server's FIN; our kernel ACKs it at once
                  throw new AssertionError("server sent data instead of closing");
                }
                socket.close();
                return messages;
              });
      startDaemon(serverTask, "lab-tcp-server-" + serverVm);
      startDaemon(clientTask, "lab-tcp-client-" + clientVm);
      Supplier<String> timeoutMessage =
          () -> "TCP " + clientVm + " -> " + serverVm + " did not finish within "
              + TRAFFIC_TIMEOUT.toSeconds() + " s";
      await(clientTask, timeoutMessage, listener, socket);
      int echoed = await(serverTask, timeoutMessage, listener, socket);
      if (echoed != messages) {
        throw new AssertionError("server echoed " + echoed + " of " + messages + " messages");
      }
      return new Flow(source, destination);
    }
  }

  /**
   * Runs {@code ping -n -c COUNT -i 0.2 -W 2 [-6] ADDR} in {@code fromVm}'s namespace and checks
   * every echo was answered.
   */
  public void ping(String fromVm, String toVm, boolean ipv6, int count) {
    vm(fromVm);
    InetAddress target = vm(toVm).ip(ipv6);
    if (count < 1) {
      throw new IllegalArgumentException("count >= 1");
    }
    List<String> cmd = new ArrayList<>(
        List.of("ip", "netns", "exec", vmNamespace(fromVm), "ping", "-n", "-c",
            Integer.toString(count), "-i", "0.2", "-W", "2"));
    if (ipv6) {
      cmd.add("-6");
    }
    cmd.add(target.getHostAddress());
    ExecResult r = run(cmd, null, Duration.ofSeconds(10 + count));
    if (r.output().contains("exec of \"ping\" failed")) {
      throw new IllegalStateException("ping is not installed (apt-get install -y iputils-ping): "
          + r.output().trim());
    }
    Matcher m = PING_SUMMARY.matcher(r.output());
    if (r.exitCode() != 0 || !m.find()
        || Integer.parseInt(m.group(1)) != count || Integer.parseInt(m.group(2)) != count) {
      throw new AssertionError("ping " + fromVm + " -> " + toVm + " (" + target.getHostAddress()
          + ") did not get all " + count + " replies:\n" + r.output());
    }
  }

  /** SNMP counters of VM {@code name}'s namespace. */
  public SnmpCounters snmp(String name) throws Exception {
    return snmpOfNamespace(vmNamespace(name));
  }

  /** SNMP counters of the host namespace (stays all zero: the host sends and accepts nothing). */
  public SnmpCounters hostSnmp() throws Exception {
    return snmpOfNamespace(hostNamespace);
  }

  /**
   * Reads SNMP counters of any namespace, from a thread inside it: {@code /proc/thread-self/net}
   * shows the calling thread's namespace ({@code /proc/self/net} would show the main thread's).
   */
  public static SnmpCounters snmpOfNamespace(String namespace) throws Exception {
    return NetworkNamespace.call(
        namespace,
        () -> {
          List<String> snmp = new java.util.ArrayList<>(Files.readAllLines(Path.of("/proc/thread-self/net/snmp")));
          // same two-line layout: IpExt carries InOctets, the IPv4 bytes received
          snmp.addAll(Files.readAllLines(Path.of("/proc/thread-self/net/netstat")));
          Path p6 = Path.of("/proc/thread-self/net/snmp6");
          List<String> snmp6 = Files.exists(p6) ? Files.readAllLines(p6) : List.of();
          return SnmpCounters.parse(snmp, snmp6);
        });
  }

  /**
   * Sends one marker frame from {@code fromVm}'s eth0 to the bridge's own MAC, with EtherType
   * {@link #MARKER_ETHERTYPE} and payload {@code "VMFLMARK" + id}. The bridge consumes it locally:
   * it is never forwarded to any VM and no VM counter moves, but a capture on the bridge sees it
   * after every frame that entered the bridge earlier. Use it to flush a capture ({@link
   * BridgeCapture#flush()}).
   *
   * @return the marker's id (random)
   */
  public long injectMarker(String fromVm) throws Exception {
    long id = ThreadLocalRandom.current().nextLong();
    injectMarker(fromVm, id);
    return id;
  }

  /** {@link #injectMarker(String)} with a chosen id. */
  public void injectMarker(String fromVm, long id) throws Exception {
    Vm vm = vm(fromVm);
    ByteBuffer frame = ByteBuffer.allocate(60);
    frame.put(bridgeMac).put(vm.macBytes()).putShort((short) MARKER_ETHERTYPE);
    frame.put(MARKER_MAGIC).putLong(id);
    PcapHandle handle =
        NetworkNamespace.call(
            vmNamespace(fromVm),
            () -> new PcapHandle.Builder(VM_INTERFACE)
                .snaplen(128)
                .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                .timeoutMillis(10)
                .build());
    try {
      handle.sendPacket(frame.array());
    } finally {
      handle.close();
    }
  }

  /** The marker id carried by {@code frame}, if it is a marker frame of {@link #injectMarker}. */
  public static Optional<Long> markerId(byte[] frame, int offset, int length) {
    if (length < 14 + MARKER_MAGIC.length + 8) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(frame, offset, length).slice();
    if ((b.getShort(12) & 0xffff) != MARKER_ETHERTYPE
        || !Arrays.equals(frame, offset + 14, offset + 14 + MARKER_MAGIC.length,
            MARKER_MAGIC, 0, MARKER_MAGIC.length)) {
      return Optional.empty();
    }
    return Optional.of(b.getLong(14 + MARKER_MAGIC.length));
  }

  // ------------------------------------------------------------------ lifecycle

  /** Deletes every namespace of the lab (veths and bridge go with them). Idempotent. */
  @Override
  public void close() {
    List<String> toDelete;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toDelete = new ArrayList<>(createdNamespaces);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // JVM already shutting down (we may be running in the hook), or hook not registered
    }
    deleteNamespaces(toDelete);
    List<String> left = new ArrayList<>(toDelete);
    left.retainAll(listNamespaces());
    if (!left.isEmpty()) {
      throw new IllegalStateException("could not delete namespaces " + left);
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("NetnsLab " + prefix + ": cleanup failed: " + e);
    }
  }

  /** Names of all named network namespaces ({@code ip netns list}). */
  public static Set<String> listNamespaces() {
    if (!Files.isDirectory(NetworkNamespace.NETNS_DIR)) {
      return Set.of();
    }
    try (Stream<Path> files = Files.list(NetworkNamespace.NETNS_DIR)) {
      return files.map(p -> p.getFileName().toString()).collect(TreeSet::new, Set::add, Set::addAll);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Deletes every namespace whose name starts with {@code prefix} (which must start with {@link
   * #NAME_PREFIX}). Careful: {@code cleanupStale("vmfl")} also removes labs of parallel runs; use
   * {@link #cleanupOrphans()} for that.
   *
   * @return the names deleted
   */
  public static List<String> cleanupStale(String prefix) {
    if (!prefix.startsWith(NAME_PREFIX)) {
      throw new IllegalArgumentException("prefix must start with " + NAME_PREFIX + ": " + prefix);
    }
    List<String> stale = listNamespaces().stream().filter(n -> n.startsWith(prefix)).toList();
    deleteNamespaces(stale);
    return stale;
  }

  /**
   * Deletes the namespaces of labs whose JVM is gone: lab names embed the creating process id
   * ({@code vmfl<pid base 36>-xxx-...}), and a name is an orphan when that process no longer
   * exists. Labs of live parallel runs are left alone. (Assumes one pid namespace per {@code
   * /var/run/netns}.)
   *
   * @return the names deleted
   */
  public static List<String> cleanupOrphans() {
    List<String> orphans = new ArrayList<>();
    for (String name : listNamespaces()) {
      Matcher m = OWNED_NAME.matcher(name);
      if (m.matches()) {
        long pid;
        try {
          pid = Long.parseLong(m.group(1), 36);
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).isEmpty()) {
          orphans.add(name);
        }
      }
    }
    deleteNamespaces(orphans);
    return orphans;
  }

  private static void deleteNamespaces(List<String> names) {
    if (!names.isEmpty()) {
      // -force: go on after a failure (e.g. a name already gone)
      run(
          List.of("ip", "-force", "-batch", "-"),
          String.join("\n", names.stream().map(n -> "netns delete " + n).toList()) + "\n",
          COMMAND_TIMEOUT);
    }
  }

  private static final Set<String> USED_PREFIXES = new HashSet<>();

  /**
   * A fresh prefix: vmfl + pid in base 36 + '-' + 3 random base-36 characters, never used before
   * in this JVM and matching no existing namespace (so close() can never delete someone else's).
   */
  static String newPrefix() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    synchronized (USED_PREFIXES) {
      Set<String> existing = listNamespaces();
      while (true) {
        StringBuilder b = new StringBuilder(NAME_PREFIX)
            .append(Long.toString(ProcessHandle.current().pid(), 36)).append('-');
        for (int i = 0; i < 3; i++) {
          b.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        String prefix = b.toString();
        if (existing.stream().noneMatch(n -> n.startsWith(prefix + "-"))
            && USED_PREFIXES.add(prefix)) {
          return prefix;
        }
      }
    }
  }

  // ------------------------------------------------------------------ availability

  private static String unavailableReason;
  private static boolean probed;

  /**
   * True when labs can be built here: Linux, uid 0, {@code ip netns} works, a namespace can be
   * created, entered (via {@link NetworkNamespace}) and deleted. Probed once per JVM.
   */
  public static synchronized boolean available() {
    if (!probed) {
      unavailableReason = probe();
      probed = true;
    }
    return unavailableReason == null;
  }

  /** Why {@link #available()} is false, or null when it is true. */
  public static synchronized String unavailableReason() {
    available();
    return unavailableReason;
  }

  private static String probe() {
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      return "not Linux";
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          String euid = line.substring(4).trim().split("\\s+")[1];
          if (!euid.equals("0")) {
            return "not running as root (uid " + euid + ")";
          }
        }
      }
    } catch (IOException e) {
      return "cannot read /proc/self/status: " + e;
    }
    ExecResult list;
    try {
      list = run(List.of("ip", "netns", "list"), null, COMMAND_TIMEOUT);
    } catch (RuntimeException e) {
      return "cannot run 'ip netns list' (is iproute2 installed?): " + e.getMessage();
    }
    if (list.exitCode() != 0) {
      return "'ip netns list' failed: " + list.output().trim();
    }
    String probe = newPrefix() + "-probe";
    try {
      ExecResult add = run(List.of("ip", "netns", "add", probe), null, COMMAND_TIMEOUT);
      if (add.exitCode() != 0) {
        return "'ip netns add' failed: " + add.output().trim();
      }
      try {
        NetworkNamespace.call(probe, () -> null);
      } catch (Exception e) {
        return e.getMessage();
      }
      return null;
    } finally {
      run(List.of("ip", "netns", "delete", probe), null, COMMAND_TIMEOUT);
    }
  }

  // ------------------------------------------------------------------ commands

  /** Exit code and combined stdout/stderr of a command. */
  public record ExecResult(int exitCode, String output) {}

  /** Runs a command (no shell), feeding it {@code stdin} (or /dev/null); bounded by {@code timeout}. */
  public static ExecResult run(List<String> command, String stdin, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (stdin == null) {
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    try {
      FutureTask<byte[]> output = new FutureTask<>(() -> p.getInputStream().readAllBytes());
      startDaemon(output, "lab-exec-output");
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(UTF_8));
        }
      }
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s: " + command);
      }
      return new ExecResult(p.exitValue(), new String(output.get(5, TimeUnit.SECONDS), UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + command, e);
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("failed: " + command + ": " + e, e);
    } finally {
      p.destroyForcibly();
    }
  }

  /** Runs a command and returns its output; throws with the output when it exits non-zero. */
  public static String exec(String... command) {
    ExecResult r = run(List.of(command), null, COMMAND_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
    }
    return r.output();
  }

  private static void ipBatch(String namespace, List<String> lines) {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    if (namespace != null) {
      cmd.addAll(List.of("-n", namespace));
    }
    cmd.addAll(List.of("-batch", "-"));
    batch(cmd, lines);
  }

  private static void batch(List<String> command, List<String> lines) {
    ExecResult r = run(command, String.join("\n", lines) + "\n", COMMAND_TIMEOUT);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitCode()
          + ":\n" + r.output() + "\ninput:\n" + String.join("\n", lines));
    }
  }

  private static void sysctl(String namespace, List<String> settings) {
    List<String> cmd =
        new ArrayList<>(List.of("ip", "netns", "exec", namespace, "sysctl", "-q", "-w"));
    cmd.addAll(settings);
    ExecResult r = run(cmd, null, COMMAND_TIMEOUT);
    if (r.exitCode() != 0 || !r.output().isBlank()) {
      throw new IllegalStateException("sysctl in " + namespace + " failed:\n" + r.output());
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void startDaemon(Runnable task, String name) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
  }

  /** Waits for {@code task} within TRAFFIC_TIMEOUT; on timeout closes {@code toClose} (unblocking the task). */
  private static <T> T await(
      FutureTask<T> task, Supplier<String> timeoutMessage, AutoCloseable... toClose)
      throws Exception {
    try {
      return task.get(TRAFFIC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      for (AutoCloseable c : toClose) {
        try {
          c.close();
        } catch (Exception ignored) {
          // best effort: unblocks the stuck thread
        }
      }
      throw new AssertionError(timeoutMessage.get(), e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception ex) {
        throw ex;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private static boolean readFully(SocketChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        if (buf.position() == 0) {
          return false;
        }
        throw new AssertionError("connection closed mid-message");
      }
    }
    return true;
  }

  private static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  static InetAddress parseAddress(String cidr) {
    if (cidr == null) {
      throw new IllegalArgumentException("address missing");
    }
    int slash = cidr.indexOf('/');
    String addr = slash < 0 ? cidr : cidr.substring(0, slash);
    if (!addr.matches("[0-9a-fA-F.:]+")) { // literal only: never a DNS lookup
      throw new IllegalArgumentException("not an IP literal: " + cidr);
    }
    try {
      return InetAddress.getByName(addr);
    } catch (IOException e) {
      throw new IllegalArgumentException("bad address " + cidr, e);
    }
  }

  static byte[] parseMac(String mac) {
    String[] parts = mac.split(":");
    byte[] b = new byte[6];
    for (int i = 0; i < 6; i++) {
      b[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return b;
  }

  /** Formats a MAC as aa:bb:cc:dd:ee:ff. */
  public static String formatMac(byte[] mac) {
    StringBuilder b = new StringBuilder();
    for (byte x : mac) {
      if (b.length() > 0) {
        b.append(':');
      }
      b.append(String.format("%02x", x & 0xff));
    }
    return b.toString();
  }

  @Override
  public String toString() {
    return "NetnsLab[" + prefix + ", vms=" + vms.keySet() + "]";
  }

  /** Unmodifiable view of the VM specs. */
  public Map<String, Vm> vms() {
    return Collections.unmodifiableMap(vms);
  }
}
