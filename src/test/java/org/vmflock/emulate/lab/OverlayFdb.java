package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.vmflock.model.MacAddress;

/** A VXLAN lab's forwarding of one MAC as the kernel holds it ({@code bridge fdb show} in each site's namespace), for the tests. */
public final class OverlayFdb {

  private OverlayFdb() {}

  /** Site {@code site}'s FDB entries of {@code mac}, stripped and sorted. */
  public static List<String> entries(EmulatedFederation lab, String site, MacAddress mac) {
    return HostCommands.check("bridge", "-n", lab.siteNamespace(site), "fdb", "show").lines().filter(l -> l.startsWith(mac + " "))
        .map(String::strip).sorted().toList();
  }

  /**
   * Asserts that every site forwards {@code mac} (of {@code cluster}) to port {@code port} of
   * {@code site}, and only so: there, one static entry on that port of the cluster's bridge;
   * elsewhere, a static entry on the cluster's VTEP and the VTEP's own, sending to {@code site}'s address.
   */
  public static void assertForwardedTo(EmulatedFederation lab, String cluster, MacAddress mac, String site, String port) {
    int vni = lab.vni(cluster).orElseThrow();
    String bridge = LabNames.clusterBridge(vni);
    String vtep = LabNames.vtep(vni);
    for (String s : lab.sites()) {
      List<String> expected = s.equals(site) ? List.of(mac + " dev " + port + " master " + bridge + " static")
          : List.of(mac + " dev " + vtep + " dst " + lab.siteAddress(site) + " self permanent", mac + " dev " + vtep + " master " + bridge + " static");
      assertEquals(expected.stream().sorted().toList(), entries(lab, s, mac), "the FDB of " + s + " for " + mac + " at " + site + " (" + port + ")");
    }
  }
}
