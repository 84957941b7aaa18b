package org.vmflock.knowledge;

import java.time.Instant;
import org.vmflock.model.Site;
import org.vmflock.site.SiteEnvironment;

/**
 * Whether a site became more attractive: markedly cheaper for some size (hosting or transfer) or
 * faster, bigger, or available for longer. Such a change concerns applications running elsewhere
 * too; any other change concerns only those running there. A spot price that wavers by a few
 * percent does not make every application elsewhere a candidate to move (the periodic full
 * re-plan still sees small changes that add up). The manager decides it when it hears of the
 * change, with its configured threshold, and records the answer in the event.
 */
public final class SiteChanges {

  /** The threshold of release 0.1, which decided it while folding its events. */
  static final double LEGACY_MARKED = 0.05;

  private SiteChanges() {}

  /** Whether {@code after} is markedly ({@code marked}, a fraction) more attractive than {@code before} at {@code at}. */
  public static boolean improved(SiteEnvironment before, SiteEnvironment after, Instant at, double marked) {
    if (before == null || before.site().isEmpty()) {
      return after.defined();
    }
    if (after.site().isEmpty()) {
      return false;
    }
    Site b = before.site().get();
    Site a = after.site().get();
    if (a.cpuSpeed() > b.cpuSpeed() * (1 + marked) || a.capacity().slots() > b.capacity().slots()
        || fell(a.transferPricePerGb(), b.transferPricePerGb(), marked)) {
      return true;
    }
    for (String size : a.hosting().prices().keySet()) {
      if (b.hosting().prices(size) && fell(a.hosting().pricePerVmHour(size, at), b.hosting().pricePerVmHour(size, at), marked)) {
        return true;
      }
    }
    Instant untilBefore = b.availableUntil(at).orElse(at);
    Instant untilAfter = a.availableUntil(at).orElse(at);
    return untilAfter.isAfter(untilBefore);
  }

  /** Whether the environment is different (prices, capacity, speed, availability, links or quota). */
  public static boolean changed(SiteEnvironment before, SiteEnvironment after) {
    return before == null || !before.equals(after);
  }

  private static boolean fell(double after, double before, double marked) {
    return after < before * (1 - marked);
  }
}
