package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A VXLAN federation of three sites linked in a triangle: a virtual cluster's VMs reach one
 * another across sites only through their segment's VTEPs, whose UDP frames cross the WAN link
 * (its delay, and its counters); another cluster's VM does not reach them; a moved VM is forwarded
 * to at its new site by every site, as the kernel's FDB shows; closing a lab leaves no VTEP.
 */
class VxlanOverlayTest {

  private static final Duration DELAY_AB = Duration.ofMillis(2);
  private static EmulatedFederation lab;

  @BeforeAll
  static void build() {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    long rate = 1_000_000_000L;
    lab = EmulatedFederation.create(FederationSpec.builder().site("a").site("b").site("c")
        .link("a", "b", WanLinkSpec.of(DELAY_AB, rate))
        .link("a", "c", WanLinkSpec.of(Duration.ofMillis(6), rate))
        .link("b", "c", WanLinkSpec.of(Duration.ofMillis(1), rate))
        .overlay(FederationSpec.Overlay.VXLAN)
        .build());
    lab.addVm("x1", "a", "x");
    lab.addVm("x2", "b", "x");
    lab.addVm("y1", "b", "y");
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aClustersVmsTalkThroughTheirSegmentOverTheWanLink() throws Exception {
    EmulatedVm x1 = lab.vm("x1");
    EmulatedVm x2 = lab.vm("x2");
    LinkCounters before = lab.link("a", "b").counters();
    List<Duration> rtts = LinkProbe.pingRoundTrips(x1, x2, 5, Duration.ofMillis(20));
    LinkProbe.Goodput tcp = LinkProbe.tcpGoodput(x1, x2, Duration.ofMillis(300), Duration.ofMillis(700));
    LinkCounters.Direction after = lab.link("a", "b").counters().aToB().since(before.aToB());
    double rtt = AccuracyMath.median(rtts);
    System.out.printf("x1 (a) -> x2 (b) over VXLAN: RTT %.2f ms, TCP %.0f Mbit/s; link a-b carried %d frames a->b, %d B%n", rtt,
        tcp.bitsPerSecond() / 1e6, after.frames(), after.bytes());
    assertTrue(Math.abs(rtt - 2 * DELAY_AB.toNanos() / 1e6) < 1, "the link's delay both ways: " + rtts);
    assertTrue(tcp.bitsPerSecond() > 50e6, "TCP crosses the overlay: " + tcp);
    // the data's bytes and VXLAN's 50 B per frame crossed the link
    assertTrue(after.bytes() >= tcp.bytes(), "the link counted the overlay's bytes: " + after);
    assertTrue(lab.vni("x").orElseThrow() != lab.vni("y").orElseThrow(), "one VNI per cluster");
  }

  @Test
  void anotherClustersVmIsNotOnTheSegment() {
    CommandResult ping = lab.vm("y1").run(Duration.ofSeconds(10), "ping", "-c", "2", "-i", "0.2", "-W", "1", lab.vm("x2").ip().toString());
    assertFalse(ping.succeeded(), "y1 (cluster y, site b) reaches x2 (cluster x, site b): " + ping.output());
  }

  @Test
  void aSitesHostReachesEveryClustersVms() {
    for (String site : lab.sites()) {
      for (EmulatedVm vm : lab.vms()) {
        CommandResult ping = HostCommands.run(List.of("ip", "netns", "exec", lab.siteNamespace(site), "ping", "-c", "1", "-W", "2",
            vm.ip().toString()), null, Duration.ofSeconds(10));
        assertTrue(ping.succeeded(), "host of " + site + " to " + vm + ": " + ping.output());
      }
    }
  }

  @Test
  void aMovedVmIsForwardedToItsNewSiteByEverySite() {
    EmulatedVm x1 = lab.vm("x1");
    EmulatedVm mover = lab.addVm("mover", "b", "x");
    assertEquals(4, median(x1, mover), 1, "a-b: 2 ms each way");

    mover.moveTo("c");

    OverlayFdb.assertForwardedTo(lab, "x", mover.mac(), "c", LabNames.vmPort(mover.number()));
    for (String other : List.of("a", "b")) {
      assertEquals(Optional.of("c"), lab.forwardsTowards(other, mover.mac()));
    }
    assertEquals(Optional.of("c"), lab.forwardsTowards("c", mover.mac()));
    assertEquals(12, median(x1, mover), 1.5, "a-c: 6 ms each way");
    lab.removeVm("mover");
    for (String site : lab.sites()) {
      assertEquals(List.of(), OverlayFdb.entries(lab, site, mover.mac()), site + ": a removed VM's entries go");
    }
  }

  @Test
  void closingRemovesEveryVxlanDevice() {
    EmulatedFederation other = EmulatedFederation.create(FederationSpec.builder().site("p").site("q")
        .linkAll(WanLinkSpec.of(Duration.ofMillis(1), 100_000_000L)).overlay(FederationSpec.Overlay.VXLAN).build());
    List<String> namespaces;
    try {
      other.addVm("v1", "p", "one");
      other.addVm("v2", "q", "two");
      namespaces = HostCommands.check("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(other.id() + "-")).toList();
      long vteps = namespaces.stream().mapToLong(n -> HostCommands.check("ip", "-n", n, "-o", "link", "show", "type", "vxlan").lines().count()).sum();
      assertEquals(4, vteps, "a VTEP per cluster on each of the 2 sites");
    } finally {
      other.close();
    }
    List<String> left = HostCommands.check("ip", "netns", "list").lines().filter(l -> l.startsWith(other.id() + "-")).toList();
    assertEquals(List.of(), left, "the lab's namespaces, and the VTEPs in them, are gone");
    assertFalse(HostCommands.check("ip", "-o", "link", "show", "type", "vxlan").contains(LabNames.PREFIX), "no VTEP of a lab outside its namespaces");
    assertTrue(namespaces.size() >= 5, "sites, WAN and VMs were listed: " + namespaces);
  }

  private static double median(EmulatedVm from, EmulatedVm to) {
    return AccuracyMath.median(LinkProbe.pingRoundTrips(from, to, 5, Duration.ofMillis(20)));
  }
}
