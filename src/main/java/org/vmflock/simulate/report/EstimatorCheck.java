package org.vmflock.simulate.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The planner's estimator against the simulator's truth (P1, S1), per application that ran where it
 * was first placed until it finished: what the estimator predicts for that placement, what the
 * truth took, and the error; with the median |error| per policy. An application that moved is left
 * out (its time mixes several placements and the moves).
 */
public final class EstimatorCheck {

  private EstimatorCheck() {}

  /** The applications checked, in the report's order (policy, then application). */
  public static List<AppResult> checked(SimulationReport report) {
    List<AppResult> out = new ArrayList<>();
    report.runs().forEach(r -> r.applications().stream().filter(a -> a.estimate().isPresent()).forEach(out::add));
    return out;
  }

  /** The median |estimated / truth - 1| of {@code apps}. */
  public static double medianAbsoluteError(List<AppResult> apps) {
    double[] e = apps.stream().mapToDouble(a -> Math.abs(a.estimate().orElseThrow().error())).sorted().toArray();
    if (e.length == 0) {
      return Double.NaN;
    }
    return e.length % 2 == 1 ? e[e.length / 2] : (e[e.length / 2 - 1] + e[e.length / 2]) / 2;
  }

  /** The section of index.html, when an application was checked. */
  public static Optional<ReportSection> section(SimulationReport report) {
    List<AppResult> apps = checked(report);
    if (apps.isEmpty()) {
      return Optional.empty();
    }
    List<List<String>> rows = new ArrayList<>();
    for (AppResult a : apps) {
      AppResult.Estimate e = a.estimate().get();
      rows.add(List.of(a.policy(), a.application(), a.profile(), String.format(Locale.ROOT, "%.0f", e.estimatedSeconds()),
          String.format(Locale.ROOT, "%.0f", e.truthSeconds()), String.format(Locale.ROOT, "%+.1f", 100 * e.error())));
    }
    List<String> medians = new ArrayList<>();
    report.runs().forEach(r -> {
      List<AppResult> mine = apps.stream().filter(a -> a.policy().equals(r.policy())).toList();
      if (!mine.isEmpty()) {
        medians.add(String.format(Locale.ROOT, "%s %.1f %% (%d)", r.policy(), 100 * medianAbsoluteError(mine), mine.size()));
      }
    });
    boolean[] numeric = new boolean[6];
    Arrays.fill(numeric, 3, 6, true);
    return Optional.of(new ReportSection("The estimator against the simulator's truth",
        List.of("policy", "application", "profile", "estimator s", "truth s", "error %"), numeric, rows,
        "Each application that ran where it was first placed until it finished: the planner's execution-time model (uncalibrated, as"
            + " at the placement) for that placement, against the time the simulator's truth took (its rounds replayed message by"
            + " message, bandwidth shared with the others, a seeded noise of 0.95 to 1.05). Median |error| (applications): "
            + String.join(", ", medians) + ". Moved applications are left out."));
  }

  /** One line for the terminal summary, or empty. */
  public static Optional<String> line(SimulationReport report) {
    List<AppResult> apps = checked(report);
    return apps.isEmpty() ? Optional.empty()
        : Optional.of(String.format(Locale.ROOT, "Estimator against the simulator's truth: median |error| %.1f %% over %d applications that"
            + " ran where they were placed (index.html lists them).%n", 100 * medianAbsoluteError(apps), apps.size()));
  }
}
