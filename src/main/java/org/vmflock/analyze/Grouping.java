package org.vmflock.analyze;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.vmflock.model.TrafficMetric;

/**
 * The communication groups one algorithm found in one traffic matrix.
 *
 * @param algorithm which algorithm ({@code report}, {@code modularity})
 * @param metric the measure of traffic the groups were found from, the unit of every value here
 * @param groups groups of at least two VMs, ordered by their first VM's position in the matrix
 * @param ungrouped the VMs in no group, in matrix order
 * @param interGroup traffic that is internal to no group: between groups, and to or from ungrouped
 *     VMs (noise included)
 * @param modularity Newman's modularity Q (resolution 1) of this partition, each ungrouped VM a
 *     community of its own, on the edges above the noise floor; 0 when there is no edge. Computed
 *     the same way whatever the algorithm, so that groupings compare.
 */
public record Grouping(String algorithm, TrafficMetric metric, List<CommunicationGroup> groups, List<String> ungrouped, double interGroup, double modularity) {

  public Grouping {
    groups = List.copyOf(groups);
    ungrouped = List.copyOf(ungrouped);
  }

  /** All traffic of the matrix (pairs, both directions), internal or not. */
  public double totalTraffic() {
    return interGroup + groups.stream().mapToDouble(CommunicationGroup::internal).sum();
  }

  /** The share of the traffic that crosses group boundaries; 0 when there is no traffic. */
  public double interGroupFraction() {
    double total = totalTraffic();
    return total == 0 ? 0 : interGroup / total;
  }

  /**
   * The grouping of {@code graph} into {@code members} (matrix indices; sets of fewer than two VMs
   * leave their VMs ungrouped), with each group's threshold.
   */
  static Grouping of(String algorithm, TrafficGraph graph, List<? extends Collection<Integer>> members, List<Double> thresholds) {
    record Found(TreeSet<Integer> vms, double threshold) {}
    List<Found> found = new ArrayList<>();
    for (int g = 0; g < members.size(); g++) {
      TreeSet<Integer> set = new TreeSet<>(members.get(g));
      if (set.size() >= CommunicationGroup.MIN_VMS) {
        found.add(new Found(set, thresholds.get(g)));
      }
    }
    found.sort(Comparator.comparing(f -> f.vms().first()));
    // community of each VM: its group's index, or one of its own when ungrouped
    int[] community = new int[graph.size()];
    Arrays.fill(community, -1);
    List<CommunicationGroup> groups = new ArrayList<>();
    for (int g = 0; g < found.size(); g++) {
      TreeSet<Integer> set = found.get(g).vms();
      set.forEach(vm -> community[vm] = groups.size());
      groups.add(new CommunicationGroup(set.stream().map(graph.vms()::get).toList(), graph.internalTraffic(set), found.get(g).threshold()));
    }
    List<String> ungrouped = new ArrayList<>();
    int next = groups.size();
    for (int vm = 0; vm < graph.size(); vm++) {
      if (community[vm] < 0) {
        ungrouped.add(graph.vms().get(vm));
        community[vm] = next++;
      }
    }
    double interGroup = 0;
    for (int i = 0; i < graph.size(); i++) {
      for (int j = i + 1; j < graph.size(); j++) {
        if (community[i] != community[j]) {
          interGroup += graph.traffic(i, j);
        }
      }
    }
    return new Grouping(algorithm, graph.metric(), groups, ungrouped, interGroup, Modularity.of(graph, community));
  }
}
