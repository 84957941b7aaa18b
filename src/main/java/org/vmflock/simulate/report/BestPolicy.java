package org.vmflock.simulate.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Which policy did best for one group of applications (those of one profile, or of one objective):
 * the cheapest (lowest total cost of the group) and the fastest (lowest mean completion time),
 * ranked on those figures alone, never on anything else: the dearer policy is never called the
 * cheapest. An unfinished application's cost and time are only what it had reached at the end, so
 * each policy's count of unfinished applications in the group goes beside its name ({@link
 * #unfinished}). Policies equal to the best share it; they are listed in the report's order.
 *
 * @param dimension "profile" or "objective"
 * @param applications the group's applications under one policy (the most any policy ran)
 * @param unfinished per policy, how many of the group it left unfinished
 * @param lowestCost the cheapest's total cost of the group (the report's currency)
 * @param lowestMeanSeconds the fastest's mean completion time in the group
 */
public record BestPolicy(String dimension, String group, int applications, List<String> cheapest, List<String> fastest,
    SortedMap<String, Integer> unfinished, double lowestCost, double lowestMeanSeconds) {

  /** Relative difference under which two policies count as equal (sums of doubles in different orders). */
  private static final double TIE = 1e-9;

  public BestPolicy {
    cheapest = List.copyOf(cheapest);
    fastest = List.copyOf(fastest);
    unfinished = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(unfinished));
  }

  /** A policy's name, with how many of the group it left unfinished when any: "none (2 unfinished)". */
  public String labelled(String policy) {
    int n = unfinished.getOrDefault(policy, 0);
    return n == 0 ? policy : policy + " (" + n + " unfinished)";
  }

  /** Per profile, then per objective; groups sorted by name. Empty when fewer than two policies ran. */
  public static List<BestPolicy> of(SimulationReport report) {
    if (report.runs().size() < 2) {
      return List.of();
    }
    List<BestPolicy> out = new ArrayList<>();
    out.addAll(by(report, "profile", AppResult::profile));
    out.addAll(by(report, "objective", AppResult::objective));
    return out;
  }

  private static List<BestPolicy> by(SimulationReport report, String dimension, Function<AppResult, String> key) {
    // group -> one summary per policy, in the report's order
    Map<String, List<PolicySummary>> groups = new TreeMap<>();
    for (PolicyRun run : report.runs()) {
      Map<String, List<AppResult>> mine = new TreeMap<>();
      run.applications().forEach(a -> mine.computeIfAbsent(key.apply(a), k -> new ArrayList<>()).add(a));
      mine.forEach((g, apps) -> groups.computeIfAbsent(g, k -> new ArrayList<>()).add(PolicySummary.of(run.policy(), apps, run.stats())));
    }
    List<BestPolicy> out = new ArrayList<>();
    groups.forEach((g, summaries) -> {
      int n = summaries.stream().mapToInt(PolicySummary::applications).max().orElse(0);
      SortedMap<String, Integer> unfinished = new TreeMap<>();
      summaries.forEach(sm -> unfinished.merge(sm.policy(), sm.unfinished(), Integer::sum));
      List<String> cheapest = best(summaries, PolicySummary::totalCost);
      List<String> fastest = best(summaries, PolicySummary::meanCompletionSeconds);
      out.add(new BestPolicy(dimension, g, n, cheapest, fastest, unfinished,
          value(summaries, cheapest.get(0), PolicySummary::totalCost), value(summaries, fastest.get(0), PolicySummary::meanCompletionSeconds)));
    });
    return out;
  }

  private static double value(List<PolicySummary> summaries, String policy, ToDoubleFunction<PolicySummary> value) {
    return summaries.stream().filter(s -> s.policy().equals(policy)).mapToDouble(value).findFirst().orElseThrow();
  }

  private static List<String> best(List<PolicySummary> summaries, ToDoubleFunction<PolicySummary> value) {
    // only policies that ran all of the group's applications compete
    int most = summaries.stream().mapToInt(PolicySummary::applications).max().orElse(0);
    List<PolicySummary> complete = summaries.stream().filter(s -> s.applications() == most).toList();
    PolicySummary first = complete.stream().min(Comparator.comparingDouble(value)).orElseThrow();
    double v = value.applyAsDouble(first);
    return complete.stream()
        .filter(s -> Math.abs(value.applyAsDouble(s) - v) <= TIE * Math.max(1, Math.abs(v)))
        .map(PolicySummary::policy)
        .distinct()
        .toList();
  }
}
