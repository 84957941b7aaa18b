package org.vmflock.emulate.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.FederationSpec;
import org.vmflock.emulate.lab.WanLinkSpec;

class QemuSmokeTest {
  @Test
  void bootsAndMigrates() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), EmulatedFederation.unavailableReason());
    assumeTrue(GuestImage.unavailableReason().isEmpty(), GuestImage.unavailableReason().orElse(""));
    FederationSpec spec = FederationSpec.builder().site("a").site("b").linkAll(WanLinkSpec.of(Duration.ofMillis(2), 1_000_000_000L)).build();
    Path run = Files.createTempDirectory("qemu-smoke");
    try (EmulatedFederation lab = EmulatedFederation.create(spec)) {
      GuestConfig g = new GuestConfig(128, "10.77.200.1/16", "02:00:0a:4d:c8:01", 16, 8, 4, 7000, 1);
      long t0 = System.nanoTime();
      try (QemuVm src = QemuVm.boot(lab, "g1", "a", "vmfl-ta", g, run)) {
        System.out.println("answer " + src.awaitGuest(Duration.ofSeconds(90)) + " after " + (System.nanoTime() - t0) / 1e9);
        var before = src.check();
        System.out.println(before);
        try (QemuVm dst = QemuVm.incoming(lab, "g1", "b", "vmfl-tb", g, run, 4444)) {
          src.configureMigration(64L << 20, Duration.ofMillis(300), false, false);
          src.migrateTo(dst, 4444);
          MigrationStatus s;
          do {
            s = src.migrationStatus();
            System.out.println(s);
            Thread.sleep(500);
          } while (s.active());
          System.out.println("dst state " + dst.runState());
          dst.resume();
          dst.announce();
          System.out.println("after " + dst.awaitGuest(Duration.ofSeconds(20)));
          var after = dst.check();
          System.out.println(after);
          assertEquals(before.get("fill"), after.get("fill"));
          assertEquals("0", after.get("bad"));
        }
      }
    }
  }
}
