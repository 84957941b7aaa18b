package org.vmflock.monitor.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.monitor.stats.PeriodStatistics;
import org.vmflock.monitor.stats.QueryAnswer;

/**
 * Writes what a replay or capture observed (M7): {@code total.packets.csv} and {@code total.bytes.csv}
 * (all periods summed), the same per period under {@code periods/}, {@code stats.xml} and
 * {@code stats.json} (every period with its missing sensors and other traffic), and
 * {@code heatmap.png} (VM x VM bytes).
 */
public final class StatisticsExporter {

  private StatisticsExporter() {}

  /** The files written, relative to {@code dir}. */
  public static List<String> write(Path dir, QueryAnswer.Statistics stats, List<String> vmOrder, long periodMillis, String title)
      throws IOException {
    TrafficMatrix total = stats.matrix().reorder(vmOrder);
    MatrixCsv.write(dir.resolve("total.packets.csv"), total, TrafficMetric.PACKETS);
    MatrixCsv.write(dir.resolve("total.bytes.csv"), total, TrafficMetric.BYTES);
    Path periods = Files.createDirectories(dir.resolve("periods"));
    for (PeriodStatistics p : stats.periods()) {
      TrafficMatrix m = p.matrix().reorder(vmOrder);
      MatrixCsv.write(periods.resolve(p.period() + ".packets.csv"), m, TrafficMetric.PACKETS);
      MatrixCsv.write(periods.resolve(p.period() + ".bytes.csv"), m, TrafficMetric.BYTES);
    }
    StatisticsDocument doc = StatisticsDocument.of(stats.periods(), vmOrder, periodMillis);
    doc.writeXml(dir.resolve("stats.xml"));
    doc.writeJson(dir.resolve("stats.json"));
    Heatmap.writePng(dir.resolve("heatmap.png"), total, title);
    return List.of("total.packets.csv", "total.bytes.csv", "periods/", "stats.xml", "stats.json", "heatmap.png");
  }
}
