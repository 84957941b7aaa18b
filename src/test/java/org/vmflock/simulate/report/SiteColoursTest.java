package org.vmflock.simulate.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.vmflock.simulate.report.ReportFormat.TimeUnit;

/**
 * Every band of a placement plot has a colour of its own, told apart from the others by its hue (a
 * light and a dark shade of one hue read as one site when stacked), the same in every policy's plot;
 * beyond the palette, the busiest sites keep theirs and the rest share one grey band.
 */
class SiteColoursTest {

  @Test
  void threeSitesHaveThreeDistinctHues() {
    SimulationReport report = SampleReports.small();
    Map<String, Color> colours = colours(report, 0);
    assertEquals(List.of("lyon", "rennes", "nancy"), List.copyOf(colours.keySet()));
    assertDistinct(colours);
  }

  @Test
  void tenSitesStillHaveOneColourEach() {
    Map<String, Color> colours = colours(SampleReports.big(8, 12, 10), 0);
    assertEquals(10, colours.size());
    assertDistinct(colours);
  }

  @Test
  void beyondTheColoursTheBusiestSitesKeepTheirsAndTheOthersShareAGreyBandInEveryPlot() {
    SimulationReport report = SampleReports.big(8, 12, 14);
    List<ReportCharts.SiteBand> bands = ReportCharts.siteBands(report);
    assertEquals(10, bands.size());
    ReportCharts.SiteBand others = bands.get(bands.size() - 1);
    assertEquals("5 other sites", others.name());
    assertEquals(ReportCharts.OTHER_SITES_COLOR, others.color());
    int covered = bands.stream().mapToInt(b -> b.sites().size()).sum();
    assertEquals(14, covered, "every site is in one band");
    Map<String, Color> first = colours(report, 0);
    assertDistinct(first);
    for (int policy = 1; policy < report.runs().size(); policy++) {
      assertEquals(first, colours(report, policy), "the same colours under policy " + policy);
    }
  }

  /** Each band's colour in the placement plot of policy {@code run}, bottom band first. */
  private static Map<String, Color> colours(SimulationReport report, int run) {
    XYChart chart = ReportCharts.placement(report, report.runs().get(run), ReportCharts.siteBands(report), TimeUnit.HOURS, 1);
    List<Map.Entry<String, XYSeries>> series = new ArrayList<>(chart.getSeriesMap().entrySet());
    java.util.Collections.reverse(series); // drawn top first
    Map<String, Color> out = new java.util.LinkedHashMap<>();
    series.forEach(e -> out.put(e.getKey(), (Color) e.getValue().getFillColor()));
    return out;
  }

  private static void assertDistinct(Map<String, Color> colours) {
    List<String> names = new ArrayList<>(colours.keySet());
    Map<String, double[]> lab = new HashMap<>();
    names.forEach(n -> lab.put(n, lab(colours.get(n))));
    for (int i = 0; i < names.size(); i++) {
      for (int j = i + 1; j < names.size(); j++) {
        double[] a = lab.get(names.get(i));
        double[] b = lab.get(names.get(j));
        double deltaE = Math.sqrt(sq(a[0] - b[0]) + sq(a[1] - b[1]) + sq(a[2] - b[2]));
        double chromaA = Math.hypot(a[1], a[2]);
        double chromaB = Math.hypot(b[1], b[2]);
        double hue = Math.abs(Math.toDegrees(Math.atan2(a[2], a[1]) - Math.atan2(b[2], b[1]))) % 360;
        hue = Math.min(hue, 360 - hue);
        boolean greyAndColour = Math.min(chromaA, chromaB) < 10 && Math.max(chromaA, chromaB) >= 10;
        boolean told = deltaE >= 25 && (hue >= 20 || Math.abs(chromaA - chromaB) >= 30 || greyAndColour);
        assertTrue(told, names.get(i) + " and " + names.get(j) + ": " + colours.get(names.get(i)) + " and " + colours.get(names.get(j))
            + " (ΔE " + Math.round(deltaE) + ", hue apart " + Math.round(hue) + "°)");
      }
    }
  }

  private static double sq(double x) {
    return x * x;
  }

  /** sRGB to CIE L*a*b* (D65). */
  private static double[] lab(Color c) {
    double r = linear(c.getRed() / 255.0);
    double g = linear(c.getGreen() / 255.0);
    double b = linear(c.getBlue() / 255.0);
    double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    return new double[] {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
  }

  private static double linear(double v) {
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }

  private static double f(double t) {
    return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16.0 / 116;
  }
}
