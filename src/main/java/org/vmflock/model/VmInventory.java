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
 * IPv6 address), each a unicast address. Blank lines and comments ('#' alone or followed by a space)
 * are ignored; {@code #vm1,...} is a row, refused for its VM name. At most
 * {@link Limits#MAX_VMS_PER_MATRIX} VMs.
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
    return parse(file.toString(), TextFiles.text(file));
  }

  public static VmInventory parse(String source, List<String> lines) {
    return parse(source, String.join("\n", lines));
  }

  /** VMS.csv's text: one pass, each row checked against the rows before it as it is read. */
  public static VmInventory parse(String source, String text) {
    Map<String, Integer> columns = new java.util.LinkedHashMap<>();
    List<VmEndpoint> vms = new ArrayList<>();
    Map<String, Integer> lineOfVm = new HashMap<>();
    Map<MacAddress, VmEndpoint> macs = new HashMap<>();
    Map<IpAddress, VmEndpoint> addresses = new HashMap<>();
    CsvRows.forEach(source, text, r -> {
      String where = source + ":" + r.line();
      if (columns.isEmpty()) {
        columns.putAll(header(where, r.cells()));
        return;
      }
      if (r.size() != columns.size()) {
        throw new InvalidInputException(where, "expected " + columns.size() + " fields " + columns.keySet() + ", found " + r.size());
      }
      if (vms.size() == Limits.MAX_VMS_PER_MATRIX) {
        throw new InvalidInputException(where, "more than " + Limits.MAX_VMS_PER_MATRIX + " VMs (vmflock's limit for one VM x VM matrix)");
      }
      VmEndpoint vm = row(where, r.cells(), columns);
      Integer previous = lineOfVm.putIfAbsent(vm.vm(), r.line());
      if (previous != null) {
        throw new InvalidInputException(where, "VM '" + vm.vm() + "' already listed on line " + previous);
      }
      VmEndpoint other = macs.putIfAbsent(vm.mac(), vm);
      if (other != null) {
        throw new InvalidInputException(where, "MAC " + vm.mac() + " belongs to both " + other.vm() + " and " + vm.vm());
      }
      for (IpAddress a : vm.addresses()) {
        other = addresses.putIfAbsent(a, vm);
        if (other != null) {
          throw new InvalidInputException(where, other == vm ? "address " + a + " is listed twice"
              : "address " + a + " belongs to both " + other.vm() + " and " + vm.vm());
        }
      }
      vms.add(vm);
    });
    if (columns.isEmpty()) {
      throw new InvalidInputException(source, "empty file: expected a header 'vm,ip,mac[,site]' and one line per VM");
    }
    if (vms.isEmpty()) {
      throw new InvalidInputException(source, "no VM listed after the header");
    }
    try {
      return new VmInventory(vms);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(source, e.getMessage());
    }
  }

  private static Map<String, Integer> header(String where, List<String> fields) {
    Map<String, Integer> columns = new java.util.LinkedHashMap<>();
    for (int c = 0; c < fields.size(); c++) {
      String name = fields.get(c).toLowerCase(Locale.ROOT);
      if (!Set.of("vm", "ip", "mac", "site").contains(name)) {
        throw new InvalidInputException(where, "unknown column '" + Limits.quoted(fields.get(c)) + "' (expected vm, ip, mac and optionally site)");
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

  private static VmEndpoint row(String where, List<String> fields, Map<String, Integer> columns) {
    String name = fields.get(columns.get("vm"));
    String site = columns.containsKey("site") ? fields.get(columns.get("site")) : DEFAULT_SITE;
    MacAddress mac;
    try {
      mac = MacAddress.parse(fields.get(columns.get("mac")));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(where, "column 'mac': " + e.getMessage());
    }
    if (MacAddress.isGroup(mac.value())) {
      throw new InvalidInputException(where, "column 'mac': " + mac + " is a multicast address, not a VM's NIC");
    }
    List<IpAddress> addresses = new ArrayList<>();
    for (String a : fields.get(columns.get("ip")).split("[\\s;]+")) {
      if (a.isEmpty()) {
        continue;
      }
      IpAddress address;
      try {
        address = IpAddress.parse(a);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException(where, "column 'ip': " + e.getMessage());
      }
      String notUnicast = address.unicastProblem();
      if (!notUnicast.isEmpty()) {
        throw new InvalidInputException(where, "column 'ip': " + notUnicast + ", not a VM's address");
      }
      addresses.add(address);
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
