package org.vmflock.monitor.capture;

import java.util.Map;

/** Link-layer header types (tcpdump.org LINKTYPE_ values); vmflock only reads Ethernet. */
final class LinkTypes {
  static final int ETHERNET = 1;

  private static final Map<Integer, String> NAMES =
      Map.of(
          0, "NULL",
          ETHERNET, "EN10MB",
          101, "RAW",
          105, "IEEE802_11",
          113, "LINUX_SLL",
          127, "IEEE802_11_RADIOTAP",
          276, "LINUX_SLL2");

  private LinkTypes() {}

  /** "113 (LINUX_SLL)" for the known ones, the bare number otherwise. */
  static String describe(int linkType) {
    String name = NAMES.get(linkType);
    return name == null ? Integer.toString(linkType) : linkType + " (" + name + ")";
  }

  /** The detail of the error for a non-Ethernet capture; {@code where} may be empty. */
  static String unsupported(int linkType, String where) {
    return "unsupported link type "
        + describe(linkType)
        + where
        + "; vmflock reads Ethernet captures (link type "
        + ETHERNET
        + ")";
  }
}
