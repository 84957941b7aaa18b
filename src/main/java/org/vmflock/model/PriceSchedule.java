package org.vmflock.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Hosting prices per VM-hour, per VM size, changing over time: each size has a price from given
 * instants on. A size without prices of its own pays the {@link #ANY_SIZE} prices. Before the first
 * instant the first price applies; after the last, the last.
 */
public final class PriceSchedule {

  /** The prices of sizes not listed. */
  public static final String ANY_SIZE = "*";
  private static final double SECONDS_PER_HOUR = 3600;

  private final Map<String, NavigableMap<Instant, Double>> bySize;

  @JsonCreator
  public PriceSchedule(@JsonProperty("prices") Map<String, ? extends Map<Instant, Double>> pricesBySize) {
    Map<String, NavigableMap<Instant, Double>> copy = new TreeMap<>();
    pricesBySize.forEach((size, points) -> {
      if (points.isEmpty()) {
        throw new IllegalArgumentException("size " + size + " has no price");
      }
      points.forEach((t, p) -> {
        if (!(p >= 0) || Double.isInfinite(p)) {
          throw new IllegalArgumentException("price of size " + size + " at " + t + " must be a finite number >= 0, not " + p);
        }
      });
      copy.put(size, Collections.unmodifiableNavigableMap(new TreeMap<>(points)));
    });
    this.bySize = Collections.unmodifiableMap(copy);
  }

  /** One price for every size, at all times. */
  public static PriceSchedule flat(double pricePerVmHour) {
    return new PriceSchedule(Map.of(ANY_SIZE, Map.of(Instant.EPOCH, pricePerVmHour)));
  }

  @JsonProperty("prices")
  public Map<String, NavigableMap<Instant, Double>> prices() {
    return bySize;
  }

  private NavigableMap<Instant, Double> of(String size) {
    NavigableMap<Instant, Double> p = bySize.get(size);
    if (p == null) {
      p = bySize.get(ANY_SIZE);
    }
    if (p == null) {
      throw new IllegalArgumentException("no hosting price for VM size '" + size + "' (and no '*' price)");
    }
    return p;
  }

  @JsonIgnore
  public boolean prices(String size) {
    return bySize.containsKey(size) || bySize.containsKey(ANY_SIZE);
  }

  public double pricePerVmHour(String size, Instant t) {
    NavigableMap<Instant, Double> p = of(size);
    Map.Entry<Instant, Double> e = p.floorEntry(t);
    return e != null ? e.getValue() : p.firstEntry().getValue();
  }

  /** What one VM of {@code size} costs from {@code from} to {@code to}, the price changing on the way. */
  public double cost(String size, Instant from, Instant to) {
    if (!to.isAfter(from)) {
      return 0;
    }
    NavigableMap<Instant, Double> p = of(size);
    if (p.size() == 1) {
      return p.firstEntry().getValue() * seconds(from, to) / SECONDS_PER_HOUR;
    }
    double total = 0;
    Instant t = from;
    while (t.isBefore(to)) {
      Instant next = p.higherKey(t);
      Instant end = next == null || next.isAfter(to) ? to : next;
      total += pricePerVmHour(size, t) * seconds(t, end) / SECONDS_PER_HOUR;
      t = end;
    }
    return total;
  }

  /** A price of a size from an instant on. */
  public record Step(String size, Instant at, double pricePerVmHour) {}

  /**
   * What is known of this schedule at {@code t}: each size's prices up to {@code t}; a size whose
   * prices all lie ahead starts at its first one. The rest comes as {@link #stepsAfter}.
   */
  public PriceSchedule knownAt(Instant t) {
    Map<String, Map<Instant, Double>> known = new TreeMap<>();
    bySize.forEach((size, points) -> {
      NavigableMap<Instant, Double> before = points.headMap(t, true);
      known.put(size, before.isEmpty() ? Map.of(points.firstKey(), points.firstEntry().getValue()) : before);
    });
    return new PriceSchedule(known);
  }

  /** The prices that {@link #knownAt knownAt(t)} leaves out, by instant (then size). */
  public java.util.List<Step> stepsAfter(Instant t) {
    java.util.List<Step> steps = new java.util.ArrayList<>();
    bySize.forEach((size, points) -> points.tailMap(t, false).forEach((at, price) -> {
      if (!at.equals(points.firstKey())) {
        steps.add(new Step(size, at, price));
      }
    }));
    steps.sort(java.util.Comparator.comparing(Step::at));
    return steps;
  }

  /**
   * The same schedule with {@code size}'s price set to {@code price} from {@code at} on; with
   * {@link #ANY_SIZE}, every size's: a price for all sizes means all of them, whatever they cost before.
   */
  public PriceSchedule withPrice(String size, Instant at, double price) {
    Map<String, Map<Instant, Double>> next = new TreeMap<>(bySize);
    if (size.equals(ANY_SIZE)) {
      for (String s : bySize.keySet()) {
        TreeMap<Instant, Double> points = new TreeMap<>(bySize.get(s));
        points.tailMap(at, true).clear();
        points.put(at, price);
        next.put(s, points);
      }
      next.putIfAbsent(ANY_SIZE, Map.of(at, price));
      return new PriceSchedule(next);
    }
    // a size priced for the first time keeps the common prices before the change
    TreeMap<Instant, Double> points = new TreeMap<>(bySize.containsKey(size) ? bySize.get(size)
        : bySize.getOrDefault(ANY_SIZE, new TreeMap<>()));
    points.tailMap(at, true).clear();
    points.put(at, price);
    next.put(size, points);
    return new PriceSchedule(next);
  }

  /** The same schedule without the prices that ended before {@code since} (the one in force then is kept). */
  public PriceSchedule from(Instant since) {
    Map<String, Map<Instant, Double>> kept = new TreeMap<>();
    boolean trimmed = false;
    for (Map.Entry<String, NavigableMap<Instant, Double>> e : bySize.entrySet()) {
      Instant floor = e.getValue().floorKey(since);
      if (floor == null || floor.equals(e.getValue().firstKey())) {
        kept.put(e.getKey(), e.getValue());
      } else {
        kept.put(e.getKey(), e.getValue().tailMap(floor, true));
        trimmed = true;
      }
    }
    return trimmed ? new PriceSchedule(kept) : this;
  }

  private static double seconds(Instant a, Instant b) {
    return (b.toEpochMilli() - a.toEpochMilli()) / 1000.0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PriceSchedule s && s.bySize.equals(bySize);
  }

  @Override
  public int hashCode() {
    return bySize.hashCode();
  }

  @Override
  public String toString() {
    return "PriceSchedule" + bySize;
  }
}
