package org.vmflock.monitor.capture;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot of the kernel's SNMP counters of one network namespace, read from {@code
 * /proc/net/snmp} and {@code /proc/net/snmp6}.
 *
 * <p>Keys: for {@code /proc/net/snmp} (header line / value line pairs) {@code "Group.Name"}, e.g.
 * {@code "Tcp.InSegs"}, {@code "Udp.InDatagrams"}, {@code "Ip.InReceives"}; for {@code
 * /proc/net/snmp6} the name as written there, e.g. {@code "Ip6InReceives"}, {@code
 * "Udp6InDatagrams"}, {@code "Icmp6InMsgs"}.
 *
 * <p>Semantics worth knowing: the {@code Tcp} group counts TCP over IPv4 <em>and</em> IPv6 (Linux
 * has a single TCP MIB); {@code Udp} is IPv4 only and {@code Udp6} IPv6 only; {@code
 * Udp*InDatagrams} is counted when the application <em>reads</em> a datagram, not on arrival;
 * {@code Ip.InReceives} / {@code Ip6InReceives} count every IP packet handed to the stack (frames
 * for another MAC address are dropped before and not counted).
 */
public record SnmpCounters(Map<String, Long> values) {

  public SnmpCounters {
    values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  /** Parses the contents of {@code /proc/net/snmp} and {@code /proc/net/snmp6}. */
  public static SnmpCounters parse(List<String> snmp, List<String> snmp6) {
    Map<String, Long> values = new TreeMap<>();
    for (int i = 0; i + 1 < snmp.size(); i += 2) {
      String[] names = snmp.get(i).trim().split("\\s+");
      String[] numbers = snmp.get(i + 1).trim().split("\\s+");
      if (names.length != numbers.length || !names[0].equals(numbers[0]) || !names[0].endsWith(":")) {
        throw new IllegalArgumentException(
            "unexpected /proc/net/snmp lines: '" + snmp.get(i) + "' / '" + snmp.get(i + 1) + "'");
      }
      String group = names[0].substring(0, names[0].length() - 1);
      for (int k = 1; k < names.length; k++) {
        values.put(group + "." + names[k], Long.parseLong(numbers[k]));
      }
    }
    for (String line : snmp6) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2) {
        values.put(parts[0], Long.parseLong(parts[1]));
      }
    }
    return new SnmpCounters(values);
  }

  /** The counter called {@code key}; throws when the kernel does not report it. */
  public long get(String key) {
    Long value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no SNMP counter '" + key + "'");
    }
    return value;
  }

  /** {@code this - before}, counter by counter (keys of {@code this}). */
  public SnmpCounters minus(SnmpCounters before) {
    Map<String, Long> delta = new TreeMap<>();
    values.forEach((k, v) -> delta.put(k, v - before.values.getOrDefault(k, 0L)));
    return new SnmpCounters(delta);
  }

  /** IPv4 bytes received (IP headers included), from {@code /proc/net/netstat}. */
  public long ipInOctets() {
    return get("IpExt.InOctets");
  }

  /** IPv6 bytes received (IP headers included). */
  public long ip6InOctets() {
    return get("Ip6InOctets");
  }

  public long ipInReceives() {
    return get("Ip.InReceives");
  }

  public long ipOutRequests() {
    return get("Ip.OutRequests");
  }

  public long ip6InReceives() {
    return get("Ip6InReceives");
  }

  public long ip6OutRequests() {
    return get("Ip6OutRequests");
  }

  /** TCP segments received, IPv4 and IPv6 together. */
  public long tcpInSegs() {
    return get("Tcp.InSegs");
  }

  /** TCP segments sent (retransmissions excluded), IPv4 and IPv6 together. */
  public long tcpOutSegs() {
    return get("Tcp.OutSegs");
  }

  public long tcpRetransSegs() {
    return get("Tcp.RetransSegs");
  }

  public long udpInDatagrams() {
    return get("Udp.InDatagrams");
  }

  public long udpOutDatagrams() {
    return get("Udp.OutDatagrams");
  }

  public long udp6InDatagrams() {
    return get("Udp6InDatagrams");
  }

  public long udp6OutDatagrams() {
    return get("Udp6OutDatagrams");
  }

  public long icmpInMsgs() {
    return get("Icmp.InMsgs");
  }

  public long icmpOutMsgs() {
    return get("Icmp.OutMsgs");
  }

  public long icmp6InMsgs() {
    return get("Icmp6InMsgs");
  }

  public long icmp6OutMsgs() {
    return get("Icmp6OutMsgs");
  }

  @Override
  public String toString() {
    return "SnmpCounters[ip in=" + values.get("Ip.InReceives")
        + " ip6 in=" + values.get("Ip6InReceives")
        + " tcp in/out=" + values.get("Tcp.InSegs") + "/" + values.get("Tcp.OutSegs")
        + " udp in/out=" + values.get("Udp.InDatagrams") + "/" + values.get("Udp.OutDatagrams")
        + " udp6 in/out=" + values.get("Udp6InDatagrams") + "/" + values.get("Udp6OutDatagrams")
        + " icmp in/out=" + values.get("Icmp.InMsgs") + "/" + values.get("Icmp.OutMsgs")
        + " icmp6 in/out=" + values.get("Icmp6InMsgs") + "/" + values.get("Icmp6OutMsgs") + "]";
  }
}
