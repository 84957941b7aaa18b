package org.vmflock.monitor.traffic;

import java.util.List;

/**
 * One VM's traffic in one period, as its sensor counts it (M1): the frames it received, per source
 * address; the frames it sent to the configured file servers, per file-server address; and the
 * non-IP frames it received (ARP and the like), counted but not attributed to a peer.
 */
public record VmTraffic(
    String vm,
    long period,
    List<PeerTraffic> received,
    List<PeerTraffic> sentToFileServers,
    long nonIpFrames,
    long nonIpBytes) {

  public VmTraffic {
    received = List.copyOf(received);
    sentToFileServers = List.copyOf(sentToFileServers);
  }

  public static VmTraffic empty(String vm, long period) {
    return new VmTraffic(vm, period, List.of(), List.of(), 0, 0);
  }

  /** Every frame counted: received (IP or not) and sent to the file servers. */
  public long frames() {
    return receivedPackets() + nonIpFrames + sentToFileServers.stream().mapToLong(PeerTraffic::packets).sum();
  }

  public long receivedPackets() {
    return received.stream().mapToLong(PeerTraffic::packets).sum();
  }

  public long receivedBytes() {
    return received.stream().mapToLong(PeerTraffic::bytes).sum();
  }
}
