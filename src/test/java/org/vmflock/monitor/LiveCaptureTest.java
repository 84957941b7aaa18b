package org.vmflock.monitor;

import org.vmflock.node.LiveMonitoring;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;


import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.clock.Clock;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.VmEndpoint;
import org.vmflock.model.VmInventory;
import org.vmflock.monitor.capture.LiveCapture;
import org.vmflock.monitor.capture.NetnsLab;
import org.vmflock.monitor.capture.SnmpCounters;
import org.vmflock.monitor.stats.PeriodStatistics;
import org.vmflock.monitor.traffic.HostTraffic;
import org.vmflock.monitor.traffic.TrafficCounter;
import org.vmflock.node.NodeConfig;
import org.vmflock.node.VmflockNode;

/**
 * Live capture through the whole monitoring path (M1, M3, M4): three VMs as network namespaces on a
 * bridge, known UDP, TCP and ICMP traffic over IPv4 and IPv6 between them, captured with Pcap4J on
 * the host side (the bridge, or each VM's veth), counted, reported, persisted and read back. Needs
 * root (network namespaces, packet sockets): skipped with the reason otherwise.
 *
 * <p>The expected counts: UDP and ICMP by construction (a datagram or an echo is one frame of a
 * known size); every flow also by the receiving namespace's own kernel counters, which count the IP
 * packets it received and their bytes (a frame is 14 bytes of Ethernet header more) — the only exact
 * source for TCP, whose ACK pattern varies. Nothing else crosses the lab's bridge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveCaptureTest {

  private static final int ETHERNET_HEADER = 14;
  private static final String SITE = "lab";

  private NetnsLab lab;
  private VmInventory inventory;

  @BeforeAll
  void createLab() throws Exception {
    Assumptions.assumeTrue(NetnsLab.available(), () -> "live capture needs root and 'ip netns': " + NetnsLab.unavailableReason());
    NetnsLab.cleanupOrphans();
    lab = NetnsLab.builder().numberedVms(3).build();
    List<VmEndpoint> vms = new ArrayList<>();
    for (String name : lab.vmNames()) {
      NetnsLab.Vm vm = lab.vm(name);
      vms.add(new VmEndpoint(name, SITE, MacAddress.parse(vm.mac()),
          List.of(IpAddress.parse(vm.ipv4().getHostAddress()), IpAddress.parse(vm.ipv6().getHostAddress()))));
    }
    inventory = new VmInventory(vms);
  }

  @AfterAll
  void deleteLab() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void oneCaptureOnTheHostsBridgeCountsEveryFlowExactly(@TempDir Path journal) throws Exception {
    observeAndCheck(journal, List.of(new LiveCapture.Interface(lab.bridge(), Optional.empty())));
  }

  @Test
  void oneCapturePerVmOnItsVethCountsTheSame(@TempDir Path journal) throws Exception {
    List<LiveCapture.Interface> perVm = lab.vmNames().stream()
        .map(vm -> new LiveCapture.Interface(lab.hostVeth(vm), Optional.of(vm)))
        .toList();
    observeAndCheck(journal, perVm);
  }

  @Test
  void anUnknownInterfaceIsRefusedWithTheInterfacesThatExist() {
    TrafficCounter counter = new TrafficCounter("h", org.vmflock.model.PeriodGrid.of(java.time.Duration.ofSeconds(30)), inventory.vms(), List.of());
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> LiveCapture.open(
        List.of(new LiveCapture.Interface("nosuch0", Optional.empty())), Optional.of(lab.hostNamespace()), counter,
        settings(Path.of("unused")).capture(), inventory.vms(), List.of()));
    assertTrue(e.getMessage().startsWith("interface nosuch0 (network namespace " + lab.hostNamespace() + "): no such interface; available: "), e.getMessage());
    assertTrue(e.getMessage().contains(lab.bridge()), e.getMessage());
  }

  private void observeAndCheck(Path journal, List<LiveCapture.Interface> interfaces) throws Exception {
    Expected expected = new Expected(inventory.names());
    LiveMonitoring.Result result;
    try (VmflockNode node = VmflockNode.start("live-test", config(journal), Clock.system());
        LiveMonitoring live = LiveMonitoring.start(node, inventory, "host1", interfaces, Optional.of(lab.hostNamespace()), Clock.system())) {
      // UDP, each datagram one frame: 14 Ethernet + 20 IPv4 (40 IPv6) + 8 UDP + payload
      flow(expected, "vm1", "vm2", false, () -> lab.udp("vm1", "vm2", false, 10, 100));
      expected.assertFlow("vm1", "vm2", 10, 10 * (14 + 20 + 8 + 100));
      flow(expected, "vm2", "vm3", true, () -> lab.udp("vm2", "vm3", true, 7, 200));
      expected.assertFlow("vm2", "vm3", 7, 7 * (14 + 40 + 8 + 200));
      // TCP both ways, counted by the kernels
      flow(expected, "vm1", "vm3", false, () -> lab.tcp("vm1", "vm3", false, 5, 300));
      flow(expected, "vm3", "vm2", true, () -> lab.tcp("vm3", "vm2", true, 4, 500));
      // ICMP echo, 56 bytes of data: 14 + 20 (40) + 8 + 56 per frame, one request and one reply each
      flow(expected, "vm2", "vm1", false, () -> lab.ping("vm2", "vm1", false, 3));
      expected.assertFlow("vm2", "vm1", 3, 3 * 98);
      expected.assertFlow("vm1", "vm2", 10 + 3, 10 * 142 + 3 * 98);
      flow(expected, "vm1", "vm3", true, () -> lab.ping("vm1", "vm3", true, 4));
      result = live.stop();
    }
    TrafficMatrix observed = result.statistics().matrix().reorder(inventory.names());
    assertEquals(expected.matrix(), observed, "observed VM x VM traffic");
    assertTrue(expected.total() > 0);
    for (PeriodStatistics p : result.statistics().periods()) {
      assertTrue(p.complete(), "period " + p.period() + " complete");
      assertEquals(List.of(), p.missing(), "no sensor missing");
      p.other().forEach(o -> {
        assertEquals(0, o.fromOutsidePackets() + o.nonIpFrames() + o.lateFrames(), "nothing but VM traffic reached " + o.vm());
      });
      for (HostTraffic h : p.hosts()) {
        assertEquals(0, h.frames(), "no multicast, unknown or malformed frame on the lab's bridge: " + h);
      }
    }
    assertEquals((long) expected.total(), result.frames(), "every captured frame is VM-to-VM traffic");
  }

  /** Runs a flow between two VMs and adds what each received, per its kernel, to the expectation. */
  private void flow(Expected expected, String a, String b, boolean ipv6, ThrowingRunnable traffic) throws Exception {
    SnmpCounters a0 = lab.snmp(a);
    SnmpCounters b0 = lab.snmp(b);
    traffic.run();
    expected.received(a, b, ipv6, lab.snmp(b).minus(b0));
    expected.received(b, a, ipv6, lab.snmp(a).minus(a0));
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static final class Expected {
    private final List<String> vms;
    private final double[][] packets;
    private final double[][] bytes;

    Expected(List<String> vms) {
      this.vms = vms;
      packets = new double[vms.size()][vms.size()];
      bytes = new double[vms.size()][vms.size()];
    }

    void received(String sender, String receiver, boolean ipv6, SnmpCounters delta) {
      long frames = ipv6 ? delta.ip6InReceives() : delta.ipInReceives();
      long ipBytes = ipv6 ? delta.ip6InOctets() : delta.ipInOctets();
      int s = vms.indexOf(sender);
      int r = vms.indexOf(receiver);
      packets[s][r] += frames;
      bytes[s][r] += ipBytes + frames * ETHERNET_HEADER;
    }

    /** Checks the kernels' count against the one known by construction. */
    void assertFlow(String sender, String receiver, long frames, long frameBytes) {
      int s = vms.indexOf(sender);
      int r = vms.indexOf(receiver);
      assertEquals(frames, (long) packets[s][r], sender + " -> " + receiver + " frames per the kernel");
      assertEquals(frameBytes, (long) bytes[s][r], sender + " -> " + receiver + " bytes per the kernel");
    }

    TrafficMatrix matrix() {
      return new TrafficMatrix(vms, packets, bytes);
    }

    double total() {
      double t = 0;
      for (double[] row : packets) {
        for (double v : row) {
          t += v;
        }
      }
      return t;
    }
  }

  private static com.typesafe.config.Config config(Path journal) {
    Map<String, Object> o = new HashMap<>(NodeConfig.h2JournalAt(journal));
    o.put("vmflock.monitor.period", "10s");
    o.put("vmflock.collector.grace", "2s");
    return NodeConfig.load(Optional.empty(), o);
  }

  private static MonitorSettings settings(Path journal) {
    return MonitorSettings.from(config(journal));
  }

}
