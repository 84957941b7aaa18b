package org.vmflock.control;

import java.util.List;
import java.util.Optional;
import org.vmflock.model.TrafficMatrix;

/**
 * What the Monitor step saw: the traffic rates (per second) between the VMs of one application,
 * when the monitor has them. A node answers from the collectors' global matrix; the simulator from
 * each application's own traffic, without a matrix over every VM of the federation.
 */
@FunctionalInterface
public interface ObservedTraffic {

  /** The rates between these VMs, in this order; empty if the monitor does not know all of them. */
  Optional<TrafficMatrix> ratesOf(List<String> vms);

  /** Nothing observed yet. */
  static ObservedTraffic none() {
    return vms -> Optional.empty();
  }

  /** The rates of a matrix over (at least) the VMs asked about. */
  static ObservedTraffic of(TrafficMatrix all) {
    return vms -> all.vms().containsAll(vms) ? Optional.of(all.reorder(vms)) : Optional.empty();
  }
}
