package org.vmflock.analyze;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.TrafficMetric;

/** The communication groups of an application, from its traffic per work second, for the planner to move as units. */
public final class ApplicationGroups {

  private static final Duration ONE_WORK_SECOND = Duration.ofSeconds(1);

  private ApplicationGroups() {}

  /** Groups found in bytes per work second (read as bytes per second for the noise floor); none without a detector. */
  public static List<List<String>> of(Application app, Optional<GroupDetector> detector) {
    return detector
        .map(d -> d.detect(app.workload().trafficPerWork(), ONE_WORK_SECOND).groups().stream().map(CommunicationGroup::vms).toList())
        .orElse(List.of());
  }

  /** The groups of every application, found in parallel (each application's alone, so the result is the same). */
  public static java.util.Map<String, List<List<String>>> ofAll(List<Application> apps, Optional<GroupDetector> detector) {
    return apps.parallelStream().collect(java.util.stream.Collectors.toMap(Application::name, a -> of(a, detector)));
  }

  /** The detector the planner uses: {@code modularity}, {@code report}, or {@code none}. */
  public static Optional<GroupDetector> detector(String algorithm, GroupingSettings settings) {
    return algorithm.equals("none") ? Optional.empty() : Optional.of(GroupDetector.named(algorithm, settings.withMetric(TrafficMetric.BYTES)));
  }
}
