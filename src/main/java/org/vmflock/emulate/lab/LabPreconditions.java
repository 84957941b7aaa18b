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
    String privileges = missingPrivileges(status());
    if (!privileges.isEmpty()) {
      missing.add(privileges);
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
    try {
      LabTool.path();
    } catch (LabUnavailableException e) {
      missing.add(e.getMessage());
    } catch (RuntimeException e) {
      missing.add("its helper built, which failed: " + e.getMessage());
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

  /** Bits of the capabilities the lab uses (linux/capability.h). */
  private static final int CAP_NET_ADMIN = 12;
  private static final int CAP_SYS_ADMIN = 21;

  /**
   * What is missing of root's powers, from {@code /proc/self/status}: uid 0 (the cgroup and
   * namespace files belong to root), CAP_NET_ADMIN (interfaces) and CAP_SYS_ADMIN (namespaces).
   */
  static String missingPrivileges(List<String> status) {
    long uid = -1;
    long capabilities = 0;
    for (String line : status) {
      if (line.startsWith("Uid:")) {
        uid = Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
      } else if (line.startsWith("CapEff:")) {
        capabilities = Long.parseUnsignedLong(line.substring(7).trim(), 16);
      }
    }
    List<String> lacking = new ArrayList<>();
    if ((capabilities & (1L << CAP_NET_ADMIN)) == 0) {
      lacking.add("CAP_NET_ADMIN");
    }
    if ((capabilities & (1L << CAP_SYS_ADMIN)) == 0) {
      lacking.add("CAP_SYS_ADMIN");
    }
    if (uid == 0 && lacking.isEmpty()) {
      return "";
    }
    return "root (it creates network namespaces, interfaces and cgroups; running as uid " + uid
        + (lacking.isEmpty() ? "" : " without " + String.join(" and ", lacking)) + "): run it as root, e.g. with sudo";
  }

  private static List<String> status() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status"));
    } catch (IOException e) {
      return List.of();
    }
  }
}
