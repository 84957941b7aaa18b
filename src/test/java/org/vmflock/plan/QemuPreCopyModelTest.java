package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;

/** What the QEMU pre-copy model must get right, case by case (its numbers are checked against real migrations by bench qemu-migration). */
class QemuPreCopyModelTest {

  private static final double MIB = 1 << 20;
  private static final QemuPreCopyModel.Settings EXACT = new QemuPreCopyModel.Settings(1, 1e12, 1, 0, Duration.ZERO, Duration.ZERO, 1000);
  private static final QemuPreCopyModel MODEL = new QemuPreCopyModel(EXACT);

  private static QemuPreCopyModel.Prediction predict(double memory, double nonzero, double ws, double dirty, double cap, double path, long limitMs) {
    return MODEL.predict(new QemuPreCopyModel.Input(memory * MIB, nonzero * MIB, ws * MIB, dirty * MIB, cap * MIB, path * MIB, Duration.ZERO,
        Duration.ofMillis(limitMs)));
  }

  @Test
  void anIdleGuestSendsItsNonZeroPagesOnceAtTheCap() {
    QemuPreCopyModel.Prediction p = predict(1024, 256, 64, 0, 128, 1024, 300);
    assertTrue(p.converged());
    assertEquals(256 * MIB * (4104.0 / 4096), p.bytes(), 1);
    assertEquals(2.0 * 4104 / 4096, p.totalSeconds(), 1e-9, "256 MiB at 128 MiB/s, the zero pages free");
    assertEquals(0, p.downtimeSeconds(), 1e-9);
  }

  @Test
  void dirtyingStopsAtTheWorkingSet() {
    // 512 MiB take 16 s at 32 MiB/s; at 20 MiB/s the guest would dirty 320 MiB, but it writes only 8 MiB
    QemuPreCopyModel.Prediction p = predict(1024, 512, 8, 20, 32, 1024, 300);
    assertTrue(p.converged());
    double last = 8 * MIB * 4104 / 4096;
    assertEquals(512 * MIB * 4104 / 4096 + last, p.bytes(), 1);
    assertEquals(last / (1024 * MIB), p.downtimeSeconds(), 1e-9, "the last copy runs at the path's speed, not the cap");
  }

  @Test
  void aGuestDirtyingFasterThanTheCapDoesNotConverge() {
    QemuPreCopyModel.Prediction p = predict(1024, 512, 256, 80, 32, 1024, 300);
    assertFalse(p.converged());
    assertTrue(Double.isNaN(p.totalSeconds()) && Double.isNaN(p.downtimeSeconds()));
  }

  @Test
  void aWorkingSetThatFitsTheDowntimeConvergesWhateverTheRate() {
    // 300 ms at 32 MiB/s carry 9.6 MiB: an 8 MiB working set goes in the last copy however fast it is written
    assertTrue(predict(1024, 512, 8, 500, 32, 1024, 300).converged());
  }

  @Test
  void badInputIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> predict(256, 512, 8, 0, 32, 32, 300));
    assertThrows(IllegalArgumentException.class, () -> predict(256, 128, 8, 0, 0, 32, 300));
  }

  // ------------------------------------------------------------------ the re-dirty share, the sender's CPU, the factors

  private static QemuPreCopyModel.Settings exact(double redirtyShare, double timeFactor, double downtimeFactor, double bytesFactor) {
    return new QemuPreCopyModel.Settings(1, 1e12, 1, 8, 0, 1e30, Duration.ZERO, Duration.ZERO, Duration.ZERO, 1000, redirtyShare, timeFactor, downtimeFactor,
        bytesFactor);
  }

  /** 1 GiB with 512 MiB of data, a 1 GiB/s path, no latency, a 300 ms limit; sizes in MiB, rates in MiB/s. */
  private static QemuPreCopyModel.Input gib(double workingSet, double dirty, double cap, double cpuShare) {
    return new QemuPreCopyModel.Input(1024 * MIB, 512 * MIB, workingSet * MIB, dirty * MIB, cap * MIB, 1024 * MIB, Duration.ZERO,
        Duration.ofMillis(300), cpuShare);
  }

  @Test
  void nearTheCapFewerPagesAreSentAgain() {
    // 60 MiB/s against a 64 MiB/s cap, a 256 MiB working set: every page written sent again, the set shrinks by 60/64 a pass
    QemuPreCopyModel.Input in = gib(256, 60, 64, 1);
    QemuPreCopyModel.Prediction all = new QemuPreCopyModel(exact(1, 1, 1, 1)).predict(in);
    QemuPreCopyModel.Prediction share = new QemuPreCopyModel(exact(0.5, 1, 1, 1)).predict(in);
    assertTrue(all.converged() && share.converged());
    assertTrue(share.rounds() < all.rounds() && share.bytes() < all.bytes(), share + " vs " + all);
    // far below the cap the share hardly matters: 2 MiB/s against 64
    QemuPreCopyModel.Input slow = gib(256, 2, 64, 1);
    double ratio = new QemuPreCopyModel(exact(0.5, 1, 1, 1)).predict(slow).bytes() / new QemuPreCopyModel(exact(1, 1, 1, 1)).predict(slow).bytes();
    assertEquals(1, ratio, 0.01);
  }

  @Test
  void aGuestWritingFasterThanTheSenderDoesNotConvergeWhateverTheShare() {
    QemuPreCopyModel.Input in = gib(256, 80, 64, 1);
    assertFalse(new QemuPreCopyModel(exact(0.2, 1, 1, 1)).predict(in).converged());
  }

  @Test
  void aSenderWithLessCpuIsSlower() {
    QemuPreCopyModel.Settings cpuBound = new QemuPreCopyModel.Settings(1, 100 * MIB, 1, 8, 0, 1e30, Duration.ZERO, Duration.ZERO, Duration.ZERO, 1000, 1, 1, 1, 1);
    QemuPreCopyModel.Input whole = gib(64, 0, 512, 1);
    QemuPreCopyModel.Input quarter = gib(64, 0, 512, 0.25);
    QemuPreCopyModel model = new QemuPreCopyModel(cpuBound);
    assertEquals(512.0 * 4104 / 4096 / 100, model.predict(whole).totalSeconds(), 1e-9, "512 MiB at the sender's 100 MiB/s");
    assertEquals(4 * model.predict(whole).totalSeconds(), model.predict(quarter).totalSeconds(), 1e-9);
  }

  @Test
  void eachFactorScalesItsOwnQuantityEitherWay() {
    QemuPreCopyModel.Input in = gib(64, 20, 64, 1);
    QemuPreCopyModel.Prediction bare = new QemuPreCopyModel(exact(1, 1, 1, 1)).predict(in);
    QemuPreCopyModel.Prediction scaled = new QemuPreCopyModel(exact(1, 0.5, 2, 1.25)).predict(in);
    assertEquals(bare.totalSeconds() * 0.5, scaled.totalSeconds(), 1e-9);
    assertEquals(bare.downtimeSeconds() * 2, scaled.downtimeSeconds(), 1e-9);
    assertEquals(bare.bytes() * 1.25, scaled.bytes(), 1e-3);
    assertEquals(bare.rounds(), scaled.rounds());
    // the online calibration too: observed faster than predicted makes the model faster, not only slower
    QemuPreCopyModel model = new QemuPreCopyModel(exact(1, 1, 1, 1));
    assertEquals(bare.totalSeconds() * 0.8, model.calibrated(0.8).predict(in).totalSeconds(), 1e-9);
    assertEquals(bare.totalSeconds() * 1.5, model.calibrated(1.5).predict(in).totalSeconds(), 1e-9);
  }

  @Test
  void theCalibratedConstantsComeFromTheirResourceAndRoundTrip() {
    QemuPreCopyModel.Settings calibrated = QemuPreCopyModel.Settings.calibrated();
    assertEquals(calibrated, QemuPreCopyModel.Settings.from(ConfigFactory.parseResources(QemuPreCopyModel.CALIBRATION_RESOURCE)));
    QemuPreCopyModel.Settings written = QemuPreCopyModel.Settings.from(ConfigFactory.parseString(calibrated.hocon()));
    assertEquals(calibrated.redirtyShare(), written.redirtyShare(), 1e-4);
    assertEquals(calibrated.timeFactor(), written.timeFactor(), 1e-4);
    assertEquals(calibrated.switchover(), written.switchover());
    assertThrows(IllegalArgumentException.class, () -> QemuPreCopyModel.Settings.from(ConfigFactory.parseString("cap-efficiency = 1")));
  }

  // ------------------------------------------------------------------ vmflock's VMs: the textbook case (ideal settings)

  private static final NetworkPath PATH = new NetworkPath(Duration.ofMillis(5), 100e6);
  private static final QemuPreCopyModel TEXTBOOK = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 30));

  private static Vm vm(double dirtyMbPerSecond) {
    return new Vm("vm1", "small", 1, 1_000_000_000L, dirtyMbPerSecond * 1e6);
  }

  @Test
  void theIdealSettingsAreTheTextbookPreCopy() {
    // D = 10 MB/s, 100 MB/s, a 300 ms target (30 MB). Pass 1: 1000 MB in 10 s, 100 MB dirtied. Pass 2: 100 MB in 1 s,
    // 10 MB dirtied: stop. Downtime 10 MB / 100 MB/s + 5 ms + 100 ms = 0.205 s; total 11.205 s; 1110 MB.
    MigrationEstimate e = TEXTBOOK.estimate(vm(10), PATH);
    assertTrue(e.converged());
    assertEquals(2, e.rounds());
    assertEquals(0.205, e.downtimeSeconds(), 1e-9);
    assertEquals(11.205, e.totalSeconds(), 1e-9);
    assertEquals(1110e6, e.bytesMoved(), 1e-3);
    // an idle VM: one pass, the pause is latency and switch-over
    MigrationEstimate idle = TEXTBOOK.estimate(vm(0), PATH);
    assertEquals(1, idle.rounds());
    assertEquals(10.105, idle.totalSeconds(), 1e-9);
  }

  @Test
  void aBandwidthShareCapsThePreCopyNotTheLastCopy() {
    // half the path as cap: 50 MB/s, 15 MB fit the target. Passes: 1000 MB (20 s, 200 MB dirtied), 200 MB (4 s, 40 MB),
    // 40 MB (0.8 s, 8 MB): stop. The last 8 MB at the path's 100 MB/s: downtime 0.08 + 0.005 + 0.1 = 0.185 s; total 24.985 s.
    QemuPreCopyModel half = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 30),
        new QemuPreCopyModel.Policy(0.5, Duration.ofMillis(300)));
    MigrationEstimate e = half.estimate(vm(10), PATH);
    assertEquals(3, e.rounds());
    assertEquals(0.185, e.downtimeSeconds(), 1e-9);
    assertEquals(24.985, e.totalSeconds(), 1e-9);
    assertEquals(1248e6, e.bytesMoved(), 1e-3);
  }

  @Test
  void aVmDirtyingAsFastAsThePathNeverFinishes() {
    for (double rate : new double[] {100, 200}) {
      MigrationEstimate e = TEXTBOOK.estimate(vm(rate), PATH);
      assertFalse(e.converged(), rate + " MB/s");
      assertTrue(Double.isInfinite(e.totalSeconds()) && Double.isInfinite(e.downtimeSeconds()), "it takes for ever: " + e);
    }
  }

  @Test
  void theRoundLimitMakesASlowConvergenceNonConverging() {
    // D = 80 MB/s: the dirty set shrinks by 0.8 a pass, 1000 * 0.8^k <= 30 from k = 16 on; 3 passes are not enough
    assertTrue(TEXTBOOK.estimate(vm(80), PATH).converged());
    assertEquals(16, TEXTBOOK.estimate(vm(80), PATH).rounds());
    assertFalse(new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 3)).estimate(vm(80), PATH).converged());
  }

  @Test
  void badSettingsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> exact(0, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> exact(1.5, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> exact(1, 0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new QemuPreCopyModel.Policy(1.5, Duration.ofMillis(300)));
    assertThrows(IllegalArgumentException.class, () -> new QemuPreCopyModel.Input(1024 * MIB, 512 * MIB, 8 * MIB, 0, 32 * MIB, 32 * MIB,
        Duration.ZERO, Duration.ZERO, 0));
  }
}
