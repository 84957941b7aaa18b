package org.vmflock.monitor.capture;

/**
 * Receives Ethernet frames in capture order. The frame's captured bytes are
 * {@code buffer[offset, offset + capturedLength)}; they are only valid during the call.
 */
@FunctionalInterface
public interface FrameSink {
  /**
   * @param timestampMicros capture time, microseconds since the Unix epoch
   * @param originalLength length of the frame on the wire (pcap {@code orig_len})
   * @param buffer bytes of the frame as captured (possibly cut to the snap length)
   * @param offset first byte of the frame in {@code buffer}
   * @param capturedLength number of captured bytes ({@code incl_len})
   */
  void frame(long timestampMicros, int originalLength, byte[] buffer, int offset, int capturedLength);
}
