package org.vmflock.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Vm;

/**
 * The pre-copy rounds, checked against hand computations. Throughout: M = 1000 MB of memory, a path
 * of B = 100 MB/s with 5 ms latency, a target downtime of 0.3 s (so the stop-and-copy may send up to
 * B x 0.3 = 30 MB) and 0.1 s to resume.
 */
class PreCopyMigrationModelTest {

  private static final double MB = 1e6;
  private static final double EPS = 1e-9;
  private static final NetworkPath PATH = new NetworkPath(Duration.ofMillis(5), 100 * MB);

  private static PreCopyMigrationModel model(double share, int maxRounds) {
    return new PreCopyMigrationModel(new PreCopyMigrationModel.Settings(share, Duration.ofMillis(300), maxRounds, Duration.ofMillis(100)));
  }

  private static Vm vm(double dirtyMbPerSecond) {
    return new Vm("vm1", "small", 1, 1_000_000_000L, dirtyMbPerSecond * MB);
  }

  @Test
  void convergesInTwoRounds() {
    // D = 10 MB/s. Round 0 sends 1000 MB in 10 s; 10 x 10 = 100 MB dirtied (> 30 MB): another round.
    // Round 1 sends 100 MB in 1 s; 10 MB dirtied (<= 30 MB): stop. Pre-copy 11 s.
    // Stop-and-copy 10 MB = 0.1 s; downtime 0.1 + 0.005 latency + 0.1 resume = 0.205 s; total 11.205 s.
    // Bytes 1000 + 100 + 10 = 1110 MB.
    MigrationEstimate e = model(1, 30).estimate(vm(10), PATH);
    assertEquals(2, e.rounds());
    assertEquals(0.205, e.downtimeSeconds(), EPS);
    assertEquals(11.205, e.totalSeconds(), EPS);
    assertEquals(11.0, e.totalSeconds() - e.downtimeSeconds(), EPS); // the pre-copy itself
    assertEquals(1110 * MB, e.bytesMoved(), 1e-3);
    assertTrue(e.converged());
  }

  @Test
  void aVmDirtyingFasterThanTheLinkDoesNotConverge() {
    // D = 200 MB/s > B. Round 0: 1000 MB in 10 s, 2000 MB dirtied, capped at the memory: 1000 MB,
    // which does not shrink: stop after one round. The stop-and-copy sends the whole memory again:
    // 10 s; downtime 10 + 0.005 + 0.1 = 10.105 s; total 20.105 s; bytes 2000 MB.
    MigrationEstimate e = model(1, 30).estimate(vm(200), PATH);
    assertEquals(1, e.rounds());
    assertEquals(10.105, e.downtimeSeconds(), EPS);
    assertEquals(20.105, e.totalSeconds(), EPS);
    assertEquals(2000 * MB, e.bytesMoved(), 1e-3);
    assertFalse(e.converged());
  }

  @Test
  void aVmDirtyingExactlyAtLinkSpeedStopsAfterOneRound() {
    // D = B: round 0 dirties 100 x 10 = 1000 MB, no smaller than what it sent: stop.
    MigrationEstimate e = model(1, 30).estimate(vm(100), PATH);
    assertEquals(1, e.rounds());
    assertFalse(e.converged());
    assertEquals(10.105, e.downtimeSeconds(), EPS);
  }

  @Test
  void theRoundLimitCapsPreCopy() {
    // D = 80 MB/s, at most 3 rounds. Round 0: 1000 MB, 10 s, 800 MB dirtied. Round 1: 800 MB, 8 s,
    // 640 MB. Round 2: 640 MB, 6.4 s, 512 MB: the limit. Pre-copy 24.4 s; stop-and-copy 512 MB =
    // 5.12 s; downtime 5.12 + 0.005 + 0.1 = 5.225 s; total 29.625 s; bytes 1000 + 800 + 640 + 512 = 2952 MB.
    MigrationEstimate e = model(1, 3).estimate(vm(80), PATH);
    assertEquals(3, e.rounds());
    assertEquals(5.225, e.downtimeSeconds(), 1e-9);
    assertEquals(29.625, e.totalSeconds(), 1e-9);
    assertEquals(2952 * MB, e.bytesMoved(), 1e-3);
    assertFalse(e.converged());
    // with the default 30 rounds the same VM converges: 1000 * 0.8^k <= 30 from k = 16 on
    MigrationEstimate unlimited = model(1, 30).estimate(vm(80), PATH);
    assertEquals(16, unlimited.rounds());
    assertTrue(unlimited.converged());
  }

  @Test
  void anIdleVmNeedsOneRound() {
    // D = 0: one full copy (10 s), nothing dirtied; the pause is latency and resume only.
    MigrationEstimate e = model(1, 30).estimate(vm(0), PATH);
    assertEquals(1, e.rounds());
    assertEquals(0.105, e.downtimeSeconds(), EPS);
    assertEquals(10.105, e.totalSeconds(), EPS);
    assertEquals(1000 * MB, e.bytesMoved(), 1e-3);
    assertTrue(e.converged());
  }

  @Test
  void aBandwidthShareSlowsEveryRound() {
    // Half the link: B = 50 MB/s, stop-and-copy up to 15 MB. D = 10 MB/s.
    // Round 0: 1000 MB, 20 s, 200 MB dirtied. Round 1: 200 MB, 4 s, 40 MB (> 15). Round 2: 40 MB,
    // 0.8 s, 8 MB (<= 15): stop. Pre-copy 24.8 s; stop-and-copy 8 MB = 0.16 s; downtime 0.265 s;
    // total 25.065 s; bytes 1000 + 200 + 40 + 8 = 1248 MB.
    MigrationEstimate e = model(0.5, 30).estimate(vm(10), PATH);
    assertEquals(3, e.rounds());
    assertEquals(0.265, e.downtimeSeconds(), EPS);
    assertEquals(25.065, e.totalSeconds(), EPS);
    assertEquals(1248 * MB, e.bytesMoved(), 1e-3);
    assertTrue(e.converged());
  }

  @Test
  void invalidSettingsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new PreCopyMigrationModel.Settings(0, Duration.ofMillis(300), 30, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new PreCopyMigrationModel.Settings(1.5, Duration.ofMillis(300), 30, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new PreCopyMigrationModel.Settings(1, Duration.ofMillis(300), 0, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new PreCopyMigrationModel.Settings(1, Duration.ofMillis(-1), 30, Duration.ZERO));
  }
}
