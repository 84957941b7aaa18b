package org.vmflock.emulate.lab;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names of everything a lab creates. Each lab has an id {@code vmfl-<owner pid in base 36>-<3
 * random characters>}; its namespaces, cgroups and run directory are named after it, so a sweep
 * can find what a dead process left ({@link LabSweeper}) and never touches a name without the
 * prefix. Interfaces only ever exist inside the lab's namespaces and vanish with them; they carry
 * the prefix too, except the VM's own {@code eth0}.
 */
final class LabNames {

  /** What every name the lab creates starts with. */
  static final String PREFIX = "vmfl-";

  /** A lab id, alone or at the start of a name followed by '-'. */
  private static final Pattern LAB_ID = Pattern.compile("(vmfl-([0-9a-z]{1,13})-[0-9a-z]{3})(-.*)?");

  /** Site and VM names: they become parts of namespace and cgroup names. */
  private static final Pattern ELEMENT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final int RANDOM_CHARACTERS = 3;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Where the labs' run directories live (a tmpfs: nothing survives a reboot). */
  static final Path RUN_ROOT = Path.of("/run");

  /** The site's LAN, in the site's namespace. */
  static final String BRIDGE = "vmfl-br";

  /** The VM's network interface, in the VM's namespace. */
  static final String VM_INTERFACE = "eth0";

  private LabNames() {}

  static String newLabId(long ownerPid) {
    StringBuilder id = new StringBuilder(PREFIX).append(Long.toString(ownerPid, 36)).append('-');
    for (int i = 0; i < RANDOM_CHARACTERS; i++) {
      id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }

  /** The lab id {@code name} belongs to, when it is a lab's name. */
  static Optional<String> labId(String name) {
    Matcher m = LAB_ID.matcher(name);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** The pid of the process that created lab {@code labId}. */
  static long ownerPid(String labId) {
    Matcher m = LAB_ID.matcher(labId);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a lab id: " + labId);
    }
    return Long.parseLong(m.group(2), 36);
  }

  static String checkElementName(String kind, String name) {
    if (name == null || !ELEMENT_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a " + kind + " name is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit: " + name);
    }
    return name;
  }

  static String wanNamespace(String labId) {
    return labId + "-wan";
  }

  static String siteNamespace(String labId, String site) {
    return labId + "-site-" + site;
  }

  static String vmNamespace(String labId, String vm) {
    return labId + "-vm-" + vm;
  }

  static Path runDirectory(String labId) {
    return RUN_ROOT.resolve(labId);
  }

  /** The cgroup of a VM, relative to the lab's cgroup. */
  static String vmCgroup(String vm) {
    return "vm-" + vm;
  }

  /** The cgroup of the forwarders, relative to the lab's cgroup. */
  static final String WAN_CGROUP = "wan";

  /** The site-side end of VM number {@code index}'s veth, a port of the site bridge (unique in the lab, so it can move). */
  static String vmPort(int index) {
    return VM_PORT_PREFIX + index;
  }

  static final String VM_PORT_PREFIX = "vmfl-v";

  /** In site {@code site}'s namespace, the bridge port of the link towards site {@code peer} (site indices). */
  static String wanPort(int peer) {
    return WAN_PORT_PREFIX + peer;
  }

  static final String WAN_PORT_PREFIX = "vmfl-w";

  /** In the WAN namespace, the end of the link between sites {@code site} and {@code peer} attached to {@code site}. */
  static String linkEnd(int site, int peer) {
    return "vmfl-l" + site + "x" + peer;
  }

  /** In every site's namespace, the bridge of virtual cluster number {@code n} (1-based) in a VXLAN federation. */
  static String clusterBridge(int n) {
    return CLUSTER_BRIDGE_PREFIX + n;
  }

  static final String CLUSTER_BRIDGE_PREFIX = "vmfl-o";

  /** In every site's namespace, the VTEP (vxlan device, VNI {@code n}) of virtual cluster number {@code n}, a port of its bridge. */
  static String vtep(int n) {
    return "vmfl-x" + n;
  }
}
