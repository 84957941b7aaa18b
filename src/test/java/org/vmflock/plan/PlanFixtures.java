package org.vmflock.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/** Sites, links and applications for planning tests, built by hand. */
final class PlanFixtures {

  static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  static final long GIB = 1L << 30;
  static final double GBPS = 1e9 / 8;
  static final NetworkPath LAN = new NetworkPath(Duration.ofNanos(100_000), 10 * GBPS);

  private PlanFixtures() {}

  static Site site(String name, int slots, double speed, double pricePerVmHour) {
    return new Site(name, new Capacity(slots, slots * 4, slots * 8 * GIB), speed, PriceSchedule.flat(pricePerVmHour), 0.02, Map.of(),
        LAN, List.of());
  }

  static Infrastructure infra(List<Site> sites, NetworkPath between) {
    List<Link> links = new ArrayList<>();
    for (int i = 0; i < sites.size(); i++) {
      for (int j = i + 1; j < sites.size(); j++) {
        links.add(new Link(sites.get(i).name(), sites.get(j).name(), between));
      }
    }
    return new Infrastructure(sites, links, Optional.empty());
  }

  static Vm vm(String name) {
    return new Vm(name, "small", 1, 2 * GIB, 20e6);
  }

  /** An application whose traffic per work second is {@code perWork}, {@code work} work seconds long. */
  static Application app(String name, TrafficMatrix perWork, double work, Objective objective) {
    List<Vm> vms = perWork.vms().stream().map(PlanFixtures::vm).toList();
    return new Application(name, vms, new Workload(work, 0, 10, perWork), objective, Optional.empty(), Optional.empty(), 0);
  }

  static PlanningContext alone(Infrastructure infra) {
    return PlanningContext.alone(infra, NOW, new BspExecutionModel(), new PreCopyMigrationModel(PreCopyMigrationModel.Settings.defaults()));
  }

  static Planner planner() {
    return new Planner(PlannerSettings.defaults(), new BspExecutionModel(), new PreCopyMigrationModel(PreCopyMigrationModel.Settings.defaults()));
  }

  static TrafficMatrix scaled(TrafficMatrix m, double factor) {
    int n = m.size();
    double[][] p = new double[n][n];
    double[][] b = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        p[i][j] = m.packets(i, j) * factor;
        b[i][j] = m.bytes(i, j) * factor;
      }
    }
    return new TrafficMatrix(m.vms(), p, b);
  }

}
