package org.vmflock.emulate.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;

/**
 * An emulated federation on one machine: sites, WAN links and VMs, built from Linux network
 * namespaces, bridges, veths, cgroups and one forwarder process per link (see {@code
 * docs/emulation.md}).
 *
 * <ul>
 *   <li>A <b>site</b> is a namespace holding a bridge, {@link #BRIDGE}: the site's LAN. The bridge
 *       has an address too ({@link #siteAddress}), the site's own host.
 *   <li>A <b>VM</b> ({@link EmulatedVm}) is a namespace whose {@code eth0} is a veth; the other
 *       end is a port of its site's bridge. All VMs share one IPv4 subnet: the sites form one L2
 *       domain, so a VM that moves keeps its address and MAC.
 *   <li>With {@link FederationSpec.Overlay#VXLAN}, the VMs are not on the site's bridge: each
 *       virtual cluster has a VXLAN segment (its own bridge and VTEP on every site, the VTEP at the
 *       site's address on its bridge), whose encapsulated frames cross the WAN links. The lab
 *       writes the forwarding (static FDB entries, no learning) and rewrites it when a VM moves.
 *   <li>A <b>WAN link</b> ({@link WanLink}) joins two site bridges through a forwarder in the lab's
 *       WAN namespace that delays and rate-limits each direction. On each bridge the WAN ports
 *       are <em>isolated</em> from one another: a frame from one link goes only to the site's
 *       own VMs, never onto another link, so sites linked in a triangle (or a full mesh) make no
 *       loop, and a frame crosses exactly one link, as between directly linked sites. Two sites
 *       without a link do not reach each other (there is no transit).
 * </ul>
 *
 * <p>Everything created carries a lab id ({@code vmfl-<pid>-<xyz>}). {@link #close()} removes it
 * all; a shutdown hook does the same on Ctrl-C; {@link #create} first sweeps what crashed labs
 * left (those whose process is gone), and never touches other names. Needs root: {@link #create}
 * throws a {@link LabUnavailableException} saying what is missing.
 *
 * <p>Thread-safe: operations on the federation are serialised.
 */
public final class EmulatedFederation implements AutoCloseable {

  /** The bridge of every site, in the site's namespace (where a capture of the site's LAN runs). */
  public static final String BRIDGE = LabNames.BRIDGE;

  /** Locally administered unicast MACs: 02:00 then the IPv4 address. */
  private static final long LOCAL_MAC_PREFIX = 0x0200_0000_0000L;

  /** The cluster of VMs and guests added without one. */
  public static final String DEFAULT_CLUSTER = "default";

  /** IANA's VXLAN port. */
  private static final int VXLAN_PORT = 4789;

  /** What VXLAN adds to a frame (outer Ethernet, IPv4, UDP, VXLAN headers): the underlay's MTU is the VMs' plus this. */
  private static final int VXLAN_OVERHEAD = 50;

  /** The VMs' MTU, as Linux and QEMU give it. */
  private static final int VM_MTU = 1500;

  /** How long a moved VM's port may take to forward on its new bridge. */
  private static final Duration PORT_UP_TIMEOUT = Duration.ofSeconds(10);

  /** The sysctls of every namespace of the lab: IPv4 only, so nothing speaks unasked (no router solicitations, MLD). */
  private static final List<String> SYSCTLS = List.of("net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");

  private final FederationSpec spec;
  private final String id;
  private final CgroupHierarchy hierarchy;
  private final Path tool;
  private final Path runDirectory;
  private final Map<String, Integer> siteNumbers = new LinkedHashMap<>();
  private final List<WanLink> links = new ArrayList<>();
  private final Map<String, EmulatedVm> vms = new LinkedHashMap<>();
  /** VXLAN: the virtual clusters in the order first named; the n-th (1-based) has VNI n. */
  private final Map<String, Integer> clusterNumbers = new LinkedHashMap<>();
  /** VXLAN: every MAC the overlay forwards (VMs' and guests'), and where it forwards it now. */
  private final Map<MacAddress, Endpoint> endpoints = new LinkedHashMap<>();
  private final Thread shutdownHook;
  private int vmsCreated;
  private boolean closed;

  private EmulatedFederation(FederationSpec spec, CgroupHierarchy hierarchy) {
    this.spec = spec;
    this.hierarchy = hierarchy;
    this.tool = LabTool.path();
    this.id = LabNames.newLabId(ProcessHandle.current().pid());
    this.runDirectory = LabNames.runDirectory(id);
    for (int i = 0; i < spec.sites().size(); i++) {
      siteNumbers.put(spec.sites().get(i), i);
    }
    this.shutdownHook = new Thread(this::closeFromHook, "lab-cleanup-" + id);
  }

  /**
   * Builds the federation's sites and links (no VMs yet), after sweeping what crashed labs left.
   *
   * @throws LabUnavailableException when the machine cannot host it (not root, no cgroups, no gcc)
   */
  public static EmulatedFederation create(FederationSpec spec) {
    CgroupHierarchy hierarchy = LabPreconditions.check();
    LabSweeper.sweepOrphans(hierarchy);
    EmulatedFederation federation = new EmulatedFederation(spec, hierarchy);
    Runtime.getRuntime().addShutdownHook(federation.shutdownHook);
    try {
      federation.build();
    } catch (RuntimeException | Error e) {
      try {
        federation.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return federation;
  }

  /**
   * Where native builds go (the lab's helper, the QEMU guest): {@code -Dvmflock.native.dir}, else
   * {@code <vmflock.home>/target/native}, else {@code ./target/native} when there is a
   * {@code target}, else a private temporary directory.
   */
  public static Path nativeDirectory() {
    return LabTool.cacheDirectory();
  }

  /** Why no federation can be built here (what is missing), or empty when one can. */
  public static String unavailableReason() {
    return LabPreconditions.problem();
  }

  /**
   * Removes what labs of dead processes left (namespaces, cgroups, processes, run directories);
   * {@link #create} does it first. Returns the ids of the labs removed.
   *
   * @throws LabUnavailableException when the machine cannot host labs
   */
  public static List<String> sweepOrphans() {
    return LabSweeper.sweepOrphans(LabPreconditions.check()).labs();
  }

  private void build() throws UncheckedIOException {
    try {
      Files.createDirectories(runDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + runDirectory, e);
    }
    LabSweeper.writeOwner(id);
    hierarchy.createLab(id);
    CgroupHierarchy.Cgroup wanCgroup = hierarchy.cgroup(id, LabNames.WAN_CGROUP);
    wanCgroup.create();

    String wan = LabNames.wanNamespace(id);
    List<String> namespaces = new ArrayList<>(List.of(wan));
    spec.sites().forEach(site -> namespaces.add(LabNames.siteNamespace(id, site)));
    HostCommands.ipBatch(null, namespaces.stream().map(n -> "netns add " + n).toList(), false);
    namespaces.forEach(this::applySysctls);

    for (String site : spec.sites()) {
      IpAddress address = siteAddress(site);
      HostCommands.ipBatch(siteNamespace(site), List.of(
          "link set lo up",
          "link add " + BRIDGE + " mtu " + underlayMtu() + " type bridge stp_state 0 mcast_snooping 0",
          "link set " + BRIDGE + " address " + macOf(address),
          "addr add " + address + "/" + spec.subnet().prefixLength() + " dev " + BRIDGE,
          "link set " + BRIDGE + " up"), false);
    }
    List<String> wanLines = new ArrayList<>(List.of("link set lo up"));
    for (FederationSpec.Link link : spec.links()) {
      int a = siteNumbers.get(link.siteA());
      int b = siteNumbers.get(link.siteB());
      attachLinkEnd(a, b, wan);
      attachLinkEnd(b, a, wan);
      wanLines.add("link set " + LabNames.linkEnd(a, b) + " up promisc on");
      wanLines.add("link set " + LabNames.linkEnd(b, a) + " up promisc on");
    }
    HostCommands.ipBatch(wan, wanLines, false);
    List<String> prefix = helper(wan, wanCgroup);
    for (FederationSpec.Link link : spec.links()) {
      int a = siteNumbers.get(link.siteA());
      int b = siteNumbers.get(link.siteB());
      links.add(WanLink.start(link.siteA(), link.siteB(), link.spec(), runDirectory, prefix,
          LabNames.linkEnd(a, b), LabNames.linkEnd(b, a), spec.timing()));
    }
  }

  /** In site {@code site}'s namespace, a bridge port towards site {@code peer}, isolated from the other WAN ports. */
  private void attachLinkEnd(int site, int peer, String wan) {
    String port = LabNames.wanPort(peer);
    HostCommands.ipBatch(siteNamespace(spec.sites().get(site)), List.of(
        "link add " + port + " mtu " + underlayMtu() + " type veth peer name " + LabNames.linkEnd(site, peer) + " netns " + wan + " mtu " + underlayMtu(),
        "link set " + port + " master " + BRIDGE,
        "link set dev " + port + " type bridge_slave isolated on",
        "link set " + port + " up"), false);
  }

  /** The MTU of the sites' bridges and the WAN links: the VMs' own, plus VXLAN's headers in a VXLAN federation (as a data centre's underlay). */
  private int underlayMtu() {
    return spec.overlay() == FederationSpec.Overlay.VXLAN ? VM_MTU + VXLAN_OVERHEAD : VM_MTU;
  }

  private void applySysctls(String namespace) {
    List<String> command = new ArrayList<>(helper(namespace, null));
    command.addAll(List.of("exec", "--", HostCommands.locate("sysctl").map(Path::toString).orElse("sysctl"), "-q", "-w"));
    command.addAll(SYSCTLS);
    CommandResult r = HostCommands.run(command, null, HostCommands.TIMEOUT);
    if (!r.succeeded()) {
      throw new LabException("sysctl in " + namespace + " failed: " + r.output().strip());
    }
  }

  /** The helper's command line up to its subcommand: in {@code namespace}, and in {@code cgroup} when not null. */
  private List<String> helper(String namespace, CgroupHierarchy.Cgroup cgroup) {
    List<String> command = new ArrayList<>(List.of(tool.toString(), "--netns", "/var/run/netns/" + namespace));
    if (cgroup != null) {
      for (Path dir : cgroup.dirs()) {
        command.addAll(List.of("--cgroup", dir.toString()));
      }
    }
    return command;
  }

  // ------------------------------------------------------------------ sites and links

  /** The lab's id: the prefix of everything it created. */
  public String id() {
    return id;
  }

  public FederationSpec spec() {
    return spec;
  }

  public List<String> sites() {
    return spec.sites();
  }

  /** The namespace of site {@code site}, holding its {@link #BRIDGE}. */
  public String siteNamespace(String site) {
    return LabNames.siteNamespace(id, checkSite(site));
  }

  /**
   * The address of site {@code site}'s own host on its bridge (the subnet's last addresses, one
   * per site): what the site's hypervisor would use, e.g. for a migration's stream to another
   * site, which then crosses the WAN link like any frame. Reach it from a thread or process in
   * {@link #siteNamespace}.
   */
  public IpAddress siteAddress(String site) {
    return spec.subnet().address(spec.subnet().capacity() - siteNumbers.get(checkSite(site)));
  }

  /** The MAC of an address of the federation: {@code 02:00:} and the address's four bytes. */
  private static MacAddress macOf(IpAddress address) {
    return new MacAddress(LOCAL_MAC_PREFIX | (address.low() & 0xFFFF_FFFFL));
  }

  public List<WanLink> links() {
    return List.copyOf(links);
  }

  /** The link between {@code site} and {@code other} (either order). */
  public WanLink link(String site, String other) {
    return links.stream().filter(l -> l.joins(site, other)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no link between " + site + " and " + other));
  }

  /**
   * A ProcessBuilder for {@code command} run on site {@code site}'s host (its namespace, where
   * its bridge is): a hypervisor such as QEMU. The lab kills it when it closes (and a later lab
   * sweeps it after a crash), as everything in its namespaces.
   */
  public ProcessBuilder siteProcessBuilder(String site, List<String> command) {
    checkOpen();
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command to run on site " + site);
    }
    List<String> full = new ArrayList<>(helper(siteNamespace(site), null));
    full.addAll(List.of("exec", "--"));
    full.addAll(command);
    return new ProcessBuilder(full);
  }

  /**
   * The NIC of a guest behind a tap (a QEMU VM): its virtual cluster, MAC and address. In a VXLAN
   * federation the lab needs them to put the tap on the cluster's segment, to forward the MAC to
   * it and to route the sites' hosts to the address.
   */
  public record GuestNic(String cluster, MacAddress mac, IpAddress ip) {
    public GuestNic {
      LabNames.checkElementName("cluster", cluster);
      java.util.Objects.requireNonNull(mac, "mac");
      java.util.Objects.requireNonNull(ip, "ip");
    }
  }

  /**
   * Creates a tap interface {@code name} (up to 15 characters, starting with {@code vmfl-}) on
   * site {@code site}'s bridge: a hypervisor's port for a guest. It lives in the site's namespace
   * and goes with it; {@link #removeTap} removes it before. A flat federation only: in a VXLAN one
   * the lab must know the guest ({@link #addTap(String, String, GuestNic)}).
   */
  public synchronized void addTap(String site, String name) {
    if (spec.overlay() != FederationSpec.Overlay.FLAT) {
      throw new IllegalStateException("in a " + spec.overlay() + " federation a tap needs its guest's cluster, MAC and address: addTap(site, name, nic)");
    }
    checkOpen();
    checkTapName(name);
    checkSite(site);
    addBridgeTap(site, name);
  }

  private void addBridgeTap(String site, String name) {
    HostCommands.ipBatch(siteNamespace(site), List.of(
        "tuntap add dev " + name + " mode tap",
        "link set " + name + " master " + BRIDGE,
        "link set " + name + " up"), false);
  }

  /**
   * Creates tap {@code name} on site {@code site} for a guest whose NIC is {@code nic}. In a VXLAN
   * federation the tap joins the segment of the guest's cluster and, for a MAC the overlay does
   * not forward yet (a guest booting), the overlay forwards it to this tap from every site; for
   * one it forwards already (a migration's destination) nothing changes until {@link #forwardTo}.
   * In a flat one, as {@link #addTap(String, String)}: the bridges learn the MAC from the guest's frames.
   */
  public synchronized void addTap(String site, String name, GuestNic nic) {
    checkOpen();
    checkTapName(name);
    checkSite(site);
    if (spec.overlay() == FederationSpec.Overlay.FLAT) {
      addBridgeTap(site, name);
      return;
    }
    Endpoint known = endpoints.get(nic.mac());
    if (known != null && !known.cluster.equals(nic.cluster())) {
      throw new IllegalArgumentException("MAC " + nic.mac() + " is in cluster " + known.cluster + ", not " + nic.cluster());
    }
    int cluster = segment(nic.cluster());
    HostCommands.ipBatch(siteNamespace(site), List.of(
        "tuntap add dev " + name + " mode tap",
        "link set " + name + " master " + LabNames.clusterBridge(cluster)), false);
    HostCommands.bridgeBatch(siteNamespace(site), List.of("link set dev " + name + " learning off"), false);
    HostCommands.ipBatch(siteNamespace(site), List.of("link set " + name + " up"), false);
    if (known == null) {
      join(nic.mac(), nic.cluster(), nic.ip(), site, name);
    }
  }

  /**
   * Removes tap {@code name} from site {@code site} (nothing if it is not there). In a VXLAN
   * federation, when the overlay forwards a guest's MAC to this tap, the guest is gone: its
   * forwarding entries and routes go too.
   */
  public synchronized void removeTap(String site, String name) {
    checkOpen();
    checkTapName(name);
    endpoints.entrySet().stream().filter(e -> e.getValue().site.equals(site) && e.getValue().port.equals(name)).map(Map.Entry::getKey)
        .findFirst().ifPresent(this::leave);
    HostCommands.ipBatch(siteNamespace(site), List.of("link delete " + name), true);
  }

  private static void checkTapName(String name) {
    if (!name.matches("vmfl-[A-Za-z0-9_.-]{1,10}")) {
      throw new IllegalArgumentException("a tap's name is vmfl- and 1 to 10 letters, digits, '_', '.', '-': " + name);
    }
  }

  // ------------------------------------------------------------------ the VXLAN overlay

  /** Where the overlay forwards a MAC: to {@code port} of {@code site}'s bridge of {@code cluster}. */
  private static final class Endpoint {
    final String cluster;
    final IpAddress ip;
    String site;
    String port;

    Endpoint(String cluster, IpAddress ip, String site, String port) {
      this.cluster = cluster;
      this.ip = ip;
      this.site = site;
      this.port = port;
    }
  }

  /**
   * The number (and VNI) of virtual cluster {@code cluster}'s segment in a VXLAN federation,
   * empty when no VM or guest of it has been added (or in a flat federation).
   */
  public synchronized java.util.Optional<Integer> vni(String cluster) {
    return java.util.Optional.ofNullable(clusterNumbers.get(cluster));
  }

  /**
   * The segment of {@code cluster}, made on every site at its first use: a bridge with the site's
   * address (a /32: the site's host in the cluster) and a VTEP, VNI n, at the site's address on
   * {@link #BRIDGE}, sending over it: the underlay, whose frames cross the WAN links. No learning
   * anywhere; towards every linked site, broadcasts (flooded to each VTEP) and that site's host.
   */
  private int segment(String cluster) {
    Integer known = clusterNumbers.get(cluster);
    if (known != null) {
      return known;
    }
    int n = clusterNumbers.size() + 1;
    clusterNumbers.put(cluster, n);
    String bridge = LabNames.clusterBridge(n);
    String vtep = LabNames.vtep(n);
    for (String site : spec.sites()) {
      IpAddress address = siteAddress(site);
      // gso_max_segs 1: the VTEP sends MTU-sized frames, which the forwarder's PACKET_VNET_HDR socket
      // can carry (it cannot describe a UDP-tunnel super-frame, whose GSO type virtio has no word for)
      HostCommands.ipBatch(siteNamespace(site), List.of(
          "link add " + bridge + " type bridge stp_state 0 mcast_snooping 0",
          "link set " + bridge + " address " + macOf(address),
          "addr add " + address + "/32 dev " + bridge,
          "link add " + vtep + " mtu " + VM_MTU + " gso_max_segs 1 type vxlan id " + n + " local " + address + " dev " + BRIDGE
              + " dstport " + VXLAN_PORT + " nolearning",
          "link set " + vtep + " master " + bridge), false);
      List<String> fdb = new ArrayList<>(List.of("link set dev " + vtep + " learning off"));
      for (String peer : linkedSites(site)) {
        IpAddress peerAddress = siteAddress(peer);
        fdb.add("fdb append 00:00:00:00:00:00 dev " + vtep + " dst " + peerAddress + " self permanent");
        fdb.add("fdb replace " + macOf(peerAddress) + " dev " + vtep + " master static");
        fdb.add("fdb replace " + macOf(peerAddress) + " dev " + vtep + " dst " + peerAddress + " self permanent");
      }
      HostCommands.bridgeBatch(siteNamespace(site), fdb, false);
      HostCommands.ipBatch(siteNamespace(site), List.of("link set " + vtep + " up", "link set " + bridge + " up"), false);
    }
    return n;
  }

  private List<String> linkedSites(String site) {
    return spec.sites().stream().filter(s -> !s.equals(site) && links.stream().anyMatch(l -> l.joins(site, s))).toList();
  }

  /** A VM's or guest's MAC joins the overlay at {@code port} of {@code site}: every site's host routes to it on its segment, and it is forwarded there. */
  private void join(MacAddress mac, String cluster, IpAddress ip, String site, String port) {
    Endpoint e = new Endpoint(cluster, ip, site, port);
    endpoints.put(mac, e);
    String bridge = LabNames.clusterBridge(segment(cluster));
    for (String s : spec.sites()) {
      HostCommands.ipBatch(siteNamespace(s), List.of("route replace " + ip + "/32 dev " + bridge + " src " + siteAddress(s)), false);
    }
    writeForwarding(mac, e);
  }

  /** A MAC leaves the overlay: its forwarding entries and routes go from every site. */
  private void leave(MacAddress mac) {
    Endpoint e = endpoints.remove(mac);
    if (e == null) {
      return;
    }
    int n = clusterNumbers.get(e.cluster);
    for (String s : spec.sites()) {
      HostCommands.bridgeBatch(siteNamespace(s), List.of(
          "fdb del " + mac + " dev " + LabNames.vtep(n) + " master",
          "fdb del " + mac + " dev " + LabNames.vtep(n) + " self"), true);
      HostCommands.ipBatch(siteNamespace(s), List.of("route del " + e.ip + "/32 dev " + LabNames.clusterBridge(n)), true);
    }
  }

  /**
   * Points the overlay's forwarding of {@code mac} (a VM's or guest's, already added) at port
   * {@code port} of {@code site}: there, a static entry on that port; on every other site, the
   * MAC sent to {@code site}'s VTEP. Idempotent. What a migration's network update does for a
   * guest (a namespace VM: {@link #updateForwarding}); nothing in a flat federation, whose bridges
   * learn from the guest's announce.
   */
  public synchronized void forwardTo(MacAddress mac, String site, String port) {
    checkOpen();
    checkSite(site);
    if (spec.overlay() == FederationSpec.Overlay.FLAT) {
      return;
    }
    Endpoint e = endpoints.get(mac);
    if (e == null) {
      throw new IllegalArgumentException("the overlay of lab " + id + " forwards no MAC " + mac + " (no VM or guest has it)");
    }
    e.site = site;
    e.port = port;
    writeForwarding(mac, e);
  }

  private void writeForwarding(MacAddress mac, Endpoint e) {
    int n = clusterNumbers.get(e.cluster);
    String vtep = LabNames.vtep(n);
    for (String s : spec.sites()) {
      if (s.equals(e.site)) {
        HostCommands.bridgeBatch(siteNamespace(s), List.of("fdb replace " + mac + " dev " + e.port + " master static"), false);
        HostCommands.bridgeBatch(siteNamespace(s), List.of("fdb del " + mac + " dev " + vtep + " self"), true);
      } else {
        HostCommands.bridgeBatch(siteNamespace(s), List.of(
            "fdb replace " + mac + " dev " + vtep + " master static",
            "fdb replace " + mac + " dev " + vtep + " dst " + siteAddress(e.site) + " self permanent"), false);
      }
    }
  }

  /**
   * VXLAN: points every site's forwarding of VM {@code name}'s MAC at where its port is now (its
   * site: the port; elsewhere: that site's VTEP). Flat: nothing (the bridges learn from the VM's
   * frames, {@link #announce}). The last step of a migration with {@link #movePort} and {@link #announce}.
   */
  public synchronized void updateForwarding(String name) {
    checkOpen();
    EmulatedVm vm = vm(name);
    forwardTo(vm.mac(), vm.site(), LabNames.vmPort(vm.number()));
  }

  /** The bridges VMs' ports are on in each site: {@link #BRIDGE} in a flat federation, the clusters' in a VXLAN one. */
  private List<String> vmBridges() {
    return spec.overlay() == FederationSpec.Overlay.FLAT ? List.of(BRIDGE)
        : clusterNumbers.values().stream().map(LabNames::clusterBridge).toList();
  }

  private String bridgeOf(EmulatedVm vm) {
    return spec.overlay() == FederationSpec.Overlay.FLAT ? BRIDGE : LabNames.clusterBridge(segment(vm.cluster()));
  }

  // ------------------------------------------------------------------ VMs

  /** Creates VM {@code name} on {@code site}, in cluster {@link #DEFAULT_CLUSTER}: see {@link #addVm(String, String, String)}. */
  public synchronized EmulatedVm addVm(String name, String site) {
    return addVm(name, site, DEFAULT_CLUSTER);
  }

  /**
   * Creates VM {@code name} of virtual cluster {@code cluster} on {@code site}: its namespace, its
   * veth on the site's bridge (in a VXLAN federation, the cluster's), its address (the subnet's
   * next) and its cgroup. Returns once the VM's interface is up.
   */
  public synchronized EmulatedVm addVm(String name, String site, String cluster) {
    checkOpen();
    LabNames.checkElementName("VM", name);
    LabNames.checkElementName("cluster", cluster);
    checkSite(site);
    if (vms.containsKey(name)) {
      throw new IllegalArgumentException("VM " + name + " exists already");
    }
    int number = vmsCreated + 1;
    if (number > spec.subnet().capacity() - spec.sites().size()) {
      throw new IllegalArgumentException("subnet " + spec.subnet() + " has no address left for VM " + name);
    }
    IpAddress ip = spec.subnet().address(number);
    vmsCreated = number;
    MacAddress mac = macOf(ip);
    String namespace = LabNames.vmNamespace(id, name);
    CgroupHierarchy.Cgroup cgroup = hierarchy.cgroup(id, LabNames.vmCgroup(name));
    EmulatedVm vm = new EmulatedVm(this, name, number, ip, spec.subnet().prefixLength(), mac, namespace, cgroup,
        prefixWithExec(namespace, cgroup), cluster, site);
    vms.put(name, vm); // before creating anything, so that removeVm and close undo a partial VM
    cgroup.create();
    HostCommands.ipBatch(null, List.of("netns add " + namespace), false);
    applySysctls(namespace);
    String port = LabNames.vmPort(number);
    HostCommands.ipBatch(siteNamespace(site), List.of(
        "link add " + port + " type veth peer name " + LabNames.VM_INTERFACE + " netns " + namespace + " address " + mac,
        "link set " + port + " master " + bridgeOf(vm)), false);
    if (spec.overlay() == FederationSpec.Overlay.VXLAN) {
      HostCommands.bridgeBatch(siteNamespace(site), List.of("link set dev " + port + " learning off"), false);
    }
    HostCommands.ipBatch(siteNamespace(site), List.of("link set " + port + " up"), false);
    HostCommands.ipBatch(namespace, List.of(
        "link set lo up",
        "addr add " + vm.ipWithPrefix() + " dev " + LabNames.VM_INTERFACE,
        "link set " + LabNames.VM_INTERFACE + " up"), false);
    if (spec.overlay() == FederationSpec.Overlay.VXLAN) {
      join(mac, cluster, ip, site, port);
    }
    return vm;
  }

  private List<String> prefixWithExec(String namespace, CgroupHierarchy.Cgroup cgroup) {
    List<String> prefix = new ArrayList<>(helper(namespace, cgroup));
    prefix.addAll(List.of("exec", "--"));
    return prefix;
  }

  /** Kills VM {@code name}'s processes and removes it. */
  public synchronized void removeVm(String name) {
    checkOpen();
    EmulatedVm vm = vm(name);
    vm.cgroup().destroy();
    leave(vm.mac());
    HostCommands.ipBatch(null, List.of("netns delete " + vm.namespace()), false); // its veth pair goes with it
    vms.remove(name);
  }

  public synchronized EmulatedVm vm(String name) {
    EmulatedVm vm = vms.get(name);
    if (vm == null) {
      throw new IllegalArgumentException("no VM " + name + " in lab " + id + " (VMs: " + vms.keySet() + ")");
    }
    return vm;
  }

  public synchronized List<EmulatedVm> vms() {
    return List.copyOf(vms.values());
  }

  /**
   * Moves VM {@code name} to {@code site} ({@link #movePort}), points the forwarding at it there
   * ({@link #updateForwarding}) and has it send a gratuitous ARP ({@link #announce}). The VM keeps
   * its address, MAC and connections; frames in flight towards the old site are lost (as in a
   * real migration, TCP resends them). Does not freeze the VM: a migration does that around the
   * move. Returns once the VM is reachable at its new site.
   */
  public synchronized void move(String name, String site) {
    movePort(name, site);
    updateForwarding(name);
    announce(name);
  }

  /**
   * VM {@code name}'s veth's bridge end goes to {@code site}'s namespace and bridge; returns once
   * it forwards there. Nothing else: the forwarding towards the VM (VXLAN) and the bridges' and
   * neighbours' caches (flat) still say where it was until {@link #updateForwarding} and
   * {@link #announce}. Asked again to the site the VM is at, finishes a move that broke off (the
   * port in the new namespace but not forwarding on its bridge), else does nothing.
   */
  public synchronized void movePort(String name, String site) {
    checkOpen();
    EmulatedVm vm = vm(name);
    checkSite(site);
    String from = vm.site();
    String port = LabNames.vmPort(vm.number());
    String target = siteNamespace(site);
    if (from.equals(site)) {
      if (!HostCommands.check("bridge", "-n", target, "link", "show", "dev", port).contains("state forwarding")) {
        attach(vm, site, port, target);
      }
      return;
    }
    HostCommands.ipBatch(siteNamespace(from), List.of("link set " + port + " netns " + target), false);
    vm.site(site);
    attach(vm, site, port, target);
  }

  /** VM {@code vm}'s port, in {@code site}'s namespace, made a forwarding port of its bridge. */
  private void attach(EmulatedVm vm, String site, String port, String target) {
    HostCommands.ipBatch(target, List.of("link set " + port + " master " + bridgeOf(vm)), false);
    if (spec.overlay() == FederationSpec.Overlay.VXLAN) {
      HostCommands.bridgeBatch(target, List.of("link set dev " + port + " learning off"), false);
    }
    HostCommands.ipBatch(target, List.of("link set " + port + " up"), false);
    HostCommands.await(PORT_UP_TIMEOUT, "port " + port + " of VM " + vm.name() + " forwarding at " + site,
        () -> HostCommands.check("bridge", "-n", target, "link", "show", "dev", port).contains("state forwarding")
            && HostCommands.check("ip", "-n", vm.namespace(), "-o", "link", "show", "dev", LabNames.VM_INTERFACE).contains("state UP"));
  }

  /**
   * VM {@code name} sends a gratuitous ARP from where it is: in a flat federation every bridge on
   * the way learns where its MAC is; in both, every neighbour refreshes its cache ({@link #move}
   * does it after moving).
   */
  public synchronized void announce(String name) {
    checkOpen();
    EmulatedVm vm = vm(name);
    List<String> garp = new ArrayList<>(helper(vm.namespace(), null));
    garp.addAll(List.of("garp", "--interface", LabNames.VM_INTERFACE, "--ip", vm.ip().toString()));
    CommandResult r = HostCommands.run(garp, null, HostCommands.TIMEOUT);
    if (!r.succeeded()) {
      throw new LabException("gratuitous ARP of VM " + name + " failed: " + r.output().strip());
    }
  }

  /**
   * A VM's port on a site's bridge as the kernel shows it now.
   *
   * @param vm the VM whose veth's other end this port is (found by the namespace that end is in),
   *     or empty when that namespace is no VM of this lab
   * @param peerNamespace the namespace of the veth's other end
   * @param forwarding whether the bridge forwards on it
   */
  public record BridgePort(String site, String port, java.util.Optional<String> vm, String peerNamespace, boolean forwarding) {}

  /** The VM ports of every site's bridges now, read from the kernel (what a check of where each VM is needs). */
  public synchronized List<BridgePort> vmPorts() {
    checkOpen();
    Map<String, String> vmOfNamespace = new java.util.HashMap<>();
    vms.values().forEach(vm -> vmOfNamespace.put(vm.namespace(), vm.name()));
    List<BridgePort> ports = new ArrayList<>();
    for (String site : spec.sites()) {
      String namespace = siteNamespace(site);
      String states = HostCommands.check("bridge", "-n", namespace, "link", "show");
      for (String bridge : vmBridges()) {
        for (String line : HostCommands.check("ip", "-n", namespace, "-o", "link", "show", "master", bridge).split("\n")) {
          java.util.regex.Matcher m = PORT_LINE.matcher(line);
          if (!m.find() || !m.group(1).startsWith(LabNames.VM_PORT_PREFIX)) {
            continue;
          }
          String port = m.group(1);
          java.util.regex.Matcher peer = PEER_NAMESPACE.matcher(line);
          String peerNamespace = peer.find() ? peer.group(1) : "";
          boolean forwarding = states.lines().anyMatch(l -> l.contains(" " + port + "@") && l.contains("state forwarding"));
          ports.add(new BridgePort(site, port, java.util.Optional.ofNullable(vmOfNamespace.get(peerNamespace)), peerNamespace, forwarding));
        }
      }
    }
    return ports;
  }

  private static final java.util.regex.Pattern PORT_LINE = java.util.regex.Pattern.compile("^\\d+: ([^@:]+)[@:]");
  private static final java.util.regex.Pattern PEER_NAMESPACE = java.util.regex.Pattern.compile(" link-netns (\\S+)");

  /**
   * Where site {@code site} forwards frames for {@code mac} now, read from the kernel: {@code
   * site} itself (a port of one of its VMs or guests), or another site, or empty when it does not
   * know. Flat: as its bridge learnt from the frames it saw (the site at the other end of one of
   * its WAN links). VXLAN: as the lab wrote it (a port of the cluster's bridge, or the VTEP and,
   * in the VTEP's own table, the other site's address).
   */
  public synchronized java.util.Optional<String> forwardsTowards(String site, MacAddress mac) {
    checkOpen();
    String namespace = siteNamespace(site);
    if (spec.overlay() == FederationSpec.Overlay.VXLAN) {
      Endpoint e = endpoints.get(mac);
      return e == null ? java.util.Optional.empty() : overlayTowards(site, mac, clusterNumbers.get(e.cluster));
    }
    String wanPort = LabNames.WAN_PORT_PREFIX;
    for (String line : HostCommands.check("bridge", "-n", namespace, "fdb", "show", "br", BRIDGE).split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 3 || !f[0].equalsIgnoreCase(mac.toString()) || !f[1].equals("dev") || line.contains("permanent")) {
        continue;
      }
      if (f[2].startsWith(wanPort)) {
        return java.util.Optional.of(spec.sites().get(Integer.parseInt(f[2].substring(wanPort.length()))));
      }
      if (f[2].startsWith(LabNames.VM_PORT_PREFIX)) {
        return java.util.Optional.of(site);
      }
    }
    return java.util.Optional.empty();
  }

  private java.util.Optional<String> overlayTowards(String site, MacAddress mac, int cluster) {
    String vtep = LabNames.vtep(cluster);
    java.util.Optional<String> remote = java.util.Optional.empty();
    boolean viaVtep = false;
    for (String line : HostCommands.check("bridge", "-n", siteNamespace(site), "fdb", "show", "br", LabNames.clusterBridge(cluster)).split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 3 || !f[0].equalsIgnoreCase(mac.toString()) || !f[1].equals("dev")) {
        continue;
      }
      if (!f[2].equals(vtep) && line.contains(" master ")) {
        return java.util.Optional.of(site); // a local port's entry: the bridge delivers here
      }
      viaVtep |= f[2].equals(vtep) && line.contains(" master ");
      int dst = java.util.Arrays.asList(f).indexOf("dst");
      if (f[2].equals(vtep) && dst > 0 && dst + 1 < f.length) {
        remote = spec.sites().stream().filter(s -> siteAddress(s).toString().equals(f[dst + 1])).findFirst();
      }
    }
    return viaVtep ? remote : java.util.Optional.empty();
  }

  /**
   * Writes {@code file}, an executable script that runs a command in a VM the way ssh runs one on
   * a remote host: {@code file HOST COMMAND...}, HOST a VM's name or address, the command's words
   * joined by spaces and run by {@code sh -c} in the VM (its namespace and cgroup). What Open
   * MPI's {@code plm_rsh_agent} expects: with a hostfile of the VMs' addresses, an {@code mpirun}
   * started in one VM starts its daemons in the others. Covers the VMs that exist now.
   */
  public synchronized Path writeRshAgent(Path file) {
    checkOpen();
    StringBuilder script = new StringBuilder("#!/bin/sh\n")
        .append("# vmflock lab ").append(id).append(": runs a command in a VM, as ssh would on a host (Open MPI's plm_rsh_agent)\n")
        .append("while [ $# -gt 0 ]; do case \"$1\" in -*) shift ;; *) break ;; esac; done\n")
        .append("host=\"$1\"\nshift\ncase \"$host\" in\n");
    for (EmulatedVm vm : vms.values()) {
      script.append("  ").append(shellQuote(vm.name())).append('|').append(shellQuote(vm.ip().toString())).append(") exec");
      for (String word : vm.commandPrefix()) {
        script.append(' ').append(shellQuote(word));
      }
      script.append(" /bin/sh -c \"$*\" ;;\n");
    }
    script.append("  *) echo \"no VM $host in lab ").append(id).append("\" >&2; exit 255 ;;\nesac\n");
    try {
      Files.writeString(file, script.toString());
      Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return file;
  }

  private static String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  // ------------------------------------------------------------------ closing

  /**
   * Stops the forwarders (their last counters stay readable), kills every VM's processes and
   * removes everything the lab created. Idempotent.
   */
  @Override
  public void close() {
    if (!markClosed()) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: this is the hook
    }
    teardown();
  }

  private void closeFromHook() {
    if (!markClosed()) {
      return;
    }
    try {
      teardown();
    } catch (RuntimeException e) {
      System.err.println("vmflock: lab " + id + " not fully removed (the next lab sweeps it): " + e.getMessage());
    }
  }

  /** Marks the lab closed; false when it was already. */
  private synchronized boolean markClosed() {
    boolean wasOpen = !closed;
    closed = true;
    return wasOpen;
  }

  private void teardown() {
    RuntimeException failure = null;
    for (WanLink link : links) {
      try {
        link.stop();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure;
      }
    }
    LabSweeper.sweep(List.of(id), hierarchy);
    if (failure != null) {
      throw failure;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("lab " + id + " is closed");
    }
  }

  private String checkSite(String site) {
    if (!siteNumbers.containsKey(site)) {
      throw new IllegalArgumentException("no site " + site + " in this federation (sites: " + spec.sites() + ")");
    }
    return site;
  }

  @Override
  public String toString() {
    return "EmulatedFederation[" + id + ", sites " + spec.sites() + ", " + links.size() + " links, " + vms.size() + " VMs]";
  }
}
