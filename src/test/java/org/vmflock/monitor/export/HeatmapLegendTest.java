package org.vmflock.monitor.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmflock.model.TrafficMatrix;

/** A heatmap's legend reads as round values with their unit, not as raw doubles (11.674789523809523). */
class HeatmapLegendTest {

  @TempDir
  Path dir;

  @Test
  void theLegendIsRoundValuesWithTheirUnit() {
    // cg.A.4: vm1 sent vm2 24,516,448 bytes in 2.1 s of work
    assertEquals(List.of("0 B/s", "5 MB/s", "11.7 MB/s"), labels(24_516_448 / 2.1, Heatmap.Quantity.BYTES_PER_SECOND));
    assertEquals(List.of("0 B", "500 B", "950 B"), labels(950, Heatmap.Quantity.BYTES));
    assertEquals(List.of("0 B", "1 GB", "2 GB", "3.5 GB"), labels(3.5e9, Heatmap.Quantity.BYTES));
    assertEquals(List.of("0 B/s"), labels(0, Heatmap.Quantity.BYTES_PER_SECOND));
    List<Heatmap.Tick> ticks = Heatmap.legend(3.5e9, Heatmap.Quantity.BYTES);
    assertEquals(0, ticks.get(0).fraction());
    assertEquals(1, ticks.get(ticks.size() - 1).fraction());
    assertEquals(2e9 / 3.5e9, ticks.get(2).fraction(), 1e-12);
  }

  @Test
  void xchartsOwnLegendIsOffAndOursIsDrawnBesideTheCells() throws Exception {
    TrafficMatrix m = new TrafficMatrix(List.of("a", "b"), new double[][] {{0, 1}, {1, 0}}, new double[][] {{0, 1.2e7}, {3e6, 0}});
    assertFalse(Heatmap.chart(m, "t", Heatmap.Quantity.BYTES_PER_SECOND).getStyler().isLegendVisible());
    Path png = dir.resolve("h.png");
    Heatmap.writePng(png, m, "traffic", Heatmap.Quantity.BYTES_PER_SECOND);
    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image);
    assertTrue(image.getWidth() > image.getHeight(), "room for the legend on the right: " + image.getWidth() + "x" + image.getHeight());
  }

  private static List<String> labels(double max, Heatmap.Quantity q) {
    return Heatmap.legend(max, q).stream().map(Heatmap.Tick::label).toList();
  }
}
