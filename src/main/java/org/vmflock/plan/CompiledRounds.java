package org.vmflock.plan;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.CommunicationRounds.Hop;
import org.vmflock.model.CommunicationRounds.Kind;
import org.vmflock.model.CommunicationRounds.RoundClass;

/**
 * An application's rounds in arrays, for the estimator's inner loop: per class its hops as two
 * index arrays and, for a pipeline, its VMs in the sweep's order (a pipeline whose hops form a cycle
 * is taken as an exchange: it has no order to sweep in). Also what the simulator's truth replays
 * ({@code org.vmflock.simulate.truth}).
 */
public final class CompiledRounds {

  /** One class of rounds. */
  public static final class Compiled {
    public final boolean pipeline;
    public final double perWork;
    public final int[] from;
    public final int[] to;
    public final int[] order; // pipelines: VMs in topological order of the hops; empty otherwise

    Compiled(boolean pipeline, double perWork, int[] from, int[] to, int[] order) {
      this.pipeline = pipeline;
      this.perWork = perWork;
      this.from = from;
      this.to = to;
      this.order = order;
    }
  }

  public final List<Compiled> classes;
  public final int vms;

  private CompiledRounds(List<Compiled> classes, int vms) {
    this.classes = List.copyOf(classes);
    this.vms = vms;
  }

  public static CompiledRounds of(CommunicationRounds rounds, int vms) {
    List<Compiled> out = new ArrayList<>();
    for (RoundClass c : rounds.classes()) {
      int k = c.hops().size();
      int[] from = new int[k];
      int[] to = new int[k];
      for (int i = 0; i < k; i++) {
        Hop h = c.hops().get(i);
        from[i] = h.from();
        to[i] = h.to();
      }
      int[] order = c.kind() == Kind.PIPELINE ? topologicalOrder(from, to, vms) : new int[0];
      if (order.length > 0) {
        sortByPosition(from, to, order);
      }
      out.add(new Compiled(c.kind() == Kind.PIPELINE && order.length > 0, c.perWork(), from, to, order));
    }
    return new CompiledRounds(out, vms);
  }

  /** Sorts the hops by their sender's place in {@code order}: one pass then relaxes a longest path. */
  private static void sortByPosition(int[] from, int[] to, int[] order) {
    int[] position = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      position[order[i]] = i;
    }
    Integer[] idx = new Integer[from.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    java.util.Arrays.sort(idx, java.util.Comparator.comparingInt(i -> position[from[i]]));
    int[] f = from.clone();
    int[] t = to.clone();
    for (int i = 0; i < idx.length; i++) {
      from[i] = f[idx[i]];
      to[i] = t[idx[i]];
    }
  }

  /** The VMs in an order where every hop goes forward (Kahn); empty when the hops form a cycle. */
  private static int[] topologicalOrder(int[] from, int[] to, int vms) {
    int[] indegree = new int[vms];
    List<List<Integer>> next = new ArrayList<>();
    for (int v = 0; v < vms; v++) {
      next.add(new ArrayList<>());
    }
    for (int i = 0; i < from.length; i++) {
      indegree[to[i]]++;
      next.get(from[i]).add(to[i]);
    }
    Deque<Integer> ready = new ArrayDeque<>();
    for (int v = 0; v < vms; v++) {
      if (indegree[v] == 0) {
        ready.add(v);
      }
    }
    int[] order = new int[vms];
    int n = 0;
    while (!ready.isEmpty()) {
      int v = ready.poll();
      order[n++] = v;
      for (int w : next.get(v)) {
        if (--indegree[w] == 0) {
          ready.add(w);
        }
      }
    }
    return n == vms ? order : new int[0];
  }
}
