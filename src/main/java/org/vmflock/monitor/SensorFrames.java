package org.vmflock.monitor;

import java.util.concurrent.atomic.LongAdder;

/**
 * Frames the sensors of this JVM counted, all periods together: the node's metrics read it
 * ({@code vmflock_sensor_frames_total}). Process-wide because the sensors run inside capture code
 * the node does not construct.
 */
public final class SensorFrames {

  private static final LongAdder FRAMES = new LongAdder();

  private SensorFrames() {}

  static void count(long frames) {
    FRAMES.add(frames);
  }

  public static long total() {
    return FRAMES.sum();
  }
}
