package org.vmflock.scenario;

import org.vmflock.site.EnvironmentChange;
import java.util.TreeSet;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.CommunicationRounds;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.SiteFabric;
import org.vmflock.model.TextFiles;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.monitor.export.MatrixCsv;

/**
 * Reads scenario files (HOCON): sites (with prices that may follow a real spot trace), links,
 * applications (written out or built from a NAS-like profile, there at the start or arriving
 * later), a {@code generate} block for large scenarios, the {@code simulation} settings, the
 * {@code timeline} and the {@code currency} of its prices. Every error names the file, the line and the setting. The format is
 * documented with a commented example in {@code simulations/example.conf}.
 */
public final class ScenarioFile {

  private static final double DEFAULT_SPEED = 1;
  private static final String DEFAULT_SIZE = "small";
  private static final double DEFAULT_SYNCS = 10;
  private static final double DEFAULT_DIRTY_RATE = 10e6;
  static final NetworkPath DEFAULT_SITE_NETWORK = new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8);
  private static final long GIB = 1L << 30;
  private static final Map<String, Capacity> DEFAULT_SIZES = Map.of(
      "small", new Capacity(1, 1, 2 * GIB),
      "medium", new Capacity(1, 2, 4 * GIB),
      "large", new Capacity(1, 4, 8 * GIB));

  private final SettingReader in;
  private final Config root;
  private final ProfileCatalog catalog;
  /** The real programs an emulation runs ({@code program = NAME}), each with its measured profile. */
  private final ProfileCatalog programs;
  private final Map<Path, PriceTrace> traces = new HashMap<>();

  private static final List<String> TOP_LEVEL = List.of("start", "currency", "vm-sizes", "simulation", "generate", "sites", "links", "default-link",
      "applications", "timeline");
  private static final List<String> SITE_KEYS = List.of("capacity", "cpu-speed", "price-per-vm-hour", "transfer-price-per-gb", "network",
      "availability");
  private static final List<String> APPLICATION_KEYS = List.of("profile", "vms", "size", "cores", "memory", "dirty-rate", "work", "done",
      "syncs-per-second", "traffic", "traffic-csv", "traffic-packets", "traffic-packets-csv", "traffic-covers", "objective", "deadline",
      "budget", "spent", "arrives", "announced", "placement", "program", "vm-kind", "guest");
  private static final List<String> GUEST_KEYS = List.of("fill", "working-set", "rounds", "message");
  private static final long MIB = 1L << 20;
  /** A QEMU guest's workload when the scenario does not say: 16 MiB filled, 1000 rounds of 16 KiB. */
  private static final long DEFAULT_GUEST_FILL = 16 * MIB;
  private static final int DEFAULT_GUEST_ROUNDS = 1000;
  private static final long DEFAULT_GUEST_MESSAGE = 16 * 1024;
  /** TCP's payload per Ethernet frame: a ring message's packets when the scenario derives its traffic. */
  private static final double SEGMENT_BYTES = 1448;

  private ScenarioFile(Path file, FileAccess files, Config root, ProfileCatalog catalog) {
    this(file, files, root, catalog, ProfileCatalog.NONE);
  }

  private ScenarioFile(Path file, FileAccess files, Config root, ProfileCatalog catalog, ProfileCatalog programs) {
    this.in = new SettingReader(file, files, root);
    this.root = root;
    this.catalog = catalog;
    this.programs = programs;
  }

  /** The VM sizes every scenario knows (a scenario's {@code vm-sizes} may add or redefine some). */
  static Map<String, Capacity> defaultSizes() {
    return DEFAULT_SIZES;
  }

  /** The scenario of {@code file}, its profiles from {@link NpbProfiles}. */
  public static Scenario load(Path file) {
    return load(file, ProfileCatalog.NPB);
  }

  /** The scenario of {@code file}, its profiles from {@code catalog}; it names no real program. */
  public static Scenario load(Path file, ProfileCatalog catalog) {
    return load(file, catalog, ProfileCatalog.NONE);
  }

  /**
   * The scenario of {@code file}, its profiles from {@code catalog} and the real programs its
   * applications may name ({@code program = "lammps"}, for an emulation) from {@code programs},
   * each program's profile being what was measured of it.
   */
  public static Scenario load(Path file, ProfileCatalog catalog, ProfileCatalog programs) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file.toString(), "no such scenario file");
    }
    String text = TextFiles.text(file);
    Config c;
    try {
      c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(file.toString())
          .setIncluder(NO_INCLUDES)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), e.getMessage().replace(file.toString() + ": ", ""));
    }
    ScenarioFile f = new ScenarioFile(file, FileAccess.besides(file), c, catalog, programs);
    return f.typed(f::read);
  }

  /** A setting of the wrong type caught by the config library itself (a list where a text is due): refused on its line. */
  private <T> T typed(java.util.function.Supplier<T> reading) {
    try {
      return reading.get();
    } catch (ConfigException e) {
      int line = e.origin() != null ? e.origin().lineNumber() : -1;
      String message = e.getMessage();
      if (e.origin() != null) {
        message = message.replace(e.origin().description() + ": ", "");
      }
      throw new InvalidInputException(in.file() + (line > 0 ? ":" + line : ""), message);
    }
  }

  /** Scenarios and submitted applications are one text each: an include would read another file. */
  private static final com.typesafe.config.ConfigIncluder NO_INCLUDES = new com.typesafe.config.ConfigIncluder() {
    @Override
    public com.typesafe.config.ConfigIncluder withFallback(com.typesafe.config.ConfigIncluder fallback) {
      return this;
    }

    @Override
    public ConfigObject include(com.typesafe.config.ConfigIncludeContext context, String what) {
      throw new ConfigException.BadPath(what, "include is not allowed here: write the settings in the file itself");
    }
  };

  /**
   * One application written as in a scenario's {@code applications} block (HOCON or JSON), with
   * its {@code name}; {@code source} names it in errors. Its traffic is given inline
   * ({@code traffic-csv}), or as a file name under {@code fileDir} (none: no file is read). Sites
   * and VM sizes are checked against {@code infra}.
   */
  public static Scenario.ScenarioApplication application(String source, Optional<Path> fileDir, String text, Infrastructure infra) {
    Config c;
    try {
      c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(source).setIncluder(NO_INCLUDES)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(source, e.getMessage().replace(source + ": ", ""));
    }
    ScenarioFile f = new ScenarioFile(Path.of(source.replaceAll("[^A-Za-z0-9._ -]", "_")), FileAccess.under(fileDir), c, ProfileCatalog.NPB);
    if (!c.hasPath("name")) {
      throw new InvalidInputException(source, "missing setting 'name' (the application's name)");
    }
    String name = f.in.string(c, "name", "");
    return f.typed(() -> f.application(name, c.withoutPath("name"), "application " + name, f.sizes(), infra, Optional.empty()));
  }

  /** A change to one site, as {@link #siteChange} reads it. */
  public record SiteChangeEvent(String site, EnvironmentChange change) {}

  /** The kinds of site change an event may carry (a timeline's, but for {@code fail}, which only a scenario plays). */
  public static final java.util.Set<String> SITE_CHANGES = java.util.Set.of("price", "transfer-price", "capacity", "speed", "availability", "quota",
      "link");

  /**
   * A change to one site of kind {@code kind}, its settings (HOCON or JSON) as in a scenario's
   * timeline ({@code site}, and {@code per-vm-hour}, {@code cpu-speed}, ... each kind its own; a
   * price may also say {@code from}, default {@code now}); {@code source} names it in errors. The
   * one reading of a site change: a timeline's element and an event posted to a node go through the
   * same code. Sites, sizes and the ranges of every number are checked against {@code infra}.
   */
  public static SiteChangeEvent siteChange(String source, String kind, String text, Instant now, Infrastructure infra) {
    if (!SITE_CHANGES.contains(kind)) {
      throw new InvalidInputException(source, "unknown change '" + Limits.quoted(kind) + "' (expected one of " + new java.util.TreeSet<>(SITE_CHANGES) + ")");
    }
    Config c;
    try {
      c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(source).setIncluder(NO_INCLUDES)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(source, e.getMessage().replace(source + ": ", ""));
    }
    ScenarioFile f = new ScenarioFile(Path.of(source.replaceAll("[^A-Za-z0-9._ -]", "_")), FileAccess.under(Optional.empty()), c, ProfileCatalog.NPB);
    return f.typed(() -> {
      List<String> known = new ArrayList<>(TimelineReader.SETTINGS.get(kind));
      known.add("site");
      if (kind.equals("price")) {
        known.add("from");
      }
      f.in.onlyKnown(c, kind, known);
      String site = f.in.string(c, "site", kind);
      Site s = infra.site(site).orElseThrow(() -> f.in.error(c, "site", kind + ".site", "unknown site '" + Limits.quoted(site) + "'"));
      Set<String> sizes = new TreeSet<>(DEFAULT_SIZES.keySet());
      infra.sites().forEach(x -> sizes.addAll(x.hosting().prices().keySet()));
      sizes.remove(PriceSchedule.ANY_SIZE);
      EnvironmentChange change = new TimelineReader(f.in, infra, sizes, now).change(kind, c, kind, now, s);
      return new SiteChangeEvent(site, change);
    });
  }

  /** As {@link #application(String, Optional, String, Infrastructure)}, its traffic files under {@code fileDir}. */
  public static Scenario.ScenarioApplication application(String source, Path fileDir, String text, Infrastructure infra) {
    return application(source, Optional.of(fileDir), text, infra);
  }

  private Scenario read() {
    in.onlyKnown(root, "", TOP_LEVEL);
    Instant start = in.instant(root, "start", "");
    Currency currency = currency();
    Map<String, Capacity> sizes = sizes();
    SimulationSettings simulation = simulation(start);
    Optional<ScenarioGenerator> generator = root.hasPath("generate")
        ? Optional.of(ScenarioGenerator.read(in, root.getConfig("generate"), catalog, sizes))
        : Optional.empty();
    Set<String> written = new LinkedHashSet<>();
    if (generator.isEmpty() || root.hasPath("sites")) {
      ConfigObject siteObjects = in.object(root, "sites", "");
      if (siteObjects.isEmpty() && generator.isEmpty()) {
        throw in.error("sites", "a scenario needs at least one site");
      }
      written.addAll(new TreeMap<>(siteObjects.unwrapped()).keySet());
    }
    if (written.size() + generator.map(g -> g.siteNames().size()).orElse(0) > Limits.MAX_SCENARIO_SITES) {
      throw in.error("sites", "more than " + Limits.MAX_SCENARIO_SITES + " sites (vmflock's limit for a scenario)");
    }
    Set<String> siteNames = new LinkedHashSet<>(written);
    for (String g : generator.map(ScenarioGenerator::siteNames).orElse(List.of())) {
      if (!siteNames.add(g)) {
        throw in.error("generate.site-name", "the generated site '" + g + "' is also written in sites");
      }
    }
    List<Site> sites = new ArrayList<>();
    for (String name : written) {
      sites.add(site(name, root.getConfig("sites").getConfig(SettingReader.quote(name)), "sites." + name, start, siteNames));
    }
    List<Site> generatedSites = generator.map(g -> g.sites(start)).orElse(List.of());
    sites.addAll(generatedSites);
    List<Link> links = links(siteNames);
    if (generator.isPresent()) {
      Set<String> linked = new HashSet<>();
      links.forEach(l -> linked.add(ScenarioGenerator.pairKey(l.siteA(), l.siteB())));
      links.addAll(generator.get().links(List.copyOf(written), linked));
    }
    Optional<NetworkPath> defaultLink = root.hasPath("default-link")
        ? Optional.of(path(in.config(root, "default-link", ""), "default-link"))
        : Optional.empty();
    Infrastructure infra;
    try {
      infra = new Infrastructure(sites, links, defaultLink);
    } catch (IllegalArgumentException e) {
      throw in.error("links", e.getMessage());
    }
    List<Scenario.ScenarioApplication> apps = new ArrayList<>();
    if (root.hasPath("applications")) {
      if (in.object(root, "applications", "").size() > Limits.MAX_SCENARIO_APPLICATIONS) {
        throw in.error("applications", "more than " + Limits.MAX_SCENARIO_APPLICATIONS + " applications (vmflock's limit for a scenario)");
      }
      for (String name : new TreeMap<>(in.object(root, "applications", "").unwrapped()).keySet()) {
        apps.add(application(name, root.getConfig("applications").getConfig(SettingReader.quote(name)), "applications." + name, sizes, infra,
            Optional.of(start)));
      }
    }
    if (generator.isPresent()) {
      apps.addAll(generator.get().applications(start, generatedSites));
    }
    Set<String> appNames = new HashSet<>();
    Set<String> vmNames = new HashSet<>();
    if (apps.size() > Limits.MAX_SCENARIO_APPLICATIONS) {
      throw in.error(generator.isPresent() ? "generate" : "applications", apps.size() + " applications, more than vmflock's limit of "
          + Limits.MAX_SCENARIO_APPLICATIONS + " for a scenario");
    }
    long allVms = apps.stream().mapToLong(a -> a.app().vms().size()).sum();
    if (allVms > Limits.MAX_SCENARIO_VMS) {
      throw in.error(generator.isPresent() ? "generate" : "applications", allVms + " VMs, more than vmflock's limit of "
          + Limits.MAX_SCENARIO_VMS + " for a scenario");
    }
    for (Scenario.ScenarioApplication a : apps) {
      String where = a.profile().equals(Scenario.CUSTOM) || root.hasPath("applications." + a.app().name())
          ? "applications." + a.app().name() : "generate";
      if (!appNames.add(a.app().name())) {
        throw in.error(where, "application " + a.app().name() + " is both written and generated");
      }
      for (String vm : a.app().vmNames()) {
        if (!vmNames.add(vm)) {
          throw in.error(where, "VM name " + vm + " is used by two applications");
        }
      }
    }
    checkPlacedCapacity(infra, apps);
    List<TimelineEvent> timeline = new TimelineReader(in, infra, sizes.keySet(), start).read(root);
    checkHorizon(start, simulation, infra, apps);
    return new Scenario(in.file(), start, infra, apps, simulation, timeline, currency);
  }

  /** {@code currency = "EUR"}: an ISO 4217 code, in which every price of the scenario is given; USD when absent. */
  private Currency currency() {
    if (!root.hasPath("currency")) {
      return Scenario.DEFAULT_CURRENCY;
    }
    String code = in.string(root, "currency", "");
    if (!code.matches("[A-Z]{3}")) {
      throw in.error(root, "currency", "currency", "an ISO 4217 currency code in capitals (USD, EUR, GBP...), not '" + code + "'");
    }
    try {
      return Currency.getInstance(code);
    } catch (IllegalArgumentException e) {
      throw in.error(root, "currency", "currency", "'" + code + "' is no ISO 4217 currency code (USD, EUR, GBP...)");
    }
  }

  // ---------------------------------------------------------------- sections

  private SimulationSettings simulation(Instant start) {
    if (!root.hasPath("simulation")) {
      return SimulationSettings.DEFAULT;
    }
    in.object(root, "simulation", "");
    Config c = root.getConfig("simulation");
    in.onlyKnown(c, "simulation", List.of("period", "end"));
    Duration period = c.hasPath("period") ? in.duration(c, "period", "simulation", Limits.MAX_PERIOD) : SimulationSettings.DEFAULT_PERIOD;
    if (period.compareTo(Limits.MIN_LOOP_PERIOD) < 0) {
      throw in.error(c, "period", "simulation.period", "at least " + Limits.MIN_LOOP_PERIOD.toSeconds() + " s, not " + period.toNanos() + " ns");
    }
    Optional<Instant> end = Optional.empty();
    if (c.hasPath("end")) {
      Instant t = in.instant(c, "end", "simulation");
      if (!t.isAfter(start)) {
        throw in.error(c, "end", "simulation.end", "the simulation ends (" + t + ") before it starts (" + start + ")");
      }
      end = Optional.of(t);
    }
    return new SimulationSettings(period, end);
  }

  private Map<String, Capacity> sizes() {
    Map<String, Capacity> sizes = new TreeMap<>(DEFAULT_SIZES);
    if (root.hasPath("vm-sizes")) {
      for (String name : in.object(root, "vm-sizes", "").keySet()) {
        String where = "vm-sizes." + name;
        in.object(root.getConfig("vm-sizes"), SettingReader.quote(name), "vm-sizes");
        Config s = root.getConfig("vm-sizes").getConfig(SettingReader.quote(name));
        in.onlyKnown(s, where, List.of("cores", "memory"));
        sizes.put(name, new Capacity(1, in.boundedInt(s, "cores", where, Limits.VM_CORES), in.bytes(s, "memory", where, Limits.VM_MEMORY)));
      }
    }
    return sizes;
  }

  private Site site(String name, Config c, String where, Instant start, Set<String> siteNames) {
    checkName("site", name, where);
    in.onlyKnown(c, where, SITE_KEYS);
    if (!c.hasPath("capacity")) {
      throw in.error(c, "capacity", where + ".capacity", "missing setting: every site needs a capacity { slots = N }");
    }
    in.object(c, "capacity", where);
    Capacity capacity = in.capacity(c.getConfig("capacity"), where + ".capacity", List.of());
    double speed = c.hasPath("cpu-speed") ? in.bounded(c, "cpu-speed", where, Limits.CPU_SPEED) : DEFAULT_SPEED;
    PriceSchedule hosting = prices(c, where, start);
    double transferDefault = 0;
    Map<String, Double> transferTo = new TreeMap<>();
    if (c.hasPath("transfer-price-per-gb")) {
      ConfigValue v = c.getValue("transfer-price-per-gb");
      if (v.valueType() == ConfigValueType.NUMBER) {
        transferDefault = in.bounded(c, "transfer-price-per-gb", where, Limits.PRICE_PER_GB);
      } else {
        Config t = c.getConfig("transfer-price-per-gb");
        for (String to : in.object(c, "transfer-price-per-gb", where).keySet()) {
          double p = in.bounded(t, SettingReader.quote(to), where + ".transfer-price-per-gb", Limits.PRICE_PER_GB);
          if (to.equals("default")) {
            transferDefault = p;
          } else if (!siteNames.contains(to)) {
            throw in.error(c, "transfer-price-per-gb", where + ".transfer-price-per-gb." + to, "unknown site '" + to + "'");
          } else {
            transferTo.put(to, p);
          }
        }
      }
    }
    NetworkPath network = DEFAULT_SITE_NETWORK;
    SiteFabric fabric = SiteFabric.NON_BLOCKING;
    if (c.hasPath("network")) {
      Config net = in.config(c, "network", where);
      String w = where + ".network";
      in.onlyKnown(net, w, List.of("latency", "bandwidth", "backbone", "uplink"));
      network = in.networkPath(net, w);
      fabric = new SiteFabric(net.hasPath("backbone") ? in.rate(net, "backbone", w, Limits.BANDWIDTH) : 0,
          net.hasPath("uplink") ? in.rate(net, "uplink", w, Limits.BANDWIDTH) : 0);
    }
    List<AvailabilityWindow> windows = c.hasPath("availability")
        ? in.windows(c, "availability", where, start, start, "the scenario starts")
        : new ArrayList<>();
    try {
      return new Site(name, capacity, speed, hosting, transferDefault, transferTo, network, windows, fabric);
    } catch (IllegalArgumentException e) {
      throw in.error(where, e.getMessage());
    }
  }

  /**
   * A number (every size), an object of sizes (each a number or a {@code trace}), one {@code trace}
   * for every size, or a list of {from = T, size = price}.
   */
  private PriceSchedule prices(Config c, String where, Instant start) {
    String key = "price-per-vm-hour";
    if (!c.hasPath(key)) {
      return PriceSchedule.flat(0);
    }
    String full = where + "." + key;
    ConfigValue v = c.getValue(key);
    Map<String, Map<Instant, Double>> bySize = new TreeMap<>();
    switch (v.valueType()) {
      case NUMBER -> bySize.put(PriceSchedule.ANY_SIZE, Map.of(start, in.bounded(c, key, where, Limits.PRICE_PER_VM_HOUR)));
      case OBJECT -> {
        Config p = c.getConfig(key);
        ConfigObject sizes = in.object(c, key, where);
        if (sizes.containsKey("trace")) {
          if (sizes.size() != 1) {
            throw in.error(c, key, full, "one trace for every size, or prices per size (each a number or { trace { ... } }), not both");
          }
          bySize.put(PriceSchedule.ANY_SIZE, trace(p, "trace", full, start));
        } else {
          for (String size : sizes.keySet()) {
            String q = SettingReader.quote(size);
            ConfigValue sv = p.getValue(q);
            if (sv.valueType() == ConfigValueType.OBJECT) {
              Config sc = p.getConfig(q);
              if (!sc.hasPath("trace") || sc.root().size() != 1) {
                throw in.error(p, q, full + "." + size, "expected a price or { trace { file, zone, type, from, scale } }");
              }
              bySize.put(size, trace(sc, "trace", full + "." + size, start));
            } else {
              bySize.put(size, Map.of(start, in.bounded(p, q, full, Limits.PRICE_PER_VM_HOUR)));
            }
          }
        }
      }
      case LIST -> {
        List<? extends Config> points = in.configList(c, key, where);
        for (int i = 0; i < points.size(); i++) {
          Config p = points.get(i);
          String at = full + "[" + i + "]";
          Instant from = p.hasPath("from") ? in.instant(p, "from", at) : start;
          for (String size : p.root().keySet()) {
            if (!size.equals("from")) {
              bySize.computeIfAbsent(size, s -> new TreeMap<>()).put(from, in.bounded(p, SettingReader.quote(size), at, Limits.PRICE_PER_VM_HOUR));
            }
          }
        }
      }
      default -> throw in.error(c, key, full, "expected a price, prices per size, a trace, or a list of {from, size = price}");
    }
    if (bySize.isEmpty()) {
      throw in.error(c, key, full, "no price given");
    }
    return new PriceSchedule(bySize);
  }

  /**
   * {@code trace { file, zone, type, from, scale = 1 }}: the trace's instant {@code from} is the
   * scenario's start; the price at the start is the trace's last record at or before {@code from},
   * and each later record is a price change at start + (its time - from). Repeated prices are one.
   */
  private Map<Instant, Double> trace(Config parent, String key, String where, Instant start) {
    String w = where + "." + key;
    Config t;
    try {
      t = parent.getConfig(key);
    } catch (ConfigException e) {
      throw in.error(parent, key, w, "expected trace { file, zone, type, from, scale }");
    }
    in.onlyKnown(t, w, List.of("file", "zone", "type", "from", "scale"));
    Path csv = in.file(t, "file", w);
    PriceTrace cached = traces.get(csv);
    if (cached == null) {
      try {
        cached = PriceTrace.read(csv);
      } catch (InvalidInputException e) {
        throw in.error(t, "file", w + ".file", e.getMessage());
      }
      traces.put(csv, cached);
    }
    PriceTrace trace = cached;
    String zone = in.string(t, "zone", w);
    String type = in.string(t, "type", w);
    Instant from = in.instant(t, "from", w);
    double scale = t.hasPath("scale") ? in.bounded(t, "scale", w, Limits.PRICE_SCALE) : 1;
    if (!trace.zones().contains(zone)) {
      throw in.error(t, "zone", w + ".zone", "no zone or region '" + zone + "' in " + csv.getFileName() + " (it has " + trace.zones() + ")");
    }
    NavigableMap<Instant, Double> series = trace.series(zone, type).orElseThrow(() -> in.error(t, "type", w + ".type",
        "no type '" + type + "' in zone " + zone + " of " + csv.getFileName() + " (it has " + trace.types(zone) + ")"));
    Map.Entry<Instant, Double> first = series.floorEntry(from);
    if (first == null) {
      throw in.error(t, "from", w + ".from", "no record of " + zone + " " + type + " at or before " + from + " (the first is at "
          + series.firstKey() + ")");
    }
    TreeMap<Instant, Double> points = new TreeMap<>();
    double last = first.getValue() * scale;
    points.put(start, scaledPrice(t, w, last));
    for (Map.Entry<Instant, Double> e : series.tailMap(from, false).entrySet()) {
      double p = e.getValue() * scale;
      if (p != last) {
        Instant at = start.plus(Duration.between(from, e.getKey()));
        if (!Limits.instantProblem(at).isEmpty()) {
          break; // the trace goes on past the last instant vmflock reads
        }
        points.put(at, scaledPrice(t, w, p));
        last = p;
      }
    }
    return points;
  }

  private List<Link> links(Set<String> siteNames) {
    List<Link> links = new ArrayList<>();
    if (!root.hasPath("links")) {
      return links;
    }
    List<? extends Config> list = in.configList(root, "links", "");
    for (int i = 0; i < list.size(); i++) {
      Config l = list.get(i);
      String where = "links[" + i + "]";
      in.onlyKnown(l, where, List.of("between", "latency", "bandwidth"));
      List<String> between;
      try {
        between = l.getStringList("between");
      } catch (ConfigException e) {
        throw in.error(l, "between", where + ".between", "expected between = [site, site]");
      }
      if (between.size() != 2) {
        throw in.error(l, "between", where + ".between", "a link joins two sites, not " + between.size());
      }
      for (String s : between) {
        if (!siteNames.contains(s)) {
          throw in.error(l, "between", where + ".between", "unknown site '" + s + "'");
        }
      }
      if (between.get(0).equals(between.get(1))) {
        throw in.error(l, "between", where + ".between", "a link joins two different sites");
      }
      links.add(new Link(between.get(0), between.get(1), in.networkPath(l, where)));
    }
    return links;
  }

  /**
   * An application; {@code start} empty for one submitted while vmflock runs (it arrives when it
   * is submitted).
   */
  private Scenario.ScenarioApplication application(String name, Config c, String where, Map<String, Capacity> sizes, Infrastructure infra,
      Optional<Instant> start) {
    checkName("application", name, where);
    in.onlyKnown(c, where, APPLICATION_KEYS);
    boolean qemu = vmKind(c, where) == QemuGuests.VmKind.QEMU;
    Optional<Profile> profile = profile(c, where);
    List<String> local = vmNames(c, where, profile);
    String size = c.hasPath("size") ? in.string(c, "size", where) : profile.map(Profile::size).orElse(DEFAULT_SIZE);
    Capacity sizeCap = sizes.get(size);
    if (sizeCap == null) {
      String setting = c.hasPath("size") ? "size" : "profile";
      throw in.error(c, setting, where + "." + setting, "unknown VM size '" + size + "' (known: " + sizes.keySet() + ")");
    }
    for (Site s : infra.sites()) {
      if (!s.hosting().prices(size)) {
        throw in.error(where + ".size", "site " + s.name() + " has no hosting price for size '" + size + "'");
      }
    }
    int cores = c.hasPath("cores") ? in.boundedInt(c, "cores", where, Limits.VM_CORES) : sizeCap.cores();
    long memory = c.hasPath("memory") ? in.bytes(c, "memory", where, qemu ? QemuGuests.MEMORY : Limits.VM_MEMORY)
        : qemu ? QemuGuests.DEFAULT_MEMORY : sizeCap.memoryBytes();
    double dirty = c.hasPath("dirty-rate") ? in.rate(c, "dirty-rate", where, qemu ? QemuGuests.DIRTY_RATE : Limits.DIRTY_RATE)
        : profile.map(Profile::dirtyBytesPerSecond).orElse(DEFAULT_DIRTY_RATE);
    Optional<QemuGuests> guests = qemu ? Optional.of(guests(c, where, memory, dirty)) : Optional.empty();
    List<Vm> vms = new ArrayList<>();
    for (String vm : local) {
      try {
        vms.add(new Vm(name + "-" + vm, size, cores, memory, dirty));
      } catch (IllegalArgumentException e) {
        throw in.error(c, "vms", where + ".vms", e.getMessage());
      }
    }
    List<String> names = vms.stream().map(Vm::name).toList();
    double work = profile.isPresent() && !c.hasPath("work") ? profile.get().defaultWorkSeconds() : in.seconds(c, "work", where, true);
    if (work > Limits.WORK_SECONDS.max()) {
      throw in.error(c, "work", where + ".work", Limits.WORK_SECONDS.problem(work));
    }
    double done = c.hasPath("done") ? in.seconds(c, "done", where, false) : 0;
    if (done > work) {
      throw in.error(c, "done", where + ".done", "more work done (" + done + " s) than the application has (" + work + " s)");
    }
    double syncs = c.hasPath("syncs-per-second") ? in.bounded(c, "syncs-per-second", where, Limits.SYNCS_PER_SECOND)
        : guests.isPresent() && work > 0 ? guests.get().rounds() / work
        : profile.map(Profile::syncsPerWork).orElse(DEFAULT_SYNCS);
    boolean trafficGiven = c.hasPath("traffic") || c.hasPath("traffic-csv");
    TrafficMatrix traffic = profile.isPresent()
        ? new TrafficMatrix(names, profile.get().trafficPerWork().packets(), profile.get().trafficPerWork().bytes())
        : guests.isPresent() && !trafficGiven && work > 0 ? ringTraffic(names, guests.get(), work)
        : traffic(c, where, names);
    Objective objective;
    try {
      objective = c.hasPath("objective") ? Objective.parse(in.string(c, "objective", where)) : Objective.TIME;
    } catch (IllegalArgumentException e) {
      throw in.error(c, "objective", where + ".objective", e.getMessage());
    }
    Optional<Instant> deadline = c.hasPath("deadline") ? Optional.of(in.instant(c, "deadline", where)) : Optional.empty();
    Optional<Double> budget = c.hasPath("budget") ? Optional.of(in.bounded(c, "budget", where, Limits.MONEY)) : Optional.empty();
    double spent = c.hasPath("spent") ? in.bounded(c, "spent", where, Limits.MONEY) : 0;
    Optional<Instant> arrives = arrival(c, where, start);
    // a profile's rounds hold unless the scenario sets the barrier count itself
    CommunicationRounds rounds = profile.isPresent() && !c.hasPath("syncs-per-second") ? profile.get().rounds() : CommunicationRounds.UNKNOWN;
    Application app = new Application(name, vms, new Workload(work, done, syncs, traffic, rounds), objective, deadline, budget, spent);
    Optional<String> program = c.hasPath("program") ? Optional.of(in.string(c, "program", where)) : Optional.empty();
    return new Scenario.ScenarioApplication(app, placement(c, where, local, name, infra), profile.map(Profile::name).orElse(Scenario.CUSTOM),
        arrives, program, guests, announcement(c, where, start, arrives));
  }

  /** {@code announced = D}: the manager learns D before {@code arrives} that the application will come (never before the start). */
  private Optional<Instant> announcement(Config c, String where, Optional<Instant> start, Optional<Instant> arrives) {
    if (!c.hasPath("announced")) {
      return Optional.empty();
    }
    if (arrives.isEmpty() || start.isEmpty() || !arrives.get().isAfter(start.get())) {
      throw in.error(c, "announced", where + ".announced", "only an application that arrives after the start can be announced before it arrives");
    }
    Duration before = in.duration(c, "announced", where);
    if (before.isNegative() || before.isZero()) {
      throw in.error(c, "announced", where + ".announced", "an announcement comes some time before the arrival, not " + before);
    }
    Instant at = arrives.get().minus(before);
    return Optional.of(at.isBefore(start.get()) ? start.get() : at);
  }

  /** {@code vm-kind = namespace | qemu} (default namespace); a QEMU application runs no program or profile, a namespace one has no guest. */
  private QemuGuests.VmKind vmKind(Config c, String where) {
    if (!c.hasPath("vm-kind")) {
      if (c.hasPath("guest")) {
        throw in.error(c, "guest", where + ".guest", "guest { ... } describes QEMU guests: set vm-kind = qemu, or remove it");
      }
      return QemuGuests.VmKind.NAMESPACE;
    }
    String kind = in.string(c, "vm-kind", where);
    QemuGuests.VmKind k = java.util.Arrays.stream(QemuGuests.VmKind.values()).filter(v -> v.label().equals(kind)).findFirst()
        .orElseThrow(() -> in.error(c, "vm-kind", where + ".vm-kind", "unknown VM kind '" + Limits.quoted(kind) + "' (known: namespace, qemu)"));
    if (k == QemuGuests.VmKind.QEMU) {
      for (String other : List.of("program", "profile")) {
        if (c.hasPath(other)) {
          throw in.error(c, other, where + "." + other, "a QEMU application's work is its guests' ring exchange (guest { rounds, message }), "
              + "not a " + other + ": remove " + other + " or vm-kind");
        }
      }
    } else if (c.hasPath("guest")) {
      throw in.error(c, "guest", where + ".guest", "guest { ... } describes QEMU guests: set vm-kind = qemu, or remove it");
    }
    return k;
  }

  /** {@code guest { fill, working-set, rounds, message }} of a QEMU application, each guest with {@code memory} and dirtying at {@code dirty}. */
  private QemuGuests guests(Config c, String where, long memory, double dirty) {
    Config g = c.hasPath("guest") ? in.config(c, "guest", where) : com.typesafe.config.ConfigFactory.empty();
    String at = where + ".guest";
    if (c.hasPath("guest")) {
      in.onlyKnown(g, at, GUEST_KEYS);
    }
    long room = memory - QemuGuests.KERNEL_BYTES;
    long ws = g.hasPath("working-set") ? in.bytes(g, "working-set", at, new Limits.Bound("a working set in bytes", 4096, room))
        : Math.min(QemuGuests.DEFAULT_WORKING_SET, room / 2);
    long fill = g.hasPath("fill") ? in.bytes(g, "fill", at, new Limits.Bound("a guest's filled memory in bytes (its memory less "
        + QemuGuests.KERNEL_BYTES / MIB + " MiB for its kernel, less its working set)", 0, room - ws)) : Math.min(DEFAULT_GUEST_FILL, room - ws);
    int rounds = g.hasPath("rounds") ? in.boundedInt(g, "rounds", at, QemuGuests.ROUNDS) : DEFAULT_GUEST_ROUNDS;
    long message = g.hasPath("message") ? in.bytes(g, "message", at, QemuGuests.MESSAGE) : DEFAULT_GUEST_MESSAGE;
    try {
      return new QemuGuests(memory, fill, ws, dirty, rounds, message);
    } catch (IllegalArgumentException e) {
      throw in.error(c, "guest", at, e.getMessage());
    }
  }

  /**
   * What a QEMU application's planner believes it exchanges when the scenario writes no traffic:
   * its ring, each VM sending the next one (in order) {@code rounds} messages over {@code work}
   * seconds, a message in segments of {@link #SEGMENT_BYTES}.
   */
  private static TrafficMatrix ringTraffic(List<String> names, QemuGuests g, double work) {
    int n = names.size();
    double[][] bytes = new double[n][n];
    double[][] packets = new double[n][n];
    if (n > 1) {
      for (int i = 0; i < n; i++) {
        int next = (i + 1) % n;
        bytes[i][next] += g.rounds() * (double) g.messageBytes() / work;
        packets[i][next] += g.rounds() * Math.ceil(g.messageBytes() / SEGMENT_BYTES) / work;
      }
    }
    return new TrafficMatrix(names, packets, bytes);
  }

  /**
   * {@code profile = NAME}: the NAS-like profile the application runs, which brings its traffic; or
   * {@code program = NAME}: the real program an emulation runs, which brings its measured profile.
   */
  private Optional<Profile> profile(Config c, String where) {
    if (c.hasPath("program")) {
      if (c.hasPath("profile")) {
        throw in.error(c, "profile", where + ".profile", "an application runs a profile or a program, not both: remove one");
      }
      String name = in.string(c, "program", where);
      if (!programs.names().contains(name)) {
        throw in.error(c, "program", where + ".program", "unknown program '" + Limits.quoted(name) + "' ("
            + (programs.names().isEmpty() ? "only an emulation runs programs: vmflock emulate" : "known: " + String.join(", ", programs.names())) + ")");
      }
      // a program measured on this many ranks has its profile; one not measured is modelled as the scenario writes it out
      Optional<Profile> measured = c.hasPath("vms") && c.getValue("vms").valueType() == com.typesafe.config.ConfigValueType.NUMBER
          ? programs.lookup(name + "." + c.getInt("vms")) : programs.lookup(name);
      if (measured.isPresent() && c.hasPath("traffic")) {
        throw in.error(c, "traffic", where + ".traffic", "the application's traffic comes from its program's measured profile: remove traffic");
      }
      return measured;
    }
    if (!c.hasPath("profile")) {
      return Optional.empty();
    }
    String name = in.string(c, "profile", where);
    Profile p = catalog.lookup(name).orElseThrow(() -> in.error(c, "profile", where + ".profile", catalog.whyUnknown(name)));
    if (c.hasPath("traffic")) {
      throw in.error(c, "traffic", where + ".traffic", "the application's traffic comes from its profile " + name + ": remove traffic or profile");
    }
    return Optional.of(p);
  }

  /** {@code vms = N} (vm1 ... vmN) or a list of names; with a profile, its VM count (and it may be left out). */
  private List<String> vmNames(Config c, String where, Optional<Profile> profile) {
    List<String> local = new ArrayList<>();
    if (!c.hasPath("vms")) {
      if (profile.isEmpty()) {
        throw in.error(where, "missing setting 'vms' (a number, or a list of VM names)");
      }
      for (int i = 1; i <= profile.get().vms(); i++) {
        local.add("vm" + i);
      }
      return local;
    }
    if (c.getValue("vms").valueType() == ConfigValueType.NUMBER) {
      int n = in.boundedInt(c, "vms", where, Limits.APPLICATION_VMS);
      for (int i = 1; i <= n; i++) {
        local.add("vm" + i);
      }
    } else {
      try {
        local.addAll(c.getStringList("vms"));
      } catch (ConfigException e) {
        throw in.error(c, "vms", where + ".vms", "expected a number or a list of names");
      }
      if (local.isEmpty() || new HashSet<>(local).size() != local.size()) {
        throw in.error(c, "vms", where + ".vms", "VM names must be given, each once");
      }
      if (!Limits.APPLICATION_VMS.contains(local.size())) {
        throw in.error(c, "vms", where + ".vms", Limits.APPLICATION_VMS.problem(local.size()));
      }
    }
    if (profile.isPresent() && local.size() != profile.get().vms()) {
      throw in.error(c, "vms", where + ".vms", "profile " + profile.get().name() + " runs on " + profile.get().vms() + " VMs, not " + local.size());
    }
    return local;
  }

  /** {@code arrives = T}: submitted at T, not before the start; an application arriving later runs nowhere yet. */
  private Optional<Instant> arrival(Config c, String where, Optional<Instant> start) {
    if (!c.hasPath("arrives")) {
      return Optional.empty();
    }
    if (start.isEmpty()) {
      throw in.error(c, "arrives", where + ".arrives", "a submitted application arrives when it is submitted");
    }
    Instant t = in.instant(c, "arrives", where);
    if (t.isBefore(start.get())) {
      throw in.error(c, "arrives", where + ".arrives", "arrives at " + t + ", before the scenario starts (" + start.get() + ")");
    }
    if (t.isAfter(start.get()) && c.hasPath("placement")) {
      throw in.error(c, "placement", where + ".placement", "an application that arrives after the start (" + t + ") runs nowhere yet: remove its placement");
    }
    return Optional.of(t);
  }

  /**
   * {@code traffic = FILE.csv} or {@code traffic-csv = "..."} inline (bytes; packets optional, the
   * same way) covering {@code traffic-covers} work seconds; none: no traffic.
   */
  private TrafficMatrix traffic(Config c, String where, List<String> names) {
    int n = names.size();
    Optional<TrafficMatrix> given = matrix(c, where, "traffic", TrafficMetric.BYTES);
    if (given.isEmpty()) {
      if (c.hasPath("traffic-packets") || c.hasPath("traffic-packets-csv")) {
        throw in.error(c, c.hasPath("traffic-packets") ? "traffic-packets" : "traffic-packets-csv", where, "packets without bytes: give traffic too");
      }
      return TrafficMatrix.zero(names);
    }
    TrafficMatrix bytes = given.get();
    String key = c.hasPath("traffic") ? "traffic" : "traffic-csv";
    if (bytes.size() != n) {
      throw in.error(c, key, where + "." + key, "the matrix has " + bytes.size() + " VMs, the application " + n);
    }
    double covers = c.hasPath("traffic-covers") ? in.seconds(c, "traffic-covers", where, true) : 1;
    if (covers > Limits.WORK_SECONDS.max()) {
      throw in.error(c, "traffic-covers", where + ".traffic-covers", Limits.WORK_SECONDS.problem(covers));
    }
    Optional<TrafficMatrix> packets = matrix(c, where, "traffic-packets", TrafficMetric.PACKETS);
    if (packets.isPresent() && packets.get().size() != n) {
      throw in.error(where, "the packets matrix has " + packets.get().size() + " VMs, the application " + n);
    }
    double[][] b = new double[n][n];
    double[][] p = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        b[i][j] = bytes.bytes(i, j) / covers;
        p[i][j] = packets.isPresent() ? packets.get().packets(i, j) / covers : 0;
      }
    }
    return new TrafficMatrix(names, p, b);
  }

  /** The matrix of {@code key = FILE.csv} or {@code key-csv = "..."} (its text inline), if either is given. */
  private Optional<TrafficMatrix> matrix(Config c, String where, String key, TrafficMetric metric) {
    String inline = key + "-csv";
    if (c.hasPath(key) && c.hasPath(inline)) {
      throw in.error(c, inline, where + "." + inline, "give " + key + " (a file) or " + inline + " (its text), not both");
    }
    try {
      if (c.hasPath(key)) {
        return Optional.of(MatrixCsv.read(in.file(c, key, where), metric));
      }
      if (c.hasPath(inline)) {
        String text = in.string(c, inline, where);
        return Optional.of(MatrixCsv.parse(where + "." + inline, text, metric));
      }
    } catch (InvalidInputException e) {
      throw in.error(c, c.hasPath(key) ? key : inline, where + "." + (c.hasPath(key) ? key : inline), e.getMessage());
    }
    return Optional.empty();
  }

  /** {@code placement = SITE} or {@code placement { SITE = [vm1, vm2] }}; none: a new application. */
  private Placement placement(Config c, String where, List<String> local, String app, Infrastructure infra) {
    if (!c.hasPath("placement")) {
      return Placement.EMPTY;
    }
    ConfigValue v = c.getValue("placement");
    Map<String, String> siteOf = new LinkedHashMap<>();
    if (v.valueType() == ConfigValueType.STRING) {
      String site = c.getString("placement");
      requireSite(c, "placement", where + ".placement", site, infra);
      local.forEach(vm -> siteOf.put(app + "-" + vm, site));
    } else if (v.valueType() == ConfigValueType.OBJECT) {
      Config p = c.getConfig("placement");
      for (String site : in.object(c, "placement", where).keySet()) {
        requireSite(c, "placement", where + ".placement." + site, site, infra);
        for (String vm : p.getStringList(SettingReader.quote(site))) {
          if (!local.contains(vm)) {
            throw in.error(p, SettingReader.quote(site), where + ".placement." + site, "unknown VM '" + vm + "' (the application has " + local + ")");
          }
          if (siteOf.put(app + "-" + vm, site) != null) {
            throw in.error(p, SettingReader.quote(site), where + ".placement." + site, "VM '" + vm + "' placed twice");
          }
        }
      }
      if (siteOf.size() != local.size()) {
        List<String> missing = local.stream().filter(vm -> !siteOf.containsKey(app + "-" + vm)).toList();
        throw in.error(c, "placement", where + ".placement", "no site for " + missing);
      }
    } else {
      throw in.error(c, "placement", where + ".placement", "expected a site, or { site = [vm, ...] }");
    }
    return Placement.of(siteOf);
  }

  // ---------------------------------------------------------------- checks

  /** A path given on its own: { latency, bandwidth }. */
  private NetworkPath path(Config c, String where) {
    in.onlyKnown(c, where, List.of("latency", "bandwidth"));
    return in.networkPath(c, where);
  }

  private double scaledPrice(Config t, String where, double price) {
    if (!Limits.PRICE_PER_VM_HOUR.contains(price)) {
      throw in.error(t, "scale", where + ".scale", "a scaled price: " + Limits.PRICE_PER_VM_HOUR.problem(price));
    }
    return price;
  }

  /** The applications placed at the start fit in their sites, as the simulator and the node will require. */
  private void checkPlacedCapacity(Infrastructure infra, List<Scenario.ScenarioApplication> apps) {
    Map<String, Capacity> taken = new TreeMap<>();
    Map<String, String> firstApp = new HashMap<>();
    for (Scenario.ScenarioApplication a : apps) {
      for (Vm vm : a.app().vms()) {
        a.placement().siteOf(vm.name()).ifPresent(site -> {
          taken.merge(site, Capacity.of(vm), Capacity::plus);
          firstApp.putIfAbsent(site, a.app().name());
        });
      }
    }
    for (Map.Entry<String, Capacity> e : taken.entrySet()) {
      Capacity offered = infra.site(e.getKey()).orElseThrow().capacity();
      if (!offered.holds(e.getValue())) {
        throw in.error("applications." + firstApp.get(e.getKey()) + ".placement", "the applications placed at site " + e.getKey() + " take "
            + e.getValue() + ", more than its capacity (" + offered + ")");
      }
    }
  }

  /**
   * The loop periods a simulation of this scenario would run through: to its end, or until its
   * applications' work is done at the slowest CPU (however long they may wait for room).
   */
  private void checkHorizon(Instant start, SimulationSettings simulation, Infrastructure infra, List<Scenario.ScenarioApplication> apps) {
    double horizon;
    if (simulation.end().isPresent()) {
      horizon = Duration.between(start, simulation.end().get()).toSeconds();
    } else {
      double slowest = infra.sites().stream().mapToDouble(Site::cpuSpeed).min().orElse(1);
      horizon = 0;
      for (Scenario.ScenarioApplication a : apps) {
        double arrives = a.arrives().map(t -> (double) Duration.between(start, t).toSeconds()).orElse(0.0);
        horizon = Math.max(horizon, arrives + a.app().workload().remainingWork() / slowest);
      }
    }
    double periods = horizon / (simulation.period().toMillis() / 1000.0);
    if (periods > Limits.MAX_SIMULATED_PERIODS) {
      throw in.error(simulation.end().isPresent() ? "simulation.end" : "simulation.period", String.format(java.util.Locale.ROOT,
          "the simulation would run %.3g loop periods of %s, more than vmflock's limit of %,d: a longer period or a shorter horizon",
          periods, simulation.period(), Limits.MAX_SIMULATED_PERIODS));
    }
  }

  private void requireSite(Config c, String key, String where, String site, Infrastructure infra) {
    if (infra.site(site).isEmpty()) {
      throw in.error(c, key, where, "unknown site '" + site + "'");
    }
  }

  private void checkName(String kind, String name, String where) {
    try {
      org.vmflock.model.VmEndpoint.requireName(kind, name);
    } catch (IllegalArgumentException e) {
      throw in.error(where, e.getMessage());
    }
  }
}
