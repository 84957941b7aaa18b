package org.vmflock.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The VMs the monitoring plane knows, in a fixed order (the order of the VMS.csv file), with lookups
 * by name, MAC and address. Names, MACs and addresses are unique.
 *
 * <p>VMS.csv has a header naming its columns {@code vm,ip,mac} and optionally {@code site}; the
 * {@code ip} column may hold several addresses separated by spaces or ';' (e.g. an IPv4 and an
 * IPv6 address). Blank lines and lines starting with '#' are ignored.
 */
public final class VmInventory {

  public static final String DEFAULT_SITE = "local";

  private final List<VmEndpoint> vms;
  private final Map<String, VmEndpoint> byName = new HashMap<>();
  private final Map<MacAddress, VmEndpoint> byMac = new HashMap<>();
  private final Map<IpAddress, VmEndpoint> byAddress = new HashMap<>();

  public VmInventory(List<VmEndpoint> vms) {
    this.vms = List.copyOf(vms);
    for (VmEndpoint vm : this.vms) {
      if (byName.putIfAbsent(vm.vm(), vm) != null) {
        throw new IllegalArgumentException("VM '" + vm.vm() + "' is listed twice");
      }
      VmEndpoint other = byMac.putIfAbsent(vm.mac(), vm);
      if (other != null) {
        throw new IllegalArgumentException("MAC " + vm.mac() + " belongs to both " + other.vm() + " and " + vm.vm());
      }
      for (IpAddress a : vm.addresses()) {
        other = byAddress.putIfAbsent(a, vm);
        if (other != null) {
          throw new IllegalArgumentException("address " + a + " belongs to both " + other.vm() + " and " + vm.vm());
        }
      }
    }
  }

  public List<VmEndpoint> vms() {
    return vms;
  }

  public List<String> names() {
    return vms.stream().map(VmEndpoint::vm).toList();
  }

  public Optional<VmEndpoint> byName(String vm) {
    return Optional.ofNullable(byName.get(vm));
  }

  public Optional<VmEndpoint> byMac(MacAddress mac) {
    return Optional.ofNullable(byMac.get(mac));
  }

  public Optional<VmEndpoint> byAddress(IpAddress address) {
    return Optional.ofNullable(byAddress.get(address));
  }

  /** Sites in order of first appearance. */
  public List<String> sites() {
    Set<String> sites = new LinkedHashSet<>();
    vms.forEach(v -> sites.add(v.site()));
    return List.copyOf(sites);
  }

  public List<VmEndpoint> atSite(String site) {
    return vms.stream().filter(v -> v.site().equals(site)).toList();
  }

  public int size() {
    return vms.size();
  }

  /** Reads VMS.csv; any problem is an {@link InvalidInputException} naming the file and line. */
  public static VmInventory read(Path file) {
    return parse(file.toString(), TextFiles.lines(file));
  }

  public static VmInventory parse(String source, List<String> lines) {
    Map<String, Integer> columns = null;
    List<VmEndpoint> vms = new ArrayList<>();
    Map<String, Integer> lineOfVm = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      String where = source + ":" + (i + 1);
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] fields = line.split(",", -1);
      if (columns == null) {
        columns = header(where, fields);
        continue;
      }
      if (fields.length != columns.size()) {
        throw new InvalidInputException(where, "expected " + columns.size() + " fields " + columns.keySet() + ", found " + fields.length);
      }
      VmEndpoint vm = row(where, fields, columns);
      Integer previous = lineOfVm.putIfAbsent(vm.vm(), i + 1);
      if (previous != null) {
        throw new InvalidInputException(where, "VM '" + vm.vm() + "' already listed on line " + previous);
      }
      vms.add(vm);
      try {
        new VmInventory(vms);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(where, e.getMessage());
      }
    }
    if (columns == null) {
      throw new InvalidInputException(source, "empty file: expected a header 'vm,ip,mac[,site]' and one line per VM");
    }
    if (vms.isEmpty()) {
      throw new InvalidInputException(source, "no VM listed after the header");
    }
    return new VmInventory(vms);
  }

  private static Map<String, Integer> header(String where, String[] fields) {
    Map<String, Integer> columns = new java.util.LinkedHashMap<>();
    for (int c = 0; c < fields.length; c++) {
      String name = fields[c].strip().toLowerCase(Locale.ROOT);
      if (!Set.of("vm", "ip", "mac", "site").contains(name)) {
        throw new InvalidInputException(where, "unknown column '" + fields[c].strip() + "' (expected vm, ip, mac and optionally site)");
      }
      if (columns.put(name, c) != null) {
        throw new InvalidInputException(where, "column '" + name + "' appears twice");
      }
    }
    for (String required : List.of("vm", "ip", "mac")) {
      if (!columns.containsKey(required)) {
        throw new InvalidInputException(where, "missing column '" + required + "' (header must name vm, ip, mac and optionally site)");
      }
    }
    return columns;
  }

  private static VmEndpoint row(String where, String[] fields, Map<String, Integer> columns) {
    String name = fields[columns.get("vm")].strip();
    String site = columns.containsKey("site") ? fields[columns.get("site")].strip() : DEFAULT_SITE;
    MacAddress mac;
    try {
      mac = MacAddress.parse(fields[columns.get("mac")]);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(where, "column 'mac': " + e.getMessage());
    }
    if (MacAddress.isGroup(mac.value())) {
      throw new InvalidInputException(where, "column 'mac': " + mac + " is a multicast address, not a VM's NIC");
    }
    List<IpAddress> addresses = new ArrayList<>();
    for (String a : fields[columns.get("ip")].strip().split("[\\s;]+")) {
      if (a.isEmpty()) {
        continue;
      }
      try {
        addresses.add(IpAddress.parse(a));
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(where, "column 'ip': " + e.getMessage());
      }
    }
    if (addresses.isEmpty()) {
      throw new InvalidInputException(where, "column 'ip': no address for VM '" + name + "'");
    }
    try {
      return new VmEndpoint(name, site, mac, addresses);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(where, e.getMessage());
    }
  }
}
