package org.vmflock.plan;

import java.time.Instant;
import java.util.List;

/**
 * A move a placement will need later: the site's availability ends at {@code at} before the
 * application finishes, so its VMs there go to {@code to} (counted in the prediction).
 */
public record ForcedMove(Instant at, String from, String to, List<String> vms) {

  public ForcedMove {
    vms = List.copyOf(vms);
  }
}
