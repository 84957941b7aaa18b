package org.vmflock.scenario;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
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

/**
 * A seeded synthetic scenario for benchmarks and large simulations: sites of different speed,
 * price and capacity (some with a reservation that ends), links between all of them, and
 * applications of BSP processes whose traffic has communication groups (heavy inside a group,
 * light between groups), most of them running already, some new. The same seed gives the same
 * scenario.
 */
public final class SyntheticScenario {

  private static final long GIB = 1L << 30;
  private static final double GBPS = 1e9 / 8;
  private static final double CAPACITY_MARGIN = 1.4;
  private static final double NEW_FRACTION = 0.1;

  private SyntheticScenario() {}

  public static Scenario generate(int vms, int sites, int apps, long seed) {
    if (vms < apps || apps < 1 || sites < 1) {
      throw new IllegalArgumentException("need at least one site, one application and one VM per application");
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    Instant start = Instant.parse("2026-06-01T00:00:00Z");
    int slotsPerSite = (int) Math.ceil(vms * CAPACITY_MARGIN / sites);
    List<Site> siteList = new ArrayList<>();
    for (int s = 0; s < sites; s++) {
      double speed = 0.8 + 0.7 * rnd.nextDouble();
      double price = 0.02 + 0.18 * rnd.nextDouble();
      List<AvailabilityWindow> windows = s % 5 == 4
          ? List.of(new AvailabilityWindow(start, start.plus(Duration.ofHours(2 + rnd.nextInt(10)))))
          : List.of();
      siteList.add(new Site(String.format("site%02d", s), new Capacity(slotsPerSite, slotsPerSite * 2, slotsPerSite * 4 * GIB), speed,
          PriceSchedule.flat(price), 0.01 + 0.08 * rnd.nextDouble(), Map.of(), new NetworkPath(Duration.ofNanos(100_000), 10 * GBPS), windows));
    }
    List<Link> links = new ArrayList<>();
    for (int a = 0; a < sites; a++) {
      for (int b = a + 1; b < sites; b++) {
        links.add(new Link(siteList.get(a).name(), siteList.get(b).name(),
            new NetworkPath(Duration.ofMillis(1 + rnd.nextInt(30)), (1 + rnd.nextInt(10)) * GBPS)));
      }
    }
    Infrastructure infra = new Infrastructure(siteList, links, Optional.empty());
    int[] used = new int[sites];
    List<Scenario.ScenarioApplication> applications = new ArrayList<>();
    int remainingVms = vms;
    for (int a = 0; a < apps; a++) {
      int left = apps - a;
      int mean = remainingVms / left;
      int n = a == apps - 1 ? remainingVms : Math.max(1, Math.min(remainingVms - (left - 1), mean / 2 + rnd.nextInt(Math.max(1, mean + 1))));
      remainingVms -= n;
      applications.add(application(String.format("app%04d", a), n, rnd, infra, used, slotsPerSite));
    }
    return new Scenario(Path.of("synthetic-" + vms + "-" + sites + "-" + apps + "-" + seed), start, infra, applications);
  }

  private static Scenario.ScenarioApplication application(String name, int n, SplittableRandom rnd, Infrastructure infra, int[] used,
      int slotsPerSite) {
    List<Vm> vms = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      vms.add(new Vm(name + "-vm" + (i + 1), "small", 1, 2 * GIB, 5e6 + 45e6 * rnd.nextDouble()));
    }
    int groups = Math.max(1, Math.min(n / 4, 1 + rnd.nextInt(4)));
    int[] groupOf = new int[n];
    for (int i = 0; i < n; i++) {
      groupOf[i] = i * groups / n;
    }
    double heavy = 1e6 + 20e6 * rnd.nextDouble();
    double[][] bytes = new double[n][n];
    double[][] packets = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (i == j) {
          continue;
        }
        boolean neighbours = Math.abs(i - j) == 1 || Math.abs(i - j) == n - 1;
        double b = groupOf[i] == groupOf[j] ? (neighbours ? heavy : heavy * 0.1) : (neighbours ? heavy * 0.02 : 0);
        bytes[i][j] = b;
        packets[i][j] = b / 1400;
      }
    }
    List<String> names = vms.stream().map(Vm::name).toList();
    double work = 3600 * (1 + rnd.nextInt(12));
    Objective objective = switch (rnd.nextInt(3)) {
      case 0 -> Objective.TIME;
      case 1 -> Objective.COST;
      default -> Objective.balanced(0.5);
    };
    Application app = new Application(name, vms, new Workload(work, work * rnd.nextDouble() * 0.5, 10,
        new TrafficMatrix(names, packets, bytes)), objective, Optional.empty(), Optional.empty(), 0);
    if (rnd.nextDouble() < NEW_FRACTION) {
      return new Scenario.ScenarioApplication(app, Placement.EMPTY);
    }
    // running: each group on a random site with room
    Map<String, String> siteOf = new java.util.TreeMap<>();
    int sites = infra.sites().size();
    for (int g = 0; g < groups; g++) {
      int size = 0;
      for (int i = 0; i < n; i++) {
        size += groupOf[i] == g ? 1 : 0;
      }
      int s = rnd.nextInt(sites);
      for (int k = 0; k < sites && used[s] + size > slotsPerSite; k++) {
        s = (s + 1) % sites;
      }
      used[s] += size;
      for (int i = 0; i < n; i++) {
        if (groupOf[i] == g) {
          siteOf.put(names.get(i), infra.sites().get(s).name());
        }
      }
    }
    return new Scenario.ScenarioApplication(app, Placement.of(siteOf));
  }
}
