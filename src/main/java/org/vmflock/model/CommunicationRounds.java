package org.vmflock.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How an application's communication is organised in rounds (P1): which VMs exchange in each round
 * and how rounds follow each other, per work second. VMs are numbered as in the application's
 * traffic matrix ({@link TrafficMatrix#vms()}). Empty: not known (the estimator then takes every
 * round as a barrier among all the VMs that talk, the {@link Workload#syncsPerWork()} of old).
 *
 * <p>Two kinds of round: an <em>exchange</em> (halo swap, a stage of a reduction, an all-to-all,
 * a barrier) in which the hops are concurrent, so a round waits once for its slowest hop; and a
 * <em>pipeline</em> sweep (LU's wavefront), whose hops depend on each other along the sweep's
 * direction, so a sweep waits once for each slow hop on its longest chain, not once per stage.
 */
public record CommunicationRounds(List<RoundClass> classes) {

  /** Nothing known about the rounds. */
  public static final CommunicationRounds UNKNOWN = new CommunicationRounds(List.of());

  /** The two shapes a round can have. */
  public enum Kind {
    EXCHANGE, PIPELINE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A message path of a round: from one VM to another (indices into the traffic matrix's VMs). */
  public record Hop(int from, int to) {
    public Hop {
      if (from < 0 || to < 0 || from == to) {
        throw new IllegalArgumentException("a hop joins two different VMs, not " + from + " -> " + to);
      }
    }
  }

  /**
   * Rounds of one shape over the same hops.
   *
   * @param perWork how many such rounds per work second
   * @param hops the VM pairs that exchange in each (a pipeline's in the sweep's direction)
   */
  public record RoundClass(Kind kind, double perWork, List<Hop> hops) {
    public RoundClass {
      if (!(perWork >= 0) || Double.isInfinite(perWork)) {
        throw new IllegalArgumentException("rounds per work second are finite and >= 0, not " + perWork);
      }
      if (hops.isEmpty()) {
        throw new IllegalArgumentException("a round has at least one hop");
      }
      hops = List.copyOf(hops);
    }

    public RoundClass scaled(double factor) {
      return new RoundClass(kind, perWork * factor, hops);
    }
  }

  public CommunicationRounds {
    classes = classes == null ? List.of() : List.copyOf(classes);
  }

  public boolean known() {
    return !classes.isEmpty();
  }

  /** Rounds per work second, a pipeline sweep counting once. */
  public double roundsPerWork() {
    return classes.stream().mapToDouble(RoundClass::perWork).sum();
  }

  /** The same rounds, {@code factor} times as many per work second (a new work unit). */
  public CommunicationRounds scaled(double factor) {
    return new CommunicationRounds(classes.stream().map(c -> c.scaled(factor)).toList());
  }

  /**
   * The same rounds for a matrix whose VMs are {@code to} where they were {@code from} (a new order
   * of the same VMs, or renamed in place); unknown when the VMs differ.
   */
  public CommunicationRounds renumbered(List<String> from, List<String> to) {
    if (from.equals(to) || !known()) {
      return this;
    }
    if (from.size() != to.size() || !new java.util.HashSet<>(from).equals(new java.util.HashSet<>(to))) {
      return UNKNOWN;
    }
    int[] index = new int[from.size()];
    for (int i = 0; i < from.size(); i++) {
      index[i] = to.indexOf(from.get(i));
    }
    return new CommunicationRounds(classes.stream().map(c -> new RoundClass(c.kind(), c.perWork(),
        c.hops().stream().map(h -> new Hop(index[h.from()], index[h.to()])).toList())).toList());
  }

  /** Checks every hop names one of {@code vms} VMs. */
  public void requireVms(int vms, String where) {
    for (RoundClass c : classes) {
      for (Hop h : c.hops()) {
        if (h.from() >= vms || h.to() >= vms) {
          throw new IllegalArgumentException(where + ": a round's hop " + (h.from() + 1) + " -> " + (h.to() + 1)
              + " names a VM beyond the " + vms + " of its traffic matrix");
        }
      }
    }
  }

  /**
   * What the rounds are when only a matrix is known: {@code perWork} exchange rounds among every pair
   * that talks (bytes above {@code floorBytes} either way): the barrier count of old, made explicit.
   */
  public static CommunicationRounds allTalking(TrafficMatrix perWork, double roundsPerWork, double floorBytes) {
    List<Hop> hops = new ArrayList<>();
    int n = perWork.size();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i != j && perWork.bytes(i, j) > floorBytes) {
          hops.add(new Hop(i, j));
        }
      }
    }
    if (hops.isEmpty() || roundsPerWork == 0) {
      return UNKNOWN;
    }
    return new CommunicationRounds(List.of(new RoundClass(Kind.EXCHANGE, roundsPerWork, hops)));
  }
}
