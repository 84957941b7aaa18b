package org.vmflock.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The predictions no other beats on both remaining time and cost, fastest first. */
public final class ParetoFront {

  private ParetoFront() {}

  public static List<Prediction> of(List<Prediction> predictions) {
    Map<String, Prediction> unique = new LinkedHashMap<>();
    predictions.stream().filter(Prediction::acceptable).forEach(p -> unique.putIfAbsent(p.placement().toString(), p));
    List<Prediction> sorted = new ArrayList<>(unique.values());
    sorted.sort(Comparator.comparingDouble(Prediction::remainingSeconds)
        .thenComparingDouble(p -> p.cost().total())
        .thenComparing(p -> p.placement().toString()));
    List<Prediction> front = new ArrayList<>();
    double cheapest = Double.POSITIVE_INFINITY;
    for (Prediction p : sorted) {
      if (p.cost().total() < cheapest) {
        front.add(p);
        cheapest = p.cost().total();
      }
    }
    return front;
  }
}
