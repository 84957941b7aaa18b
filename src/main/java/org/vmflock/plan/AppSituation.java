package org.vmflock.plan;

import java.util.List;
import org.vmflock.model.Application;
import org.vmflock.model.Placement;

/**
 * An application as the planner finds it: where its VMs run now (nothing yet for a new one) and its
 * communication groups (lists of VM names; VMs in no group move alone).
 */
public record AppSituation(Application app, Placement current, List<List<String>> groups) {

  public AppSituation {
    groups = groups.stream().map(List::copyOf).toList();
    current = current.restrictedTo(app.vmNames());
  }

  public boolean isNew() {
    return !current.places(app.vmNames());
  }
}
