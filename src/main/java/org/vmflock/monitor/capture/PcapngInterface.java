package org.vmflock.monitor.capture;

/**
 * What a pcapng Interface Description Block says about the packets that refer to it.
 *
 * @param snapLength the interface's snap length, 0 for none
 * @param maxCaptured largest valid captured length of its packets
 * @param scale how its timestamps convert to microseconds
 */
record PcapngInterface(int snapLength, int maxCaptured, TimestampScale scale) {
  static PcapngInterface of(int snapLength, TimestampScale scale) {
    return new PcapngInterface(snapLength, CaptureLimits.maxCaptured(snapLength), scale);
  }
}
