package org.vmflock.monitor.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmflock.monitor.capture.BridgeCapture.Frame;

/** The lab itself: topology, silence, exact traffic, and capture on the bridge. */
class NetnsLabTest {

  private static NetnsLab lab;
  private static Set<String> rootInterfacesBefore;

  @BeforeAll
  static void createLab() throws Exception {
    assumeTrue(NetnsLab.available(), "needs root and ip netns: " + NetnsLab.unavailableReason());
    NetnsLab.cleanupOrphans();
    rootInterfacesBefore = rootInterfaces();
    lab = NetnsLab.builder().numberedVms(3).build();
  }

  @AfterAll
  static void deleteLab() throws Exception {
    if (lab == null) {
      return;
    }
    lab.close();
    lab.close(); // idempotent
    assertEquals(
        Set.of(),
        NetnsLab.listNamespaces().stream()
            .filter(n -> n.startsWith(lab.prefix()))
            .collect(Collectors.toSet()),
        "namespaces left behind");
    assertEquals(rootInterfacesBefore, rootInterfaces());
  }

  /** Interface names of the root namespace (java.net.NetworkInterface misses address-less ones). */
  private static Set<String> rootInterfaces() {
    return NetnsLab.exec("ip", "-o", "link", "show").lines()
        .map(l -> l.split(":\\s+")[1].replaceAll("@.*", ""))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Map<String, SnmpCounters> snapshot() throws Exception {
    Map<String, SnmpCounters> all = new TreeMap<>();
    for (String vm : lab.vmNames()) {
      all.put(vm, lab.snmp(vm));
    }
    all.put("host", lab.hostSnmp());
    return all;
  }

  private static Map<String, SnmpCounters> delta(Map<String, SnmpCounters> before)
      throws Exception {
    Map<String, SnmpCounters> after = snapshot();
    Map<String, SnmpCounters> d = new TreeMap<>();
    after.forEach((k, v) -> d.put(k, v.minus(before.get(k))));
    return d;
  }

  private static long ipIn(SnmpCounters c, boolean v6) {
    return v6 ? c.ip6InReceives() : c.ipInReceives();
  }

  private static void assertSilent(SnmpCounters d, String who) {
    assertEquals(0, d.ipInReceives(), who + " received IPv4 " + d);
    assertEquals(0, d.ip6InReceives(), who + " received IPv6 " + d);
    assertEquals(0, d.ipOutRequests(), who + " sent IPv4 " + d);
    assertEquals(0, d.ip6OutRequests(), who + " sent IPv6 " + d);
  }

  @Test
  void topologyLivesEntirelyInTheLabNamespaces() throws Exception {
    assertTrue(NetnsLab.listNamespaces().containsAll(lab.namespaces()), lab.namespaces()::toString);
    assertEquals(4, lab.namespaces().size());
    assertEquals(rootInterfacesBefore, rootInterfaces(), "the root namespace got an interface");

    String host = lab.hostNamespace();
    String ports = NetnsLab.exec("ip", "-n", host, "-br", "link", "show", "master", lab.bridge());
    for (String vm : lab.vmNames()) {
      assertTrue(ports.contains(lab.hostVeth(vm) + "@"), ports);
      assertTrue(ports.lines().filter(l -> l.startsWith(lab.hostVeth(vm) + "@"))
          .allMatch(l -> l.contains(" UP ")), ports);
      assertEquals(
          "1",
          NetnsLab.exec("ip", "netns", "exec", host, "sysctl", "-n",
              "net.ipv6.conf." + lab.hostVeth(vm) + ".disable_ipv6").trim());
    }
    assertEquals(
        "1",
        NetnsLab.exec("ip", "netns", "exec", host, "sysctl", "-n",
            "net.ipv6.conf." + lab.bridge() + ".disable_ipv6").trim());
    // no address in the host namespace but 127.0.0.1 on lo
    String hostAddrs = NetnsLab.exec("ip", "-n", host, "-br", "addr");
    assertTrue(hostAddrs.lines().filter(l -> !l.startsWith("lo "))
        .allMatch(l -> l.trim().split("\\s+").length <= 2), hostAddrs);
    String bridge = NetnsLab.exec("ip", "-n", host, "-d", "link", "show", lab.bridge());
    assertTrue(bridge.contains("stp_state 0"), bridge);
    assertArrayEquals(
        lab.bridgeMac(),
        NetnsLab.parseMac(
            NetnsLab.exec("ip", "netns", "exec", host, "cat",
                "/sys/class/net/" + lab.bridge() + "/address").trim()));

    for (String vm : lab.vmNames()) {
      String ns = lab.vmNamespace(vm);
      assertEquals(lab.prefix() + "-" + vm, ns);
      String link = NetnsLab.exec("ip", "-n", ns, "link", "show", NetnsLab.VM_INTERFACE);
      assertTrue(link.contains("link/ether " + lab.vm(vm).mac()), link);
      assertTrue(link.contains("NOARP") && link.contains(",UP"), link);
      String addrs = NetnsLab.exec("ip", "-n", ns, "addr", "show", NetnsLab.VM_INTERFACE);
      assertTrue(addrs.contains("inet " + lab.vm(vm).ipv4Cidr()), addrs);
      assertTrue(addrs.contains("inet6 " + lab.vm(vm).ipv6Cidr()), addrs);
      assertFalse(addrs.contains("fe80"), "no link-local address expected:\n" + addrs);
      String neigh = NetnsLab.exec("ip", "-n", ns, "neigh", "show");
      assertEquals(2 * (lab.vmNames().size() - 1),
          neigh.lines().filter(l -> l.contains("PERMANENT")).count(), neigh);
      assertEquals(neigh.lines().count(),
          neigh.lines().filter(l -> l.contains("PERMANENT")).count(), neigh);
    }
  }

  @Test
  void udpCountersAreExact() throws Exception {
    for (boolean v6 : new boolean[] {false, true}) {
      Map<String, SnmpCounters> before = snapshot();
      lab.udp("vm1", "vm2", v6, 10, 100);
      Map<String, SnmpCounters> d = delta(before);
      SnmpCounters vm1 = d.get("vm1");
      SnmpCounters vm2 = d.get("vm2");
      assertEquals(10, v6 ? vm2.udp6InDatagrams() : vm2.udpInDatagrams(), "v6=" + v6 + " " + vm2);
      assertEquals(10, v6 ? vm1.udp6OutDatagrams() : vm1.udpOutDatagrams(), "v6=" + v6 + " " + vm1);
      assertEquals(10, ipIn(vm2, v6), "exactly the datagrams reached vm2: " + vm2);
      assertEquals(0, ipIn(vm2, !v6), vm2.toString());
      assertEquals(0, vm1.ipInReceives() + vm1.ip6InReceives(), "vm1 got nothing back: " + vm1);
      assertSilent(d.get("vm3"), "vm3");
      assertSilent(d.get("host"), "host");
    }
    // a burst far larger than a socket buffer: flow control in udp() loses nothing
    SnmpCounters before = lab.snmp("vm3");
    lab.udp("vm2", "vm3", false, 1000, 1472);
    SnmpCounters d = lab.snmp("vm3").minus(before);
    assertEquals(1000, d.udpInDatagrams(), d.toString());
    assertEquals(1000, d.ipInReceives(), d.toString());
    assertEquals(0, d.get("Udp.RcvbufErrors"), d.toString());
  }

  @Test
  void tcpSegmentsSentEqualSegmentsReceived() throws Exception {
    for (boolean v6 : new boolean[] {false, true}) {
      Map<String, SnmpCounters> before = snapshot();
      lab.tcp("vm1", "vm2", v6, 20, 200);
      Map<String, SnmpCounters> d = delta(before);
      SnmpCounters client = d.get("vm1");
      SnmpCounters server = d.get("vm2");
      assertEquals(client.tcpOutSegs(), server.tcpInSegs(), "client->server v6=" + v6);
      assertEquals(server.tcpOutSegs(), client.tcpInSegs(), "server->client v6=" + v6);
      assertEquals(0, client.tcpRetransSegs() + server.tcpRetransSegs());
      // at least SYN, FIN and one segment per message in each direction
      assertTrue(client.tcpOutSegs() >= 22 && server.tcpOutSegs() >= 22, client + " " + server);
      // every IP packet was a TCP segment of this connection
      assertEquals(server.tcpInSegs(), ipIn(server, v6), server.toString());
      assertEquals(client.tcpInSegs(), ipIn(client, v6), client.toString());
      assertSilent(d.get("vm3"), "vm3");
      assertSilent(d.get("host"), "host");
    }
  }

  @Test
  void pingCountersAreExact() throws Exception {
    for (boolean v6 : new boolean[] {false, true}) {
      Map<String, SnmpCounters> before = snapshot();
      lab.ping("vm1", "vm3", v6, 3);
      Map<String, SnmpCounters> d = delta(before);
      for (String vm : List.of("vm1", "vm3")) {
        SnmpCounters c = d.get(vm);
        assertEquals(3, v6 ? c.icmp6InMsgs() : c.icmpInMsgs(), vm + " v6=" + v6 + " " + c);
        assertEquals(3, v6 ? c.icmp6OutMsgs() : c.icmpOutMsgs(), vm + " v6=" + v6 + " " + c);
        assertEquals(3, ipIn(c, v6), vm + " " + c);
        assertEquals(0, ipIn(c, !v6), vm + " " + c);
      }
      assertSilent(d.get("vm2"), "vm2");
      assertSilent(d.get("host"), "host");
    }
  }

  @Test
  void promiscuousBridgeCaptureSeesExactlyTheForwardedUnicast() throws Exception {
    NetnsLab.Vm vm1 = lab.vm("vm1");
    NetnsLab.Vm vm2 = lab.vm("vm2");
    NetnsLab.Vm vm3 = lab.vm("vm3");
    try (BridgeCapture capture = BridgeCapture.start(lab)) {
      // UDP: exactly one frame per datagram, nothing else on the bridge
      lab.udp("vm1", "vm2", false, 10, 100);
      lab.udp("vm1", "vm2", true, 7, 100);
      capture.flush();
      List<Frame> frames = capture.frames();
      Predicate<Frame> udpToVm2From = f -> f.isTo(vm2.macBytes()) && f.ipProtocol() == 17;
      assertEquals(10, frames.stream()
          .filter(udpToVm2From.and(f -> f.ipSource().orElseThrow().equals(vm1.ipv4()))).count(),
          frames::toString);
      assertEquals(7, frames.stream()
          .filter(udpToVm2From.and(f -> f.ipSource().orElseThrow().equals(vm1.ipv6()))).count(),
          frames::toString);
      assertEquals(17, frames.size(), "stray frames: " + frames);
      assertTrue(frames.stream().allMatch(f -> f.isFrom(vm1.macBytes())), frames::toString);
      assertTrue(frames.stream().allMatch(f -> f.originalLength() == f.data().length));
      assertTrue(frames.stream().allMatch(f -> f.timestampMicros() > 1_600_000_000_000_000L));

      // TCP: frames per direction equal the kernel's segment counters
      for (boolean v6 : new boolean[] {false, true}) {
        capture.clear();
        Map<String, SnmpCounters> before = snapshot();
        NetnsLab.Flow flow = lab.tcp("vm2", "vm3", v6, 5, 300);
        capture.flush();
        Map<String, SnmpCounters> d = delta(before);
        frames = capture.frames();
        long toServer = frames.stream()
            .filter(f -> f.isFrom(vm2.macBytes()) && f.isTo(vm3.macBytes()) && f.ipProtocol() == 6
                && f.destinationPort() == flow.destination().getPort())
            .count();
        long toClient = frames.stream()
            .filter(f -> f.isFrom(vm3.macBytes()) && f.isTo(vm2.macBytes()) && f.ipProtocol() == 6
                && f.sourcePort() == flow.destination().getPort())
            .count();
        assertEquals(d.get("vm3").tcpInSegs(), toServer, "v6=" + v6 + " " + frames);
        assertEquals(d.get("vm2").tcpOutSegs(), toServer);
        assertEquals(d.get("vm2").tcpInSegs(), toClient, "v6=" + v6 + " " + frames);
        assertEquals(toServer + toClient, frames.size(), "stray frames: " + frames);
      }

      // ping: request and reply per echo
      capture.clear();
      lab.ping("vm3", "vm1", true, 2);
      capture.flush();
      frames = capture.frames();
      assertEquals(2, frames.stream().filter(f -> f.isTo(vm1.macBytes())).count(), frames::toString);
      assertEquals(2, frames.stream().filter(f -> f.isTo(vm3.macBytes())).count(), frames::toString);
      assertEquals(4, frames.size(), frames::toString);
    }
  }

  @Test
  void captureOnIdleBridgeStopsPromptly() throws Exception {
    BridgeCapture capture = BridgeCapture.start(lab);
    assertTrue(capture.running());
    long start = System.nanoTime();
    capture.close(); // nothing flows: breakLoop must still end the loop
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertFalse(capture.running());
    assertTrue(millis < 1000, "stopping took " + millis + " ms");
    assertEquals(List.of(), capture.frames());
    capture.close(); // idempotent
    System.out.println("idle capture stopped in " + millis + " ms");
  }

  @Test
  void cleanupRemovesStaleAndOrphanedNamespacesOnly() throws Exception {
    String stale = NetnsLab.newPrefix();
    NetnsLab.exec("ip", "netns", "add", stale + "-x");
    assertEquals(List.of(stale + "-x"), NetnsLab.cleanupStale(stale));
    assertFalse(NetnsLab.listNamespaces().contains(stale + "-x"));

    // a pid above pid_max never runs: its labs are orphans. (Not Files.readString here: on JDK 17
    // it returns a truncated "3" for this procfs file; readAllLines reads it whole.)
    long deadPid =
        Long.parseLong(Files.readAllLines(Path.of("/proc/sys/kernel/pid_max")).get(0).trim()) + 1;
    String orphan = NetnsLab.NAME_PREFIX + Long.toString(deadPid, 36) + "-zzz-orphan";
    NetnsLab.exec("ip", "netns", "add", orphan);
    try {
      List<String> removed = NetnsLab.cleanupOrphans();
      assertTrue(removed.contains(orphan), removed::toString);
      assertFalse(NetnsLab.listNamespaces().contains(orphan));
      assertTrue(NetnsLab.listNamespaces().containsAll(lab.namespaces()), "live lab was removed");
    } finally {
      NetnsLab.cleanupStale(orphan);
    }
  }

  @Test
  void vmSpecsAreValidated() {
    NetnsLab.Vm vm = NetnsLab.Vm.numbered(12);
    assertEquals("vm12", vm.name());
    assertEquals("02:00:00:77:00:0c", vm.mac());
    assertEquals(InetAddress.class, vm.ipv4().getClass().getSuperclass());
    assertEquals("fd77:0:0:0:0:0:0:c", vm.ipv6().getHostAddress());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new NetnsLab.Vm("vm1", "03:00:00:00:00:01", "10.0.0.1/24", "fd00::1/64"));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new NetnsLab.Vm("bad/name", "02:00:00:00:00:01", "10.0.0.1/24", "fd00::1/64"));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new NetnsLab.Vm("vm1", "02:00:00:00:00:01", "fd00::1/64", "10.0.0.1/24"));
  }
}
