package org.vmflock.monitor.capture;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/** Test sink: keeps a comparable summary of each frame and which arrays the frames came from. */
final class FrameCollector implements FrameSink {
  /** A frame as received; {@code data} is hex for small frames, a CRC for large ones. */
  record Frame(long micros, int original, int captured, String data) {}

  private static final int HEX_LIMIT = 64;

  final List<Frame> frames = new ArrayList<>();
  final Set<Integer> bufferIdentities = new HashSet<>();

  @Override
  public void frame(
      long timestampMicros, int originalLength, byte[] buffer, int offset, int capturedLength) {
    bufferIdentities.add(System.identityHashCode(buffer));
    String data;
    if (capturedLength <= HEX_LIMIT) {
      data = HexFormat.of().formatHex(buffer, offset, offset + capturedLength);
    } else {
      CRC32 crc = new CRC32();
      crc.update(buffer, offset, capturedLength);
      data = "crc:" + Long.toHexString(crc.getValue());
    }
    frames.add(new Frame(timestampMicros, originalLength, capturedLength, data));
  }

  static Frame frame(long micros, int original, byte[] data) {
    return new Frame(micros, original, data.length, HexFormat.of().formatHex(data));
  }

  static Frame frameSlice(long micros, int original, byte[] data, int offset, int length) {
    FrameCollector c = new FrameCollector();
    c.frame(micros, original, data, offset, length);
    return c.frames.get(0);
  }
}
