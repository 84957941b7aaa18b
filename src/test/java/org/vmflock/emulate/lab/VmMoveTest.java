package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three sites linked in a triangle (one L2 domain, no loop): a VM moved to another site keeps its
 * address and MAC, is reachable there at once, and its traffic takes the new site's link.
 */
class VmMoveTest {

  private static EmulatedFederation lab;

  @BeforeAll
  static void build() {
    String problem = EmulatedFederation.unavailableReason();
    assumeTrue(problem.isEmpty(), problem);
    lab = EmulatedFederation.create(Triangle.spec().build());
    lab.addVm("vm1", "a");
    lab.addVm("vm2", "b");
    lab.addVm("vm3", "c");
  }

  @AfterAll
  static void close() {
    if (lab != null) {
      lab.close();
    }
  }

  @Test
  void aTriangleOfLinksMakesNoLoop() {
    long before = totalFrames();
    // the first ping of each pair floods an ARP request to every site: it must cross each link once, not circle
    for (String from : List.of("vm1", "vm2", "vm3")) {
      for (String to : List.of("vm1", "vm2", "vm3")) {
        if (!from.equals(to)) {
          LinkProbe.pingRoundTrips(lab.vm(from), lab.vm(to), 2, Duration.ofMillis(20));
        }
      }
    }
    long frames = totalFrames() - before;
    System.out.println("frames on the three links for 6 pairs x 3 pings: " + frames);
    assertTrue(frames < 100, "a loop would carry the broadcasts round and round: " + frames + " frames");
  }

  @Test
  void aMovedVmIsReachableAtItsNewSiteWithTheSameAddressAndMac() {
    EmulatedVm vm1 = lab.vm("vm1");
    EmulatedVm moving = lab.addVm("mover", "b");
    double before = AccuracyMath.median(LinkProbe.pingRoundTrips(vm1, moving, 5, Duration.ofMillis(20)));
    String address = moving.ip().toString();
    String mac = moving.mac().toString();

    long start = System.nanoTime();
    moving.moveTo("c");
    long moveMillis = (System.nanoTime() - start) / 1_000_000;

    assertEquals("c", moving.site());
    String link = moving.run(Duration.ofSeconds(10), "ip", "-o", "link", "show", "dev", "eth0").output();
    String addr = moving.run(Duration.ofSeconds(10), "ip", "-o", "-4", "addr", "show", "dev", "eth0").output();
    assertTrue(link.contains("link/ether " + mac), link);
    assertTrue(addr.contains("inet " + moving.ipWithPrefix()), addr);
    // site a's bridge learned from the gratuitous ARP that the VM is now behind the link to c
    String fdb = HostCommands.check("bridge", "-n", lab.siteNamespace("a"), "fdb", "show", "br", EmulatedFederation.BRIDGE);
    assertTrue(fdb.contains(mac + " dev " + LabNames.wanPort(2)), fdb);
    // every ping answered at once, over the a-c link now (6 ms one way) instead of a-b (2 ms)
    CommandResult ping = vm1.run(Duration.ofSeconds(10), "ping", "-c", "5", "-i", "0.02", "-W", "1", address);
    assertTrue(ping.output().contains("5 packets transmitted, 5 received"), ping.output());
    double after = AccuracyMath.median(LinkProbe.pingRoundTrips(vm1, moving, 5, Duration.ofMillis(20)));
    System.out.printf("move took %d ms; RTT vm1->mover %.2f ms at b, %.2f ms at c%n", moveMillis, before, after);
    assertTrue(Math.abs(before - 4) < 1 && Math.abs(after - 12) < 1.5, "RTT " + before + " then " + after);
  }

  private static long totalFrames() {
    return lab.links().stream().mapToLong(l -> l.counters().aToB().frames() + l.counters().bToA().frames()).sum();
  }
}
