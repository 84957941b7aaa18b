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
   * A scenario of two sites (lyon, nancy; nancy dearer) and one application, cg (4 VMs at lyon, NAS
   * CG class A's traffic), written to {@code dir}/two-sites.conf: what the node tests run.
   */
  public static Path twoSitesScenario(Path dir) throws java.io.IOException {
    return Files.writeString(dir.resolve("two-sites.conf"), """
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
  }
}
