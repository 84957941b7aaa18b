package org.vmflock.monitor.stats;

import java.util.List;
import org.vmflock.CborSerializable;

/** What a site's collector tells the global view about a range of periods. */
public record SiteSnapshot(String site, List<RosterEntry> roster, List<SitePeriod> periods, long newestPeriod, long prunedThrough)
    implements CborSerializable {

  public SiteSnapshot {
    roster = List.copyOf(roster);
    periods = List.copyOf(periods);
  }

  public static SiteSnapshot of(SiteStatistics s, long fromPeriod, long toPeriod) {
    return new SiteSnapshot(s.site(), List.copyOf(s.roster().values()), s.periodsBetween(fromPeriod, toPeriod), s.newestPeriod(), s.prunedThrough());
  }
}
