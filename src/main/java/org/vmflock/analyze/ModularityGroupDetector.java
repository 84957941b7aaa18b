package org.vmflock.analyze;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import nl.cwts.networkanalysis.Clustering;
import nl.cwts.networkanalysis.LeidenAlgorithm;
import nl.cwts.networkanalysis.Network;
import nl.cwts.util.LargeDoubleArray;
import nl.cwts.util.LargeIntArray;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;

/**
 * Group detection by modularity (A2): the Leiden algorithm of Traag, Waltman and van Eck, from their
 * own library (CWTS {@code networkanalysis}), set up for modularity exactly as its
 * {@code RunNetworkClustering} tool does.
 *
 * <p>The graph is undirected: a VM per node, an edge per VM pair whose traffic (both directions)
 * reaches the noise floor, weighted by that traffic. Node weights are the nodes' total edge weights
 * and the resolution is divided by {@code 2m} (m = total edge weight), which turns the library's
 * CPM quality into modularity. Each of {@code random-starts} starts runs {@code iterations} Leiden
 * iterations from singletons; the partition of highest modularity is kept (the first one on ties).
 * One {@link Random} seeded with {@code seed} drives all starts, so the result is reproducible.
 * Communities of one VM are not groups; groups have threshold 0 (modularity has none).
 */
public final class ModularityGroupDetector implements GroupDetector {

  public static final String ALGORITHM = "modularity";

  private final TrafficMetric metric;
  private final double noiseFloorPerSecond;
  private final double resolution;
  private final long seed;
  private final int iterations;
  private final int randomStarts;

  public ModularityGroupDetector(TrafficMetric metric, double noiseFloorPerSecond, double resolution, long seed, int iterations, int randomStarts) {
    if (!(resolution > 0) || Double.isInfinite(resolution)) {
      throw new IllegalArgumentException("the resolution must be a finite number > 0, not " + resolution);
    }
    if (iterations < 1 || randomStarts < 1) {
      throw new IllegalArgumentException("iterations and random starts must be at least 1, not " + iterations + " and " + randomStarts);
    }
    this.metric = metric;
    this.noiseFloorPerSecond = noiseFloorPerSecond;
    this.resolution = resolution;
    this.seed = seed;
    this.iterations = iterations;
    this.randomStarts = randomStarts;
  }

  public ModularityGroupDetector(GroupingSettings s) {
    this(s.metric(), s.noiseFloorPerSecond(), s.resolution(), s.seed(), s.iterations(), s.randomStarts());
  }

  @Override
  public String algorithm() {
    return ALGORITHM;
  }

  @Override
  public Grouping detect(TrafficMatrix traffic, Duration covered) {
    TrafficGraph graph = TrafficGraph.of(traffic, metric, covered, noiseFloorPerSecond);
    int[] community = communities(graph);
    int count = 0;
    for (int c : community) {
      count = Math.max(count, c + 1);
    }
    List<List<Integer>> members = new ArrayList<>();
    for (int c = 0; c < count; c++) {
      members.add(new ArrayList<>());
    }
    for (int vm = 0; vm < community.length; vm++) {
      members.get(community[vm]).add(vm);
    }
    return Grouping.of(ALGORITHM, graph, members, members.stream().map(m -> 0.0).toList());
  }

  /** The community of each VM (matrix order) in the best partition found. */
  int[] communities(TrafficGraph graph) {
    int n = graph.size();
    double m = graph.totalWeight();
    if (m == 0) {
      // no edge: every VM alone (the library would divide by zero)
      int[] alone = new int[n];
      for (int i = 0; i < n; i++) {
        alone[i] = i;
      }
      return alone;
    }
    Network network = network(graph);
    // as RunNetworkClustering for MODULARITY: resolution / (2m + self links), none here
    double scaled = resolution / (2 * network.getTotalEdgeWeight() + network.getTotalEdgeWeightSelfLinks());
    Random random = new Random(seed);
    LeidenAlgorithm leiden = new LeidenAlgorithm(scaled, iterations, LeidenAlgorithm.DEFAULT_RANDOMNESS, random);
    Clustering best = null;
    double bestQuality = Double.NEGATIVE_INFINITY;
    for (int start = 0; start < randomStarts; start++) {
      Clustering clustering = new Clustering(n);
      leiden.improveClustering(network, clustering);
      double quality = leiden.calcQuality(network, clustering);
      if (quality > bestQuality) {
        best = clustering;
        bestQuality = quality;
      }
    }
    return best.getClusters();
  }

  /** The library's network: each edge once (i < j), node weights = total edge weights. */
  static Network network(TrafficGraph graph) {
    int n = graph.size();
    List<int[]> edges = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        if (graph.isEdge(i, j)) {
          edges.add(new int[] {i, j});
        }
      }
    }
    int[] from = new int[edges.size()];
    int[] to = new int[edges.size()];
    double[] weights = new double[edges.size()];
    for (int e = 0; e < edges.size(); e++) {
      from[e] = edges.get(e)[0];
      to[e] = edges.get(e)[1];
      weights[e] = graph.weight(from[e], to[e]);
    }
    LargeIntArray[] endpoints = {new LargeIntArray(from), new LargeIntArray(to)};
    return new Network(n, true, endpoints, new LargeDoubleArray(weights), false, true);
  }
}
