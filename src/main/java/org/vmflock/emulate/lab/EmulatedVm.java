package org.vmflock.emulate.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.vmflock.model.IpAddress;
import org.vmflock.model.MacAddress;

/**
 * A VM of an emulated federation: a network namespace whose {@code eth0} is a veth on its site's
 * bridge, with its own MAC and IPv4 address (kept when it moves to another site), and a cgroup
 * holding every process started in it. Processes run "in the VM" through {@link #processBuilder}
 * or {@link #commandPrefix}: they start inside its namespace and cgroup, and so do their children.
 */
public final class EmulatedVm {

  private final EmulatedFederation federation;
  private final String name;
  private final int number;
  private final IpAddress ip;
  private final int prefixLength;
  private final MacAddress mac;
  private final String namespace;
  private final CgroupHierarchy.Cgroup cgroup;
  private final List<String> prefix;
  private final String cluster;
  private volatile String site;

  EmulatedVm(EmulatedFederation federation, String name, int number, IpAddress ip, int prefixLength, MacAddress mac,
      String namespace, CgroupHierarchy.Cgroup cgroup, List<String> prefix, String cluster, String site) {
    this.federation = federation;
    this.name = name;
    this.number = number;
    this.ip = ip;
    this.prefixLength = prefixLength;
    this.mac = mac;
    this.namespace = namespace;
    this.cgroup = cgroup;
    this.prefix = List.copyOf(prefix);
    this.cluster = cluster;
    this.site = site;
  }

  public String name() {
    return name;
  }

  /** The VM's number in its federation (1, 2, ...): its address is the subnet's n-th. */
  public int number() {
    return number;
  }

  public IpAddress ip() {
    return ip;
  }

  /** The address with its prefix length, as {@code ip addr} shows it: {@code 10.77.0.1/16}. */
  public String ipWithPrefix() {
    return ip + "/" + prefixLength;
  }

  public MacAddress mac() {
    return mac;
  }

  /**
   * The virtual cluster (application) the VM belongs to: in a VXLAN federation, the segment (VNI)
   * its port is on; in a flat one, where all VMs share one LAN, a name only.
   */
  public String cluster() {
    return cluster;
  }

  /** The site whose bridge the VM is on now. */
  public String site() {
    return site;
  }

  void site(String newSite) {
    site = newSite;
  }

  /** The VM's network namespace ({@code ip netns} name). */
  public String namespace() {
    return namespace;
  }

  /** The VM's network interface, inside {@link #namespace()}. */
  public String interfaceName() {
    return LabNames.VM_INTERFACE;
  }

  /**
   * The command line that runs a command in this VM: append the command and its arguments. For
   * scripts (e.g. Open MPI's {@code plm_rsh_agent}); the process joins the VM's cgroup, then its
   * namespace, then execs the command, so it and its children are the VM's.
   */
  public List<String> commandPrefix() {
    return prefix;
  }

  /** A ProcessBuilder for {@code command} run in this VM; set its redirections, then start it. */
  public ProcessBuilder processBuilder(List<String> command) {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command to run in VM " + name);
    }
    List<String> full = new ArrayList<>(prefix);
    full.addAll(command);
    return new ProcessBuilder(full);
  }

  /** Runs a short command in this VM and waits for it (at most {@code timeout}). */
  public CommandResult run(Duration timeout, String... command) {
    List<String> full = new ArrayList<>(prefix);
    full.addAll(List.of(command));
    return HostCommands.run(full, null, timeout);
  }

  /** The process ids in the VM now. */
  public List<Long> pids() {
    return cgroup.pids();
  }

  /** Anonymous plus mapped-file memory of the VM's processes, in bytes: what its RAM holds of them. */
  public long residentBytes() {
    return cgroup.residentBytes();
  }

  /** Stops every process of the VM (they keep their memory and sockets); returns once they are all stopped. */
  public void freeze() {
    cgroup.freeze();
  }

  /** Resumes the VM's processes. */
  public void thaw() {
    cgroup.thaw();
  }

  public boolean frozen() {
    return cgroup.frozen();
  }

  /** Whether the VM's cgroup is thawed: not frozen, nor on its way to being frozen. */
  public boolean thawed() {
    return cgroup.thawed();
  }

  /**
   * A workload for this VM (not started): the lab helper's {@code dirty}, which holds {@code bytes}
   * of memory, all resident, and dirties {@code bytesPerSecond} of it (whole pages, cycling), and
   * every 10 ms writes the pages it has written so far to {@code counter}.
   */
  public ProcessBuilder memoryWorkload(long bytes, long bytesPerSecond, java.nio.file.Path counter) {
    return processBuilder(List.of(LabTool.path().toString(), "dirty", "--bytes", Long.toString(bytes), "--rate",
        Long.toString(bytesPerSecond), "--counter", counter.toString()));
  }

  /** Moves the VM to {@code site}: see {@link EmulatedFederation#move}. */
  public void moveTo(String newSite) {
    federation.move(name, newSite);
  }

  CgroupHierarchy.Cgroup cgroup() {
    return cgroup;
  }

  @Override
  public String toString() {
    return "EmulatedVm[" + name + " " + ip + " " + mac + " at " + site + "]";
  }
}
