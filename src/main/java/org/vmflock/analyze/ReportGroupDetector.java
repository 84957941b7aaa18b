package org.vmflock.analyze;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;

/**
 * The report's group detection (A1, report §4.3.3).
 *
 * <p>VM pairs (unordered) are sorted by their traffic, both directions, descending; equal traffic
 * keeps the matrix order (by the first VM, then the second). Pairs whose rate is below the noise
 * floor are ignored. Each pair in turn:
 *
 * <ul>
 *   <li>neither VM has a group: the pair forms a new group (the first pair always does);
 *   <li>exactly one VM has a group: if the pair's traffic exceeds (strictly) that group's threshold,
 *       the other VM joins the group; otherwise the other VM forms a group of its own, threshold 0
 *       — so the next pair above the noise floor that involves it brings its partner in;
 *   <li>both VMs have the same group: nothing;
 *   <li>both VMs have different groups (the report leaves this open; our rule): the two groups merge
 *       when the pair's traffic exceeds both groups' thresholds — the pair ties them as strongly as
 *       each group holds together — otherwise nothing.
 * </ul>
 *
 * <p>A group's threshold is {@code threshold-fraction} times the mean traffic of the pairs of its
 * VMs that are above the noise floor (all such pairs, processed yet or not), recomputed whenever
 * the group changes; a VM alone has threshold 0, as in the report. A group of one VM is not a
 * communication group: its VM is reported ungrouped.
 */
public final class ReportGroupDetector implements GroupDetector {

  public static final String ALGORITHM = "report";

  /** What one pair did. */
  public enum Rule {
    NEW_GROUP,
    JOIN,
    OWN_GROUP,
    SAME_GROUP,
    MERGE,
    NO_MERGE
  }

  /** One pair as processed: its VMs, traffic, the rule applied, and the groups afterwards. */
  public record Step(String vmA, String vmB, double traffic, Rule rule, List<List<String>> groupsAfter) {}

  /** The grouping and how it was reached, pair by pair. */
  public record Trace(Grouping grouping, List<Step> steps) {}

  private final TrafficMetric metric;
  private final double noiseFloorPerSecond;
  private final double thresholdFraction;

  public ReportGroupDetector(TrafficMetric metric, double noiseFloorPerSecond, double thresholdFraction) {
    if (!(thresholdFraction >= 0) || Double.isInfinite(thresholdFraction)) {
      throw new IllegalArgumentException("the threshold fraction must be a finite number >= 0, not " + thresholdFraction);
    }
    this.metric = metric;
    this.noiseFloorPerSecond = noiseFloorPerSecond;
    this.thresholdFraction = thresholdFraction;
  }

  public ReportGroupDetector(GroupingSettings settings) {
    this(settings.metric(), settings.noiseFloorPerSecond(), settings.thresholdFraction());
  }

  @Override
  public String algorithm() {
    return ALGORITHM;
  }

  @Override
  public Grouping detect(TrafficMatrix traffic, Duration covered) {
    return trace(traffic, covered).grouping();
  }

  /** {@link #detect} with every pair processed, in order: what a debug view or a test shows. */
  public Trace trace(TrafficMatrix traffic, Duration covered) {
    TrafficGraph graph = TrafficGraph.of(traffic, metric, covered, noiseFloorPerSecond);
    int n = graph.size();
    List<int[]> pairs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (graph.isEdge(i, j)) {
          pairs.add(new int[] {i, j});
        }
      }
    }
    // stable sort on pairs listed in matrix order: equal traffic keeps that order
    pairs.sort(Comparator.comparingDouble((int[] p) -> graph.traffic(p[0], p[1])).reversed());

    Group[] groupOf = new Group[n];
    List<Group> groups = new ArrayList<>();
    List<Step> steps = new ArrayList<>();
    for (int[] p : pairs) {
      int a = p[0];
      int b = p[1];
      double w = graph.traffic(a, b);
      Group ga = groupOf[a];
      Group gb = groupOf[b];
      Rule rule;
      if (ga == null && gb == null) {
        Group g = new Group();
        groups.add(g);
        add(g, a, groupOf, graph);
        add(g, b, groupOf, graph);
        rule = Rule.NEW_GROUP;
      } else if (ga == null || gb == null) {
        Group g = ga != null ? ga : gb;
        int other = ga != null ? b : a;
        if (w > g.threshold) {
          add(g, other, groupOf, graph);
          rule = Rule.JOIN;
        } else {
          Group own = new Group();
          groups.add(own);
          add(own, other, groupOf, graph);
          rule = Rule.OWN_GROUP;
        }
      } else if (ga == gb) {
        rule = Rule.SAME_GROUP;
      } else if (w > ga.threshold && w > gb.threshold) {
        for (int vm : gb.members) {
          add(ga, vm, groupOf, graph);
        }
        groups.remove(gb);
        rule = Rule.MERGE;
      } else {
        rule = Rule.NO_MERGE;
      }
      steps.add(new Step(graph.vms().get(a), graph.vms().get(b), w, rule,
          groups.stream().map(g -> g.members.stream().map(graph.vms()::get).toList()).toList()));
    }
    Grouping grouping = Grouping.of(ALGORITHM, graph, groups.stream().map(g -> g.members).toList(), groups.stream().map(g -> g.threshold).toList());
    return new Trace(grouping, steps);
  }

  private void add(Group g, int vm, Group[] groupOf, TrafficGraph graph) {
    g.members.add(vm);
    groupOf[vm] = g;
    g.threshold = thresholdFraction * graph.meanEdgeTraffic(g.members);
  }

  /** A group while the pairs are processed: its VMs (matrix indices) and its threshold. */
  private static final class Group {
    final TreeSet<Integer> members = new TreeSet<>();
    double threshold;
  }
}
