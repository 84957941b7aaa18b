package org.vmflock.emulate.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What a machine needs to host a lab, checked before anything is created. */
final class LabPreconditions {

  /** Commands the lab runs, and the Debian package of each. */
  private static final List<List<String>> COMMANDS = List.of(List.of("ip", "iproute2"), List.of("sysctl", "procps"));

  private LabPreconditions() {}

  /** Throws a LabUnavailableException listing everything missing; returns the cgroup hierarchy to use. */
  static CgroupHierarchy check() {
    List<String> missing = new ArrayList<>();
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      throw new LabUnavailableException("the emulated federation needs Linux (network namespaces, cgroups), not " + System.getProperty("os.name"));
    }
    long uid = effectiveUid();
    if (uid != 0) {
      missing.add("root (it creates network namespaces and cgroups; running as uid " + uid + "): run it as root or with sudo");
    }
    for (List<String> command : COMMANDS) {
      if (HostCommands.locate(command.get(0)).isEmpty()) {
        missing.add("the command " + command.get(0) + ": apt-get install " + command.get(1));
      }
    }
    CgroupHierarchy hierarchy = null;
    try {
      hierarchy = CgroupHierarchy.detect();
    } catch (LabUnavailableException e) {
      missing.add(e.getMessage());
    }
    String tool = LabTool.problem();
    if (!tool.isEmpty()) {
      missing.add(tool);
    }
    if (!missing.isEmpty()) {
      throw new LabUnavailableException("the emulated federation cannot run here; it needs " + String.join("; ", missing));
    }
    return hierarchy;
  }

  /** Why a lab cannot run here, or empty (for tests that skip). */
  static String problem() {
    try {
      check();
      return "";
    } catch (LabUnavailableException e) {
      return e.getMessage();
    }
  }

  private static long effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
