package org.vmflock.knowledge;

import java.time.Instant;
import org.vmflock.model.Site;
import org.vmflock.site.SiteEnvironment;

/**
 * Whether a site became more attractive: markedly cheaper for some size (hosting or transfer) or
 * faster, bigger, or available for longer. Such a change concerns applications running elsewhere
 * too; any other change concerns only those running there. A spot price that wavers by a few
 * percent does not make every application elsewhere a candidate to move (the periodic full
 * re-plan still sees small changes that add up).
 */
final class SiteChanges {

  /** A price must fall, or a speed rise, by this fraction to count. */
  static final double MARKED = 0.05;

  private SiteChanges() {}

  private static boolean fell(double after, double before) {
    return after < before * (1 - MARKED);
  }

  static boolean improved(SiteEnvironment before, SiteEnvironment after, Instant at) {
    if (before == null || before.site().isEmpty()) {
      return after.defined();
    }
    if (after.site().isEmpty()) {
      return false;
    }
    Site b = before.site().get();
    Site a = after.site().get();
    if (a.cpuSpeed() > b.cpuSpeed() * (1 + MARKED) || a.capacity().slots() > b.capacity().slots()
        || fell(a.transferPricePerGb(), b.transferPricePerGb())) {
      return true;
    }
    for (String size : a.hosting().prices().keySet()) {
      if (b.hosting().prices(size) && fell(a.hosting().pricePerVmHour(size, at), b.hosting().pricePerVmHour(size, at))) {
        return true;
      }
    }
    Instant untilBefore = b.availableUntil(at).orElse(at);
    Instant untilAfter = a.availableUntil(at).orElse(at);
    return untilAfter.isAfter(untilBefore);
  }
}
