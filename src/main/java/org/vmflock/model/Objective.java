package org.vmflock.model;

import java.util.Locale;

/**
 * What an application's owner wants: the earliest finish, the lowest cost, or a balance of the two
 * ({@code timeWeight} of the time, relative to staying put, and the rest of the cost).
 */
public record Objective(Kind kind, double timeWeight) {

  public enum Kind { TIME, COST, BALANCED }

  public static final Objective TIME = new Objective(Kind.TIME, 1);
  public static final Objective COST = new Objective(Kind.COST, 0);

  public Objective {
    if (!(timeWeight >= 0 && timeWeight <= 1)) {
      throw new IllegalArgumentException("the time weight of an objective is between 0 and 1, not " + timeWeight);
    }
  }

  public static Objective balanced(double timeWeight) {
    return new Objective(Kind.BALANCED, timeWeight);
  }

  /** {@code time}, {@code cost}, {@code balanced} (half and half) or {@code balanced:W}. */
  public static Objective parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("time")) {
      return TIME;
    }
    if (t.equals("cost")) {
      return COST;
    }
    if (t.equals("balanced")) {
      return balanced(0.5);
    }
    if (t.startsWith("balanced:")) {
      try {
        return balanced(Double.parseDouble(t.substring("balanced:".length())));
      } catch (NumberFormatException e) {
        // falls through
      }
    }
    throw new IllegalArgumentException("unknown objective '" + text + "' (expected time, cost, balanced or balanced:W with 0 <= W <= 1)");
  }

  @Override
  public String toString() {
    return kind == Kind.BALANCED ? "balanced:" + timeWeight : kind.name().toLowerCase(Locale.ROOT);
  }
}
