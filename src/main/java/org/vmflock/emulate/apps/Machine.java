package org.vmflock.emulate.apps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a measurement records of the machine it ran on. */
public final class Machine {

  private Machine() {}

  /** The 1-minute load average now, or NaN where /proc/loadavg cannot be read. */
  public static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
