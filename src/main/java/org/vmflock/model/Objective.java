package org.vmflock.model;

import java.util.Locale;

/**
 * What an application's owner wants: the earliest finish, the lowest cost, or a balance of the two:
 * {@code timeWeight} of the remaining time and the rest of the remaining cost, each relative to a
 * reference. The reference is the application's outlook when the manager first decided for it
 * ({@code secondsScale}, {@code costScale}), fixed for the rest of its run so that every later
 * decision trades seconds for money at the same rate; until then (0), staying put as predicted now.
 */
public record Objective(Kind kind, double timeWeight, double secondsScale, double costScale) {

  public enum Kind { TIME, COST, BALANCED }

  public static final Objective TIME = new Objective(Kind.TIME, 1);
  public static final Objective COST = new Objective(Kind.COST, 0);

  public Objective {
    if (!(timeWeight >= 0 && timeWeight <= 1)) {
      throw new IllegalArgumentException("the time weight of an objective is between 0 and 1, not " + timeWeight);
    }
    if (!(secondsScale >= 0 && costScale >= 0) || !Double.isFinite(secondsScale) || !Double.isFinite(costScale)) {
      throw new IllegalArgumentException("the references of an objective are finite and not negative: " + secondsScale + " s, " + costScale);
    }
  }

  public Objective(Kind kind, double timeWeight) {
    this(kind, timeWeight, 0, 0);
  }

  /** Whether a balanced objective has its fixed reference yet (the other kinds need none). */
  public boolean referenced() {
    return kind != Kind.BALANCED || secondsScale > 0;
  }

  /** This objective measured against a fixed reference: {@code seconds} of remaining time, {@code cost} of remaining cost. */
  public Objective referencedTo(double seconds, double cost) {
    return new Objective(kind, timeWeight, seconds, cost);
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
    throw new IllegalArgumentException("unknown objective '" + Limits.quoted(text) + "' (expected time, cost, balanced or balanced:W with 0 <= W <= 1)");
  }

  @Override
  public String toString() {
    return kind == Kind.BALANCED ? "balanced:" + timeWeight : kind.name().toLowerCase(Locale.ROOT);
  }
}
