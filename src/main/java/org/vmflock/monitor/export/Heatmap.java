package org.vmflock.monitor.export;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.vmflock.model.TrafficMatrix;

/**
 * A VM x VM communication picture like the report's figures 4.7 to 4.11: one cell per (sender,
 * receiver), darker for more bytes, senders top to bottom and receivers left to right.
 */
public final class Heatmap {

  private static final int CELL_PIXELS = 56;
  private static final int MIN_SIDE = 640;
  private static final int MAX_SIDE = 2400;
  /** Beyond this many VMs the values no longer fit in the cells. */
  private static final int MAX_VMS_WITH_VALUES = 16;
  /** White to mid blue: dark value labels stay readable on the busiest cells. */
  private static final Color[] RANGE = {new Color(0xFFFFFF), new Color(0xC6DBEF), new Color(0x6BAED6), new Color(0x3182BD)};
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};

  private Heatmap() {}

  public static HeatMapChart chart(TrafficMatrix m, String title) {
    int n = m.size();
    double max = 0;
    for (int s = 0; s < n; s++) {
      for (int d = 0; d < n; d++) {
        max = Math.max(max, m.bytes(s, d));
      }
    }
    int unit = unitFor(max);
    double scale = Math.pow(1000, unit);
    int side = Math.max(MIN_SIDE, Math.min(MAX_SIDE, 200 + n * CELL_PIXELS));
    HeatMapChart chart = new HeatMapChartBuilder().width(side + 160).height(side)
        .title(title + " (" + UNITS[unit] + ", row sends to column)").build();
    chart.setXAxisTitle("receiver (dst)");
    chart.setYAxisTitle("sender (src)");
    List<String> receivers = m.vms();
    List<String> senders = new ArrayList<>(m.vms());
    java.util.Collections.reverse(senders); // the first VM on top, as in a matrix
    List<Number[]> cells = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      for (int d = 0; d < n; d++) {
        cells.add(new Number[] {d, n - 1 - s, m.bytes(s, d) / scale});
      }
    }
    chart.addSeries("bytes", receivers, senders, cells);
    chart.getStyler()
        .setRangeColors(RANGE)
        .setMin(0)
        .setMax(max > 0 ? max / scale : 1)
        .setShowValue(n <= MAX_VMS_WITH_VALUES)
        .setHeatMapValueDecimalPattern(unit == 0 ? "#,##0" : "#,##0.0")
        .setValueFontColor(Color.BLACK)
        .setDrawBorder(true);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesVisible(false);
    chart.getStyler().setXAxisLabelRotation(n > 12 ? 90 : 0);
    return chart;
  }

  public static void writePng(Path file, TrafficMatrix m, String title) throws IOException {
    BitmapEncoder.saveBitmap(chart(m, title), file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** The unit (a power of 1000) in which the largest value reads best: 24516448 -> MB. */
  static int unitFor(double max) {
    int u = 0;
    while (max >= 1000 && u < UNITS.length - 1) {
      max /= 1000;
      u++;
    }
    return u;
  }
}
