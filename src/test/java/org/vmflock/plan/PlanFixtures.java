package org.vmflock.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
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
  /** The textbook pre-copy (every round at the path's full rate, a 100 ms switch-over, 30 rounds at most): numbers a test can work out by hand. */
  static final QemuPreCopyModel MIGRATIONS = new QemuPreCopyModel(QemuPreCopyModel.Settings.ideal(Duration.ofMillis(100), 30));
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
    return PlanningContext.alone(infra, NOW, new BspExecutionModel(), MIGRATIONS);
  }

  static Planner planner() {
    return new Planner(PlannerSettings.defaults(), new BspExecutionModel(), MIGRATIONS);
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

  // ------------------------------------------------------------------ helpers for the planning-core tests

  /** 10^6 bytes: the unit of the hand computations. */
  static final double MB = 1e6;

  /** A site with a capacity of {@code slots} VMs of 1 core and 2 GiB, a flat price and given windows. */
  static Site site(String name, int slots, double speed, double pricePerVmHour, double transferPricePerGb,
      List<AvailabilityWindow> windows) {
    return new Site(name, new Capacity(slots, slots * 4, slots * 8 * GIB), speed, PriceSchedule.flat(pricePerVmHour),
        transferPricePerGb, Map.of(), LAN, windows);
  }

  static Vm vm(String name, long memoryBytes, double dirtyBytesPerSecond) {
    return new Vm(name, "small", 1, memoryBytes, dirtyBytesPerSecond);
  }

  /** A traffic matrix from bytes per work second (packets: one per kB). */
  static TrafficMatrix traffic(List<String> vms, double[][] bytes) {
    int n = vms.size();
    double[][] packets = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        packets[i][j] = bytes[i][j] / 1000;
      }
    }
    return new TrafficMatrix(vms, packets, bytes);
  }

  static Application app(String name, List<Vm> vms, Workload workload, Objective objective) {
    return new Application(name, vms, workload, objective, Optional.empty(), Optional.empty(), 0);
  }

  /** The planner's settings without anti-oscillation: raw optimisation. */
  static PlannerSettings raw() {
    return PlannerSettings.defaults().withMinGain(0, 0, 0).withCooldown(Duration.ZERO);
  }

  static Planner planner(PlannerSettings settings) {
    return new Planner(settings, new BspExecutionModel(), MIGRATIONS);
  }

  static AvailabilityWindow window(Instant from, Instant until) {
    return new AvailabilityWindow(from, until);
  }

  /**
   * Replays a plan's steps, independently of {@link PlacementChecker}: every step must start where
   * the VM is and fit its destination's capacity; at the end each VM must be where its decision
   * puts it. Returns what went wrong (empty: nothing).
   */
  static List<String> replay(PlanningProblem problem, Plan plan) {
    List<String> wrong = new ArrayList<>();
    Map<String, Capacity> used = new java.util.HashMap<>(problem.reserved());
    Map<String, String> at = new java.util.HashMap<>();
    Map<String, Vm> vms = new java.util.HashMap<>();
    Map<String, String> expected = new java.util.HashMap<>();
    for (AppSituation a : problem.apps()) {
      AppDecision d = plan.decision(a.app().name()).orElseThrow();
      Placement end = d.moves() ? d.chosen().placement() : a.current();
      for (Vm v : a.app().vms()) {
        vms.put(v.name(), v);
        Optional<String> start = a.isNew() ? end.siteOf(v.name()) : a.current().siteOf(v.name());
        start.ifPresent(s -> {
          at.put(v.name(), s);
          used.merge(s, Capacity.of(v), Capacity::plus);
        });
        end.siteOf(v.name()).ifPresent(s -> expected.put(v.name(), s));
      }
    }
    for (Site s : problem.infra().sites()) {
      if (!s.capacity().holds(used.getOrDefault(s.name(), Capacity.ZERO))) {
        wrong.add("before the first step " + s.name() + " holds " + used.get(s.name()) + " > " + s.capacity());
      }
    }
    for (Plan.Step step : plan.steps()) {
      Migration m = step.migration();
      if (!m.from().equals(at.get(m.vm()))) {
        wrong.add("step " + step.order() + " takes " + m.vm() + " from " + m.from() + " but it is on " + at.get(m.vm()));
      }
      Capacity after = used.getOrDefault(m.to(), Capacity.ZERO).plus(Capacity.of(vms.get(m.vm())));
      if (!problem.infra().require(m.to()).capacity().holds(after)) {
        wrong.add("step " + step.order() + " " + m.vm() + " " + m.from() + "->" + m.to() + " exceeds " + m.to() + ": " + after);
      }
      used.put(m.to(), after);
      used.put(m.from(), used.getOrDefault(m.from(), Capacity.ZERO).minus(Capacity.of(vms.get(m.vm()))));
      at.put(m.vm(), m.to());
    }
    expected.forEach((vm, site) -> {
      if (!site.equals(at.get(vm))) {
        wrong.add("after the steps " + vm + " is on " + at.get(vm) + ", not " + site);
      }
    });
    return wrong;
  }
}
