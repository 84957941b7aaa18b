package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

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
}
