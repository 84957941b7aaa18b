package org.vmflock.analyze;

/**
 * Newman's modularity of a partition of a traffic graph, in plain Java, so that any grouping is
 * scored the same way:
 * {@code Q = sum over communities c of [ L_c / m - resolution * (K_c / 2m)^2 ]}, where {@code m} is
 * the total edge weight, {@code L_c} the weight of the edges inside {@code c} and {@code K_c} the
 * sum of its VMs' degrees (each VM's total edge weight). Edges are the pairs above the noise floor.
 */
public final class Modularity {

  /** Classic modularity: a random graph with the same degrees scores 0. */
  public static final double CLASSIC_RESOLUTION = 1.0;

  private Modularity() {}

  /** Classic Q of {@code community} (one community id per VM, in matrix order); 0 when there is no edge. */
  public static double of(TrafficGraph graph, int[] community) {
    return of(graph, community, CLASSIC_RESOLUTION);
  }

  public static double of(TrafficGraph graph, int[] community, double resolution) {
    int n = graph.size();
    if (community.length != n) {
      throw new IllegalArgumentException("a community for each of the " + n + " VMs expected, not " + community.length);
    }
    double m = graph.totalWeight();
    if (m == 0) {
      return 0;
    }
    int communities = 0;
    for (int c : community) {
      if (c < 0) {
        throw new IllegalArgumentException("community ids are >= 0, not " + c);
      }
      communities = Math.max(communities, c + 1);
    }
    double[] inside = new double[communities];
    double[] degrees = new double[communities];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double w = graph.weight(i, j);
        degrees[community[i]] += w;
        if (i < j && community[i] == community[j]) {
          inside[community[i]] += w;
        }
      }
    }
    double q = 0;
    for (int c = 0; c < communities; c++) {
      double share = degrees[c] / (2 * m);
      q += inside[c] / m - resolution * share * share;
    }
    return q;
  }
}
