package org.vmflock.analyze;

import java.time.Duration;
import java.util.List;
import org.vmflock.model.TrafficMatrix;

/**
 * Several algorithms on the same traffic (A2: modularity against the report's algorithm), each scored
 * the same way: its groups, the share of traffic left between groups, and the modularity of its
 * partition ({@link Modularity}, on the same graph).
 */
public record GroupingComparison(List<Row> rows) {

  /** One algorithm's result. */
  public record Row(String algorithm, int groups, double interGroupFraction, double modularity, Grouping grouping) {}

  public GroupingComparison {
    rows = List.copyOf(rows);
  }

  public static GroupingComparison of(TrafficMatrix traffic, Duration covered, List<GroupDetector> detectors) {
    return new GroupingComparison(detectors.stream().map(d -> row(d.detect(traffic, covered))).toList());
  }

  /** The report's algorithm and modularity with {@code settings}. */
  public static GroupingComparison of(TrafficMatrix traffic, Duration covered, GroupingSettings settings) {
    return of(traffic, covered, List.of(new ReportGroupDetector(settings), new ModularityGroupDetector(settings)));
  }

  static Row row(Grouping g) {
    return new Row(g.algorithm(), g.groups().size(), g.interGroupFraction(), g.modularity(), g);
  }
}
