package org.vmflock.emulate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.vmflock.emulate.lab.EmulatedFederation;
import org.vmflock.emulate.lab.EmulatedFederation.BridgePort;
import org.vmflock.emulate.lab.EmulatedVm;

/**
 * What must hold in an emulated federation once its migrations have ended, whatever failed (E1:
 * no VM lost or duplicated), read from the kernel: every VM's veth has its other end on exactly
 * one site's bridge, the site the VM is at, forwarding; the VM's cgroup is thawed and none of its
 * processes is held by the freezer; the actuator holds no reservation, no copy, no unreleased source, no open stream, and
 * no migration stream's thread is left. Returns the violations found, described; empty when all hold.
 */
public final class LabInvariants {

  private static final String RECEIVER_THREAD = "vmfl-migration-receiver-";

  private LabInvariants() {}

  /**
   * As {@link #violations(EmulatedFederation, EmulatedActuator)} for the namespace VMs, and for
   * the QEMU guests: the QEMU actuator holds no destination, unreleased source or reservation, and
   * every guest's QEMU runs.
   */
  public static List<String> violations(EmulatedFederation lab, LabActuator actuator) {
    List<String> violations = new ArrayList<>(violations(lab, actuator.namespaces()));
    violations.addAll(actuator.qemu().leftovers());
    actuator.qemu().vms().forEach((name, vm) -> {
      if (!vm.alive()) {
        violations.add("the QEMU of guest '" + name + "' at '" + vm.site() + "' is gone");
      }
    });
    return violations;
  }

  public static List<String> violations(EmulatedFederation lab, EmulatedActuator actuator) {
    List<String> violations = new ArrayList<>();
    List<BridgePort> ports = lab.vmPorts();
    for (BridgePort p : ports) {
      if (p.vm().isEmpty()) {
        violations.add("port " + p.port() + " of the bridge of '" + p.site() + "' leads to namespace '" + p.peerNamespace() + "', no VM's");
      }
    }
    for (EmulatedVm vm : lab.vms()) {
      List<BridgePort> on = ports.stream().filter(p -> p.vm().filter(vm.name()::equals).isPresent()).toList();
      if (on.size() != 1) {
        violations.add("VM '" + vm.name() + "' is on " + on.size() + " bridges: " + on);
      } else if (!on.get(0).site().equals(vm.site())) {
        violations.add("VM '" + vm.name() + "' is at '" + vm.site() + "' but its veth is on the bridge of '" + on.get(0).site() + "'");
      } else if (!on.get(0).forwarding()) {
        violations.add("the bridge of '" + vm.site() + "' does not forward on the port of VM '" + vm.name() + "'");
      }
      boolean thawed = vm.thawed();
      if (!thawed) {
        violations.add("VM '" + vm.name() + "' is " + (vm.frozen() ? "frozen" : "not thawed"));
      }
      for (long pid : vm.pids()) {
        if (frozen(pid, thawed)) {
          violations.add("process " + pid + " of VM '" + vm.name() + "' is frozen");
        }
      }
    }
    actuator.reservations().forEach(r -> violations.add("reservation left: " + r));
    violations.addAll(actuator.leftovers());
    Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(RECEIVER_THREAD))
        .forEach(t -> violations.add("a migration stream's receiver is still running: " + t.getName()));
    return violations;
  }

  /**
   * Whether process {@code pid} is held by the freezer: waiting in {@code __refrigerator}, or, when
   * its VM's cgroup is not thawed, in uninterruptible state (since Linux 6.1 a task frozen in a
   * freezable sleep stays where it slept, shown as {@code D}).
   */
  private static boolean frozen(long pid, boolean cgroupThawed) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      if (Files.readString(proc.resolve("wchan")).contains("refrigerator")) {
        return true;
      }
      String stat = Files.readString(proc.resolve("stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state == 'D' && !cgroupThawed;
    } catch (IOException | IndexOutOfBoundsException e) {
      return false; // exited
    }
  }
}
