package org.vmflock.manager;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.Limits;
import org.vmflock.model.TrafficMatrix;

/**
 * The parts of applications' traffic the manager received ahead of their submissions (in memory:
 * a sender that dies before submitting leaves parts that are forgotten after a while). Bounded: at
 * most as many VMs' worth of parts as {@link Limits} lets an application have, per application.
 */
final class PendingTraffic {

  /** Parts older than this are forgotten. */
  static final long KEPT_NANOS = 60_000_000_000L;

  private record Parts(List<TrafficMatrix> parts, long since) {}

  private final Map<String, Parts> byApplication = new HashMap<>();

  void add(MigrationManager.SubmitTraffic part) {
    Parts p = byApplication.computeIfAbsent(part.application(), a -> new Parts(new ArrayList<>(), System.nanoTime()));
    if (p.parts().size() < Limits.MAX_VMS_PER_MATRIX * Limits.MAX_VMS_PER_MATRIX / 64) {
      p.parts().add(part.part());
    }
  }

  /** The submitted application with all its traffic, if every part came; its parts are forgotten either way. */
  Optional<Application> assemble(MigrationManager.Submit s) {
    Parts p = byApplication.remove(s.app().name());
    if (s.trafficParts() <= 1) {
      return Optional.of(s.app());
    }
    if (p == null || p.parts().size() != s.trafficParts() - 1) {
      return Optional.empty();
    }
    TrafficMatrix t = s.app().workload().trafficPerWork();
    for (TrafficMatrix part : p.parts()) {
      if (!part.vms().equals(t.vms())) {
        return Optional.empty();
      }
      t = t.plus(part);
    }
    return Optional.of(s.app().withWorkload(s.app().workload().withTraffic(t)));
  }

  void forgetOlderThan(long nanos) {
    byApplication.values().removeIf(p -> p.since() < nanos);
  }
}
