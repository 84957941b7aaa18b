package org.vmflock.monitor.stats;

import java.util.List;

/** A VM a site's collector expects reports from, from {@code sincePeriod} on, sent by the sensor on {@code host}. */
public record RosterEntry(String vm, String host, String mac, List<String> addresses, long sincePeriod) {

  public RosterEntry {
    addresses = List.copyOf(addresses);
  }
}
