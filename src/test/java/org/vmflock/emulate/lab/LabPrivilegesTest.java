package org.vmflock.emulate.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Without root's powers a lab says what is missing, and the CLI exits 3. */
class LabPrivilegesTest {

  @Test
  void theMessageNamesWhatIsMissing() {
    assertEquals("", LabPreconditions.missingPrivileges(List.of("Uid:\t0\t0\t0\t0", "CapEff:\t000001ffffffffff")));
    String user = LabPreconditions.missingPrivileges(List.of("Uid:\t1000\t1000\t1000\t1000", "CapEff:\t0000000000000000"));
    assertTrue(user.contains("root") && user.contains("uid 1000") && user.contains("CAP_NET_ADMIN and CAP_SYS_ADMIN"), user);
    String noNetAdmin = LabPreconditions.missingPrivileges(List.of("Uid:\t0\t0\t0\t0", "CapEff:\t0000000000200000"));
    assertTrue(noNetAdmin.contains("uid 0 without CAP_NET_ADMIN"), noNetAdmin);
  }

  @Test
  void benchWanWithoutPrivilegesExitsThreeSayingWhatIsMissing() throws Exception {
    assumeTrue(EmulatedFederation.unavailableReason().isEmpty(), "needs root to drop its powers: " + EmulatedFederation.unavailableReason());
    assumeTrue(HostCommands.locate("setpriv").isPresent(), "needs setpriv (util-linux)");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    // uid 0 without any capability: it can still read root's files (the class path), but cannot build a lab
    Process p = new ProcessBuilder("setpriv", "--bounding-set=-all", "--inh-caps=-all", "--", java, "-cp", classPath,
        "org.vmflock.cli.VmflockCommand", "bench", "wan").redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(3, p.exitValue(), output);
    assertTrue(output.contains("needs root") && output.contains("CAP_NET_ADMIN"), output);
    assertEquals(1, output.strip().lines().count(), "one line: " + output);
  }
}
