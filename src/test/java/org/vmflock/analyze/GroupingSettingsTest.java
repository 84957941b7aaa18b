package org.vmflock.analyze;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.TrafficMetric;
import org.vmflock.node.NodeConfig;

/** vmflock.analyze as a node reads it. */
class GroupingSettingsTest {

  @Test
  void theDefaultsAreThoseOfReferenceConf() {
    GroupingSettings s = GroupingSettings.from(NodeConfig.load(Optional.empty(), Map.of()));
    assertEquals(GroupingSettings.defaults(), s);
    assertEquals(TrafficMetric.BYTES, s.metric());
    assertEquals(s.noiseFloorBytesPerSecond(), s.noiseFloorPerSecond());
    assertEquals(s.noiseFloorPacketsPerSecond(), s.noiseFloorPerSecond(TrafficMetric.PACKETS));
  }

  @Test
  void settingsAreOverriddenOneByOne() {
    GroupingSettings s = GroupingSettings.from(NodeConfig.load(Optional.empty(), Map.of(
        "vmflock.analyze.metric", "packets",
        "vmflock.analyze.noise-floor.packets-per-second", "3",
        "vmflock.analyze.report.threshold-fraction", "0.8",
        "vmflock.analyze.modularity.seed", "99")));
    assertEquals(TrafficMetric.PACKETS, s.metric());
    assertEquals(3, s.noiseFloorPerSecond());
    assertEquals(0.8, s.thresholdFraction());
    assertEquals(99, s.seed());
  }

  @Test
  void aWrongSettingIsRefusedWithItsName() {
    InvalidInputException metric = assertThrows(InvalidInputException.class,
        () -> GroupingSettings.from(NodeConfig.load(Optional.empty(), Map.of("vmflock.analyze.metric", "flows"))));
    assertTrue(metric.getMessage().contains("flows"), metric.getMessage());
    InvalidInputException starts = assertThrows(InvalidInputException.class,
        () -> GroupingSettings.from(NodeConfig.load(Optional.empty(), Map.of("vmflock.analyze.modularity.random-starts", "0"))));
    assertTrue(starts.getMessage().contains("random-starts"), starts.getMessage());
    InvalidInputException floor = assertThrows(InvalidInputException.class,
        () -> GroupingSettings.from(NodeConfig.load(Optional.empty(), Map.of("vmflock.analyze.noise-floor.bytes-per-second", "lots"))));
    assertTrue(floor.getMessage().contains("bytes-per-second"), floor.getMessage());
  }
}
