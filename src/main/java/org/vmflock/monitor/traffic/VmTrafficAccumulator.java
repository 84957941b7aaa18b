package org.vmflock.monitor.traffic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.vmflock.model.IpAddress;

/** Adds up the pieces of one VM's traffic in one period that arrive in several batches. */
public final class VmTrafficAccumulator {

  private final String vm;
  private final long period;
  private final Map<String, long[]> received = new HashMap<>();
  private final Map<String, long[]> sentToFileServers = new HashMap<>();
  private long nonIpFrames;
  private long nonIpBytes;

  public VmTrafficAccumulator(String vm, long period) {
    this.vm = vm;
    this.period = period;
  }

  public void add(VmTraffic delta) {
    if (!delta.vm().equals(vm) || delta.period() != period) {
      throw new IllegalArgumentException("traffic of " + delta.vm() + "@" + delta.period() + " added to " + vm + "@" + period);
    }
    addAll(received, delta.received());
    addAll(sentToFileServers, delta.sentToFileServers());
    nonIpFrames += delta.nonIpFrames();
    nonIpBytes += delta.nonIpBytes();
  }

  private static void addAll(Map<String, long[]> into, List<PeerTraffic> peers) {
    for (PeerTraffic p : peers) {
      long[] c = into.computeIfAbsent(p.address(), a -> new long[2]);
      c[0] += p.packets();
      c[1] += p.bytes();
    }
  }

  public VmTraffic build() {
    return new VmTraffic(vm, period, sorted(received), sorted(sentToFileServers), nonIpFrames, nonIpBytes);
  }

  /** Peers in address order, so that equal traffic gives equal reports. */
  private static List<PeerTraffic> sorted(Map<String, long[]> peers) {
    List<Map.Entry<IpAddress, long[]>> entries = new ArrayList<>();
    peers.forEach((a, c) -> entries.add(Map.entry(IpAddress.parse(a), c)));
    entries.sort(Map.Entry.comparingByKey());
    return entries.stream().map(e -> new PeerTraffic(e.getKey().toString(), e.getValue()[0], e.getValue()[1])).toList();
  }
}
