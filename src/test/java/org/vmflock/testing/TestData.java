package org.vmflock.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Data the tests share with the product: the NAS Parallel Benchmark captures shipped in {@code samples/npb}. */
public final class TestData {

  private TestData() {}

  /** A file of {@code samples/npb} (tests run from the project's root). */
  public static Path npb(String name) {
    Path p = Path.of("samples", "npb", name);
    if (!Files.exists(p)) {
      throw new IllegalStateException("missing test data " + p.toAbsolutePath());
    }
    return p;
  }

  /**
   * Writes {@code two-sites.conf} in {@code dir}: lyon (0.05 per VM-hour) and nancy (0.06), 5 ms
   * apart, and cg (NPB CG class A, 4 small VMs, 8 h of work, objective cost) at lyon, so a price rise
   * at lyon makes vmflock move it to nancy. The end-to-end tests' federation.
   */
  public static Path twoSitesScenario(Path dir) throws java.io.IOException {
    Path scenario = dir.resolve("two-sites.conf");
    Files.writeString(scenario, """
        start = "2026-06-01T12:00:00Z"
        sites {
          lyon  { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.05, transfer-price-per-gb = 0 }
          nancy { capacity { slots = 8, cores = 32, memory = 64GiB }, price-per-vm-hour = 0.06, transfer-price-per-gb = 0 }
        }
        links = [ { between = [lyon, nancy], latency = 5ms, bandwidth = 10Gbps } ]
        applications {
          cg {
            vms = 4, size = small, dirty-rate = 20MB/s, work = 8h
            traffic = "%s", traffic-covers = 2.1s
            objective = cost, placement = lyon
          }
        }
        """.formatted(npb("cg.A.4.bytes.csv").toAbsolutePath()));
    return scenario;
  }
}
