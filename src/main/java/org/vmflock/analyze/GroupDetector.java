package org.vmflock.analyze;

import java.time.Duration;
import java.util.List;
import org.vmflock.model.TrafficMatrix;

/** Finds communication groups in VM x VM traffic (A1, A2). */
public interface GroupDetector {

  /** Name of the algorithm, as the command line and the grouping name it. */
  String algorithm();

  /**
   * The groups of {@code traffic}, which covers {@code covered} (a period, or the periods of a
   * query); rates (traffic / covered) are compared with the noise floor.
   */
  Grouping detect(TrafficMatrix traffic, Duration covered);

  /** The algorithms {@link #named} knows. */
  List<String> ALGORITHMS = List.of(ReportGroupDetector.ALGORITHM, ModularityGroupDetector.ALGORITHM);

  /** The detector called {@code algorithm} ({@code report} or {@code modularity}) with {@code settings}. */
  static GroupDetector named(String algorithm, GroupingSettings settings) {
    return switch (algorithm) {
      case ReportGroupDetector.ALGORITHM -> new ReportGroupDetector(settings);
      case ModularityGroupDetector.ALGORITHM -> new ModularityGroupDetector(settings);
      default -> throw new IllegalArgumentException("unknown algorithm '" + algorithm + "' (expected " + String.join(" or ", ALGORITHMS) + ")");
    };
  }
}
