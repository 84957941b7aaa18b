package org.vmflock.model;

import java.util.List;
import java.util.regex.Pattern;

/**
 * How the monitoring plane recognises a VM on the wire: its virtual NIC's MAC address and its IP
 * addresses (IPv4 and/or IPv6), and the site that hosts it.
 */
public record VmEndpoint(String vm, String site, MacAddress mac, List<IpAddress> addresses) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public VmEndpoint {
    requireName("VM", vm);
    requireName("site", site);
    addresses = List.copyOf(addresses);
  }

  /** VM and site names end up in persistence ids, file names and URLs: keep them plain. */
  public static String requireName(String kind, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid " + kind + " name '" + (name == null ? null : Limits.quoted(name)) + "' (letters, digits, '.', '_' or '-', at most 64, starting with a letter or digit)");
    }
    return name;
  }
}
