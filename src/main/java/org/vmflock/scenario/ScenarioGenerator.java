package org.vmflock.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Link;
import org.vmflock.model.Limits;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;

/**
 * The {@code generate} block of a scenario (documented in {@code simulations/large.conf}): seeded
 * sites, links between them and applications built from NAS-like profiles, added to what the file
 * writes out. The same block gives the same scenario.
 *
 * <p>The applications are fixed by {@code profiles = [ { profile = NAME, applications = K }, ... ]}:
 * K applications of each profile, so {@code applications} = the sum of the Ks and {@code vms} = the
 * sum of K × the profile's VMs (both checked when the block states them). Which application
 * (app0001, app0002, ...) gets which profile is a seeded shuffle.
 */
final class ScenarioGenerator {

  // defaults of the draws: those of SyntheticScenario
  private static final Range DEFAULT_CPU_SPEED = new Range(0.8, 1.5);
  private static final Range DEFAULT_PRICE = new Range(0.02, 0.20);
  private static final Range DEFAULT_TRANSFER_PRICE = new Range(0.01, 0.09);
  private static final Range DEFAULT_LATENCY_SECONDS = new Range(0.001, 0.030);
  private static final Range DEFAULT_BANDWIDTH = new Range(1e9 / 8, 10e9 / 8);
  private static final double DEFAULT_CAPACITY_MARGIN = 1.4;
  private static final double DEFAULT_RESERVATIONS = 0.2;
  private static final Range DEFAULT_RESERVATION_ENDS_SECONDS = new Range(2 * 3600, 12 * 3600);
  private static final double DEFAULT_RUNNING = 0.9;
  private static final Range DEFAULT_WORK_SECONDS = new Range(3600, 12 * 3600);
  private static final double MAX_DONE_FRACTION = 0.5;
  private static final double SECONDS_PER_MINUTE = 60;
  private static final List<String> KEYS = List.of("seed", "sites", "site-name", "cpu-speed", "price-per-vm-hour", "transfer-price-per-gb",
      "latency", "bandwidth", "capacity-margin", "reservations", "reservation-ends", "running", "arrive-within", "work", "objectives",
      "profiles", "applications", "vms");
  private static final Limits.Bound SITES = new Limits.Bound("a number of generated sites", 1, Limits.MAX_SCENARIO_SITES);
  private static final Limits.Bound APPLICATIONS = new Limits.Bound("a number of generated applications", 1, Limits.MAX_SCENARIO_APPLICATIONS);
  private static final Limits.Bound CAPACITY_MARGIN = new Limits.Bound("a capacity margin", 1e-3, 1e3);
  private static final Limits.Bound LATENCY_SECONDS = new Limits.Bound("a latency in seconds", 0, Limits.MAX_LATENCY.toSeconds());
  private static final double BYTES_PER_MBPS = 1e6 / 8;

  /** How many applications run one profile. */
  record ProfileShare(Profile profile, int applications) {}

  /** A uniform draw in [min, max]. */
  private record Range(double min, double max) {
    double draw(SplittableRandom rnd) {
      return min + (max - min) * rnd.nextDouble();
    }
  }

  private final long seed;
  private final List<String> siteNames;
  private final Range cpuSpeed;
  private final Range price;
  private final Range transferPrice;
  private final Range latencySeconds;
  private final Range bandwidth;
  private final double capacityMargin;
  private final double reservations;
  private final Range reservationEndsSeconds;
  private final List<ProfileShare> shares;
  private final double running;
  private final Duration arriveWithin;
  private final Range workSeconds;
  private final List<Objective> objectives;
  private final Map<String, Capacity> sizes;
  private final int totalVms;

  private ScenarioGenerator(SettingReader in, Config c, ProfileCatalog catalog, Map<String, Capacity> sizes) {
    String w = "generate";
    this.sizes = sizes;
    in.onlyKnown(c, w, KEYS);
    seed = c.hasPath("seed") ? (long) in.number(c, "seed", w) : 1;
    int count = in.boundedInt(c, "sites", w, SITES);
    String format = c.hasPath("site-name") ? in.string(c, "site-name", w) : "site%02d";
    siteNames = new ArrayList<>();
    for (int s = 1; s <= count; s++) {
      String name;
      try {
        name = String.format(format, s);
        org.vmflock.model.VmEndpoint.requireName("site", name);
      } catch (IllegalArgumentException e) {
        throw in.error(c, "site-name", w + ".site-name", e.getMessage() + " (a format with one %d, e.g. site%02d)");
      }
      siteNames.add(name);
    }
    if (Set.copyOf(siteNames).size() != count) {
      throw in.error(c, "site-name", w + ".site-name", "'" + format + "' gives two sites the same name (put %d in it)");
    }
    cpuSpeed = numbers(in, c, "cpu-speed", DEFAULT_CPU_SPEED, Limits.CPU_SPEED);
    price = numbers(in, c, "price-per-vm-hour", DEFAULT_PRICE, Limits.PRICE_PER_VM_HOUR);
    transferPrice = numbers(in, c, "transfer-price-per-gb", DEFAULT_TRANSFER_PRICE, Limits.PRICE_PER_GB);
    latencySeconds = durations(in, c, "latency", DEFAULT_LATENCY_SECONDS, LATENCY_SECONDS);
    bandwidth = rates(in, c, "bandwidth", DEFAULT_BANDWIDTH);
    capacityMargin = c.hasPath("capacity-margin") ? in.bounded(c, "capacity-margin", w, CAPACITY_MARGIN) : DEFAULT_CAPACITY_MARGIN;
    reservations = c.hasPath("reservations") ? in.fraction(c, "reservations", w) : DEFAULT_RESERVATIONS;
    reservationEndsSeconds = durations(in, c, "reservation-ends", DEFAULT_RESERVATION_ENDS_SECONDS, Limits.WORK_SECONDS);
    if (reservationEndsSeconds.min() <= 0) {
      throw in.error(c, "reservation-ends", w + ".reservation-ends", "a reservation ends after the start: give positive durations");
    }
    running = c.hasPath("running") ? in.fraction(c, "running", w) : DEFAULT_RUNNING;
    arriveWithin = c.hasPath("arrive-within") ? in.duration(c, "arrive-within", w, Duration.ofSeconds((long) Limits.WORK_SECONDS.max()))
        : Duration.ZERO;
    workSeconds = durations(in, c, "work", DEFAULT_WORK_SECONDS, Limits.WORK_SECONDS);
    if (workSeconds.min() < SECONDS_PER_MINUTE) {
      throw in.error(c, "work", w + ".work", "work of at least a minute");
    }
    objectives = new ArrayList<>();
    if (c.hasPath("objectives")) {
      List<String> texts;
      try {
        texts = c.getStringList("objectives");
      } catch (ConfigException e) {
        throw in.error(c, "objectives", w + ".objectives", "expected a list such as [time, cost, balanced]");
      }
      for (String t : texts) {
        try {
          objectives.add(Objective.parse(t));
        } catch (IllegalArgumentException e) {
          throw in.error(c, "objectives", w + ".objectives", e.getMessage());
        }
      }
      if (objectives.isEmpty()) {
        throw in.error(c, "objectives", w + ".objectives", "name at least one objective");
      }
    } else {
      objectives.addAll(List.of(Objective.TIME, Objective.COST, Objective.balanced(0.5)));
    }
    shares = new ArrayList<>();
    List<? extends Config> list = in.configList(c, "profiles", w);
    if (list.isEmpty()) {
      throw in.error(c, "profiles", w + ".profiles", "name at least one profile: [ { profile = \"cg.A.4\", applications = 10 } ]");
    }
    int apps = 0;
    long vms = 0;
    for (int i = 0; i < list.size(); i++) {
      Config p = list.get(i);
      String pw = w + ".profiles[" + i + "]";
      in.onlyKnown(p, pw, List.of("profile", "applications"));
      String name = in.string(p, "profile", pw);
      Profile profile = catalog.lookup(name).orElseThrow(() -> in.error(p, "profile", pw + ".profile", catalog.whyUnknown(name)));
      if (!sizes.containsKey(profile.size())) {
        throw in.error(p, "profile", pw + ".profile", "profile " + name + " runs on VM size '" + profile.size() + "', which the scenario does not define");
      }
      int k = in.boundedInt(p, "applications", pw, APPLICATIONS);
      shares.add(new ProfileShare(profile, k));
      apps += k;
      vms += (long) k * profile.vms();
    }
    if (apps > Limits.MAX_SCENARIO_APPLICATIONS || vms > Limits.MAX_SCENARIO_VMS) {
      throw in.error(c, "profiles", w + ".profiles", "the profiles give " + apps + " applications and " + vms + " VMs: at most "
          + Limits.MAX_SCENARIO_APPLICATIONS + " and " + Limits.MAX_SCENARIO_VMS + " in a scenario");
    }
    totalVms = (int) vms;
    if (c.hasPath("applications") && in.positiveInt(c, "applications", w) != apps) {
      throw in.error(c, "applications", w + ".applications", "the profiles give " + apps + " applications, not " + c.getInt("applications")
          + " (applications = the sum of profiles[i].applications)");
    }
    if (c.hasPath("vms") && in.positiveInt(c, "vms", w) != vms) {
      throw in.error(c, "vms", w + ".vms", "the profiles give " + vms + " VMs, not " + c.getInt("vms")
          + " (vms = the sum of profiles[i].applications x the profile's VMs)");
    }
  }

  static ScenarioGenerator read(SettingReader in, Config c, ProfileCatalog catalog, Map<String, Capacity> sizes) {
    return new ScenarioGenerator(in, c, catalog, sizes);
  }

  List<String> siteNames() {
    return siteNames;
  }

  /**
   * The generated sites: speed, price and transfer price drawn; slots for {@code capacity-margin} ×
   * the generated VMs, shared equally, each slot with the cores and memory of the largest size the
   * profiles use; a fraction {@code reservations} of them (spread evenly) available until a drawn
   * instant.
   */
  List<Site> sites(Instant start) {
    SplittableRandom rnd = stream(1);
    int slots = (int) Math.ceil(totalVms * capacityMargin / siteNames.size());
    int coresPerSlot = shares.stream().mapToInt(s -> sizes.get(s.profile().size()).cores()).max().orElse(1);
    long memoryPerSlot = shares.stream().mapToLong(s -> sizes.get(s.profile().size()).memoryBytes()).max().orElse(1);
    int n = siteNames.size();
    int reserved = (int) Math.round(reservations * n);
    List<Site> sites = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      double speed = round(cpuSpeed.draw(rnd), 1000);
      double hourly = round(price.draw(rnd), 10_000);
      double transfer = round(transferPrice.draw(rnd), 1000);
      double endsAfter = reservationEndsSeconds.draw(rnd);
      boolean hasReservation = (long) (s + 1) * reserved / n > (long) s * reserved / n;
      List<AvailabilityWindow> windows = hasReservation
          ? List.of(new AvailabilityWindow(start, start.plusSeconds(Math.round(endsAfter / SECONDS_PER_MINUTE) * 60)))
          : List.of();
      sites.add(new Site(siteNames.get(s), new Capacity(slots, slots * coresPerSlot, slots * memoryPerSlot), speed, PriceSchedule.flat(hourly),
          transfer, Map.of(), ScenarioFile.DEFAULT_SITE_NETWORK, windows));
    }
    return sites;
  }

  /** A drawn link between every two sites of which one at least is generated, unless {@code written} has one. */
  List<Link> links(List<String> writtenSites, Set<String> written) {
    SplittableRandom rnd = stream(2);
    List<String> all = new ArrayList<>(siteNames);
    all.addAll(writtenSites);
    List<Link> links = new ArrayList<>();
    for (int a = 0; a < siteNames.size(); a++) {
      for (int b = a + 1; b < all.size(); b++) {
        Duration latency = Duration.ofNanos(Math.round(latencySeconds.draw(rnd) * 1e4) * 100_000);
        double bytesPerSecond = Math.max(1, Math.round(bandwidth.draw(rnd) / BYTES_PER_MBPS)) * BYTES_PER_MBPS;
        if (!written.contains(pairKey(all.get(a), all.get(b)))) {
          links.add(new Link(all.get(a), all.get(b), new NetworkPath(latency, bytesPerSecond)));
        }
      }
    }
    return links;
  }

  static String pairKey(String a, String b) {
    return a.compareTo(b) < 0 ? a + " " + b : b + " " + a;
  }

  /**
   * The generated applications, app0001 ... in a seeded order of the profiles: work drawn (whole
   * minutes), an objective drawn from {@code objectives}; a fraction {@code running} of them run
   * already, all VMs on one generated site with room, with up to half their work done; the others
   * are new, arriving at a drawn instant within {@code arrive-within} of the start.
   */
  List<Scenario.ScenarioApplication> applications(Instant start, List<Site> generatedSites) {
    SplittableRandom rnd = stream(3);
    List<Profile> order = new ArrayList<>();
    for (ProfileShare s : shares) {
      for (int k = 0; k < s.applications(); k++) {
        order.add(s.profile());
      }
    }
    for (int i = order.size() - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      Profile t = order.get(i);
      order.set(i, order.get(j));
      order.set(j, t);
    }
    int sites = generatedSites.size();
    int[] used = new int[sites];
    String format = "app%0" + Math.max(4, String.valueOf(order.size()).length()) + "d";
    Map<String, List<String>> localNames = new HashMap<>();
    List<Scenario.ScenarioApplication> apps = new ArrayList<>(order.size());
    for (int i = 0; i < order.size(); i++) {
      Profile p = order.get(i);
      String name = String.format(format, i + 1);
      Capacity size = sizes.get(p.size());
      List<Vm> vms = new ArrayList<>(p.vms());
      List<String> names = new ArrayList<>(p.vms());
      for (String local : localNames.computeIfAbsent(p.name(), k -> p.trafficPerWork().vms())) {
        Vm vm = new Vm(name + "-" + local, p.size(), size.cores(), size.memoryBytes(), p.dirtyBytesPerSecond());
        vms.add(vm);
        names.add(vm.name());
      }
      // the profile's matrices are shared, never written: one copy for all its applications
      TrafficMatrix traffic = new TrafficMatrix(names, p.trafficPerWork().packets(), p.trafficPerWork().bytes());
      double work = Math.max(1, Math.round(workSeconds.draw(rnd) / SECONDS_PER_MINUTE)) * SECONDS_PER_MINUTE;
      Objective objective = objectives.get(rnd.nextInt(objectives.size()));
      boolean runs = rnd.nextDouble() < running;
      double doneFraction = rnd.nextDouble() * MAX_DONE_FRACTION;
      double arrivalFraction = rnd.nextDouble();
      int first = rnd.nextInt(sites);
      Placement placement = Placement.EMPTY;
      Optional<Instant> arrives = Optional.empty();
      double done = 0;
      if (runs) {
        for (int k = 0; k < sites; k++) {
          int s = (first + k) % sites;
          if (used[s] + p.vms() <= generatedSites.get(s).capacity().slots()) {
            used[s] += p.vms();
            placement = Placement.all(names, generatedSites.get(s).name());
            done = Math.round(work * doneFraction);
            break;
          }
        }
      } else if (!arriveWithin.isZero()) {
        arrives = Optional.of(start.plusSeconds(Math.round(arrivalFraction * arriveWithin.toSeconds())));
      }
      Application app = new Application(name, vms, new Workload(work, done, p.syncsPerWork(), traffic, p.rounds()), objective, Optional.empty(),
          Optional.empty(), 0);
      apps.add(new Scenario.ScenarioApplication(app, placement, p.name(), arrives));
    }
    return apps;
  }

  private SplittableRandom stream(long id) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
  }

  private static double round(double v, double per) {
    return Math.round(v * per) / per;
  }

  private static Range numbers(SettingReader in, Config c, String key, Range dflt, Limits.Bound bound) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    List<Double> v;
    try {
      v = c.getDoubleList(key);
    } catch (ConfigException e) {
      throw in.error(c, key, "generate." + key, "expected [min, max], two numbers");
    }
    return range(in, c, key, v, bound);
  }

  private static Range durations(SettingReader in, Config c, String key, Range dflt, Limits.Bound bound) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    List<Duration> v;
    try {
      v = c.getDurationList(key);
    } catch (ConfigException e) {
      throw in.error(c, key, "generate." + key, "expected [min, max], two durations such as [1ms, 30ms]");
    }
    return range(in, c, key, v.stream().map(d -> d.toNanos() / 1e9).toList(), bound);
  }

  private static Range rates(SettingReader in, Config c, String key, Range dflt) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    List<Double> v = new ArrayList<>();
    try {
      for (String r : c.getStringList(key)) {
        v.add(Units.bytesPerSecond(r));
      }
    } catch (ConfigException e) {
      throw in.error(c, key, "generate." + key, "expected [min, max], two rates such as [1Gbps, 10Gbps]");
    } catch (IllegalArgumentException e) {
      throw in.error(c, key, "generate." + key, e.getMessage());
    }
    return range(in, c, key, v, Limits.BANDWIDTH);
  }

  private static Range range(SettingReader in, Config c, String key, List<Double> v, Limits.Bound bound) {
    if (v.size() != 2) {
      throw in.error(c, key, "generate." + key, "expected [min, max], not " + v.size() + " values");
    }
    double min = v.get(0);
    double max = v.get(1);
    if (!bound.contains(min) || !bound.contains(max) || !(max >= min)) {
      throw in.error(c, key, "generate." + key, "expected min <= max, each in [" + bound.min() + ", " + bound.max() + "] (" + bound.what()
          + "), not [" + min + ", " + max + "]");
    }
    return new Range(min, max);
  }
}
