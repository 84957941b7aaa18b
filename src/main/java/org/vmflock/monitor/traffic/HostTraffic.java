package org.vmflock.monitor.traffic;

/**
 * What one capture saw in one period that belongs to no VM of its host: unicast frames for MACs it
 * does not know, multicast and broadcast frames, and frames too short to classify. Counted so that
 * nothing is dropped silently.
 */
public record HostTraffic(
    String host,
    long period,
    long unknownDestinationFrames,
    long unknownDestinationBytes,
    long multicastFrames,
    long multicastBytes,
    long malformedFrames,
    long malformedBytes) {

  public HostTraffic plus(HostTraffic o) {
    return new HostTraffic(
        host,
        period,
        unknownDestinationFrames + o.unknownDestinationFrames,
        unknownDestinationBytes + o.unknownDestinationBytes,
        multicastFrames + o.multicastFrames,
        multicastBytes + o.multicastBytes,
        malformedFrames + o.malformedFrames,
        malformedBytes + o.malformedBytes);
  }

  public long frames() {
    return unknownDestinationFrames + multicastFrames + malformedFrames;
  }
}
