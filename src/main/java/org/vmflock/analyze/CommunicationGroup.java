package org.vmflock.analyze;

import java.util.List;

/**
 * VMs that talk to each other enough to be kept together.
 *
 * @param vms at least two VMs, in the order of the traffic matrix
 * @param internal traffic between these VMs, both directions, in the metric's unit over the time
 *     the matrix covers
 * @param threshold the report's algorithm: the traffic a pair needs to exceed to join this group
 *     (the threshold fraction times the mean traffic between the group's VMs), same unit; 0 for
 *     groups found by modularity, which have no threshold
 */
public record CommunicationGroup(List<String> vms, double internal, double threshold) {

  /** A group has at least two VMs: one alone is not a communication group. */
  public static final int MIN_VMS = 2;

  public CommunicationGroup {
    vms = List.copyOf(vms);
    if (vms.size() < MIN_VMS) {
      throw new IllegalArgumentException("a communication group has at least " + MIN_VMS + " VMs, not " + vms);
    }
  }
}
