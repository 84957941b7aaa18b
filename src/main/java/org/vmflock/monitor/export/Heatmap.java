package org.vmflock.monitor.export;

import java.awt.Color;
import java.awt.Font;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.vmflock.model.TrafficMatrix;

/**
 * A VM x VM communication picture like the report's figures 4.7 to 4.11: one cell per (sender,
 * receiver), darker for more bytes, senders top to bottom and receivers left to right. Its legend
 * (drawn here: XChart's gradient legend prints raw doubles) is a colour bar with a few round values,
 * each with its unit.
 */
public final class Heatmap {

  /** What the cells count. */
  public enum Quantity {
    BYTES(""), BYTES_PER_SECOND("/s");

    final String suffix;

    Quantity(String suffix) {
      this.suffix = suffix;
    }
  }

  private static final int CELL_PIXELS = 56;
  private static final int MIN_SIDE = 640;
  private static final int MAX_SIDE = 2400;
  /** Room on the right for the legend. */
  private static final int LEGEND_WIDTH = 160;
  /** Beyond this many VMs the values no longer fit in the cells. */
  private static final int MAX_VMS_WITH_VALUES = 16;
  /** White to mid blue: dark value labels stay readable on the busiest cells. */
  private static final Color[] RANGE = {new Color(0xFFFFFF), new Color(0xC6DBEF), new Color(0x6BAED6), new Color(0x3182BD)};
  private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};

  private Heatmap() {}

  /** The cells of {@code m} as a chart, in the unit its largest value reads best in; no legend (see {@link #legend}). */
  public static HeatMapChart chart(TrafficMatrix m, String title, Quantity quantity) {
    int n = m.size();
    double max = max(m);
    int unit = unitFor(max);
    double scale = Math.pow(1000, unit);
    int side = side(n);
    HeatMapChart chart = new HeatMapChartBuilder().width(side).height(side)
        .title(title + " (" + UNITS[unit] + quantity.suffix + ", row sends to column)").build();
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
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesVisible(false);
    chart.getStyler().setXAxisLabelRotation(n > 12 ? 90 : 0);
    return chart;
  }

  /** Writes {@code m}'s heatmap of total bytes, with its legend, as a PNG. */
  public static void writePng(Path file, TrafficMatrix m, String title) throws IOException {
    writePng(file, m, title, Quantity.BYTES);
  }

  /** Writes {@code m}'s heatmap, with its legend, as a PNG. */
  public static void writePng(Path file, TrafficMatrix m, String title, Quantity quantity) throws IOException {
    HeatMapChart chart = chart(m, title, quantity);
    BufferedImage plot = BitmapEncoder.getBufferedImage(chart);
    BufferedImage out = new BufferedImage(plot.getWidth() + LEGEND_WIDTH, plot.getHeight(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      g.drawImage(plot, 0, 0, null);
      drawLegend(g, plot.getWidth() + 16, plot.getHeight(), legend(max(m), quantity));
    } finally {
      g.dispose();
    }
    java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(out, "png", file.toFile());
  }

  /** A value of the legend and where it sits on the colour bar (0 at the bottom, 1 at the top). */
  public record Tick(double fraction, String label) {}

  /**
   * The legend of a heatmap whose largest cell is {@code max}: 0 at the bottom, then round values
   * (1, 2 or 5 times a power of ten, four or five of them) up to the largest, each with its unit:
   * "0 B/s", "5 MB/s", "10 MB/s", and the largest itself on top, rounded: "11.7 MB/s".
   */
  public static List<Tick> legend(double max, Quantity quantity) {
    List<Tick> ticks = new ArrayList<>();
    ticks.add(new Tick(0, "0 B" + quantity.suffix));
    if (!(max > 0)) {
      return ticks;
    }
    double step = niceStep(max / 4);
    for (int i = 1; i * step < max * 0.8; i++) { // none too close to the largest, written on top
      ticks.add(new Tick(i * step / max, format(i * step) + quantity.suffix));
    }
    ticks.add(new Tick(1, format(max) + quantity.suffix));
    return ticks;
  }

  /** The smallest of 1, 2, 5 times a power of ten at or above {@code x}. */
  static double niceStep(double x) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(x)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * magnitude >= x * (1 - 1e-12)) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /** {@code bytes} in the unit it reads best in, three significant digits at most: 11674789.5 -> "11.7 MB". */
  static String format(double bytes) {
    int unit = unitFor(bytes);
    double v = bytes / Math.pow(1000, unit);
    int decimals = unit == 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
    String s = new BigDecimal(v).setScale(decimals, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    return s + " " + UNITS[unit];
  }

  private static void drawLegend(Graphics2D g, int x, int height, List<Tick> ticks) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    int barWidth = 20;
    int top = height / 3;
    int bottom = height - height / 3;
    int segments = RANGE.length - 1;
    for (int i = 0; i < segments; i++) {
      int y0 = bottom - (bottom - top) * i / segments;
      int y1 = bottom - (bottom - top) * (i + 1) / segments;
      g.setPaint(new GradientPaint(0, y0, RANGE[i], 0, y1, RANGE[i + 1]));
      g.fillRect(x, y1, barWidth, y0 - y1);
    }
    g.setColor(Color.GRAY);
    g.drawRect(x, top, barWidth, bottom - top);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    int ascent = g.getFontMetrics().getAscent();
    for (Tick t : ticks) {
      int y = (int) Math.round(bottom - (bottom - top) * t.fraction());
      g.setColor(Color.GRAY);
      g.drawLine(x + barWidth, y, x + barWidth + 4, y);
      g.setColor(Color.BLACK);
      g.drawString(t.label(), x + barWidth + 8, y + ascent / 2 - 1);
    }
  }

  private static double max(TrafficMatrix m) {
    double max = 0;
    for (int s = 0; s < m.size(); s++) {
      for (int d = 0; d < m.size(); d++) {
        max = Math.max(max, m.bytes(s, d));
      }
    }
    return max;
  }

  private static int side(int n) {
    return Math.max(MIN_SIDE, Math.min(MAX_SIDE, 200 + n * CELL_PIXELS));
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
