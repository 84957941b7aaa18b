package org.vmflock.knowledge;

import java.time.Instant;
import org.vmflock.model.Site;
import org.vmflock.site.SiteEnvironment;

/**
 * Whether a site became more attractive: cheaper for some size, faster, bigger, or available for
 * longer. Such a change concerns applications running elsewhere too; any other change concerns
 * only those running there.
 */
final class SiteChanges {

  private SiteChanges() {}

  static boolean improved(SiteEnvironment before, SiteEnvironment after, Instant at) {
    if (before == null || before.site().isEmpty()) {
      return after.defined();
    }
    if (after.site().isEmpty()) {
      return false;
    }
    Site b = before.site().get();
    Site a = after.site().get();
    if (a.cpuSpeed() > b.cpuSpeed() || a.capacity().slots() > b.capacity().slots() || a.transferPricePerGb() < b.transferPricePerGb()) {
      return true;
    }
    for (String size : a.hosting().prices().keySet()) {
      if (b.hosting().prices(size) && a.hosting().pricePerVmHour(size, at) < b.hosting().pricePerVmHour(size, at)) {
        return true;
      }
    }
    Instant untilBefore = b.availableUntil(at).orElse(at);
    Instant untilAfter = a.availableUntil(at).orElse(at);
    return untilAfter.isAfter(untilBefore);
  }
}
