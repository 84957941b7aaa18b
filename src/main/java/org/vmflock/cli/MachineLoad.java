package org.vmflock.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How busy the machine is, for the benchmarks that measure real time to say so. */
final class MachineLoad {

  private MachineLoad() {}

  /** The load averages over 1, 5 and 15 minutes, as {@code /proc/loadavg} gives them; "unknown" where it cannot be read. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
