package org.vmflock.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.vmflock.model.Application;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.Objective;
import org.vmflock.model.Placement;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.model.TrafficMatrix;
import org.vmflock.model.TrafficMetric;
import org.vmflock.model.Vm;
import org.vmflock.model.Workload;
import org.vmflock.monitor.export.MatrixCsv;

/**
 * Reads scenario files (HOCON): sites, links, applications. Every error names the file, the line
 * and the setting. The format is documented with a commented example in
 * {@code simulations/example.conf}; the simulator extends it (timeline, profiles).
 */
public final class ScenarioFile {

  private static final double DEFAULT_SPEED = 1;
  private static final String DEFAULT_SIZE = "small";
  private static final double DEFAULT_SYNCS = 10;
  private static final double DEFAULT_DIRTY_RATE = 10e6;
  private static final NetworkPath DEFAULT_SITE_NETWORK = new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8);
  private static final long GIB = 1L << 30;
  private static final Map<String, Capacity> DEFAULT_SIZES = Map.of(
      "small", new Capacity(1, 1, 2 * GIB),
      "medium", new Capacity(1, 2, 4 * GIB),
      "large", new Capacity(1, 4, 8 * GIB));

  private final Path file;
  private final Config root;

  private ScenarioFile(Path file, Config root) {
    this.file = file;
    this.root = root;
  }

  /** The VM sizes every scenario knows (a scenario's {@code vm-sizes} may add or redefine some). */
  static Map<String, Capacity> defaultSizes() {
    return DEFAULT_SIZES;
  }

  public static Scenario load(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new InvalidInputException(file.toString(), "no such scenario file");
    }
    Config c;
    try {
      c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(file.toString(), e.getMessage().replace(file.toString() + ": ", ""));
    }
    return new ScenarioFile(file, c).read();
  }

  /**
   * One application written as in a scenario's {@code applications} block (HOCON or JSON), with
   * its {@code name}; {@code source} names it in errors, relative traffic files are found from
   * {@code base}. Sites and VM sizes are checked against {@code infra}.
   */
  public static Scenario.ScenarioApplication application(String source, Path base, String text, Infrastructure infra) {
    Config c;
    try {
      c = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setOriginDescription(source)).resolve();
    } catch (ConfigException e) {
      throw new InvalidInputException(source, e.getMessage());
    }
    ScenarioFile f = new ScenarioFile(base.resolve(source.replaceAll("[^A-Za-z0-9._-]", "_")), c);
    if (!c.hasPath("name")) {
      throw new InvalidInputException(source, "missing setting 'name' (the application's name)");
    }
    String name = c.getString("name");
    return f.application(name, c, "application " + name, f.sizes(), infra);
  }

  private Scenario read() {
    Instant start = instant(root, "start");
    Map<String, Capacity> sizes = sizes();
    List<Site> sites = new ArrayList<>();
    ConfigObject siteObjects = object(root, "sites");
    if (siteObjects.isEmpty()) {
      throw error("sites", "a scenario needs at least one site");
    }
    for (String name : new TreeMap<>(siteObjects.unwrapped()).keySet()) {
      sites.add(site(name, root.getConfig("sites").getConfig(quote(name)), "sites." + name, start, siteObjects.keySet()));
    }
    List<Link> links = links(siteObjects.keySet());
    Optional<NetworkPath> defaultLink = root.hasPath("default-link")
        ? Optional.of(path(root.getConfig("default-link"), "default-link"))
        : Optional.empty();
    Infrastructure infra;
    try {
      infra = new Infrastructure(sites, links, defaultLink);
    } catch (IllegalArgumentException e) {
      throw error("links", e.getMessage());
    }
    List<Scenario.ScenarioApplication> apps = new ArrayList<>();
    if (root.hasPath("applications")) {
      Set<String> vmNames = new HashSet<>();
      for (String name : new TreeMap<>(object(root, "applications").unwrapped()).keySet()) {
        Scenario.ScenarioApplication a = application(name, root.getConfig("applications").getConfig(quote(name)), "applications." + name, sizes, infra);
        for (String vm : a.app().vmNames()) {
          if (!vmNames.add(vm)) {
            throw error("applications." + name, "VM name " + vm + " is used by two applications");
          }
        }
        apps.add(a);
      }
    }
    return new Scenario(file, start, infra, apps);
  }

  // ---------------------------------------------------------------- sections

  private Map<String, Capacity> sizes() {
    Map<String, Capacity> sizes = new TreeMap<>(DEFAULT_SIZES);
    if (root.hasPath("vm-sizes")) {
      for (String name : object(root, "vm-sizes").keySet()) {
        Config s = root.getConfig("vm-sizes").getConfig(quote(name));
        String where = "vm-sizes." + name;
        sizes.put(name, new Capacity(1, positiveInt(s, "cores", where), bytes(s, "memory", where)));
      }
    }
    return sizes;
  }

  private Site site(String name, Config c, String where, Instant start, Set<String> siteNames) {
    checkName("site", name, where);
    Config cap = c.hasPath("capacity") ? c.getConfig("capacity") : fail(c, where, "capacity", "missing setting: every site needs a capacity { slots = N }");
    int slots = nonNegativeInt(cap, "slots", where + ".capacity");
    int cores = cap.hasPath("cores") ? nonNegativeInt(cap, "cores", where + ".capacity") : slots * 64;
    long memory = cap.hasPath("memory") ? bytes(cap, "memory", where + ".capacity") : slots * 256 * GIB;
    double speed = c.hasPath("cpu-speed") ? positive(c, "cpu-speed", where) : DEFAULT_SPEED;
    PriceSchedule hosting = prices(c, where, start);
    double transferDefault = 0;
    Map<String, Double> transferTo = new TreeMap<>();
    if (c.hasPath("transfer-price-per-gb")) {
      ConfigValue v = c.getValue("transfer-price-per-gb");
      if (v.valueType() == ConfigValueType.NUMBER) {
        transferDefault = nonNegative(c, "transfer-price-per-gb", where);
      } else {
        Config t = c.getConfig("transfer-price-per-gb");
        for (String to : object(c, "transfer-price-per-gb").keySet()) {
          double p = nonNegative(t, quote(to), where + ".transfer-price-per-gb");
          if (to.equals("default")) {
            transferDefault = p;
          } else if (!siteNames.contains(to)) {
            throw error(c, "transfer-price-per-gb", where + ".transfer-price-per-gb." + to, "unknown site '" + to + "'");
          } else {
            transferTo.put(to, p);
          }
        }
      }
    }
    NetworkPath network = c.hasPath("network") ? path(c.getConfig("network"), where + ".network") : DEFAULT_SITE_NETWORK;
    List<AvailabilityWindow> windows = new ArrayList<>();
    if (c.hasPath("availability")) {
      List<? extends Config> list = configList(c, "availability", where);
      for (int i = 0; i < list.size(); i++) {
        Config w = list.get(i);
        String at = where + ".availability[" + i + "]";
        Instant from = w.hasPath("from") ? instant(w, "from", at) : start;
        Instant until = instant(w, "until", at);
        if (!until.isAfter(start)) {
          throw error(w, "until", at + ".until", "the window ends (" + until + ") before the scenario starts (" + start + ")");
        }
        if (!until.isAfter(from)) {
          throw error(w, "until", at + ".until", "the window ends (" + until + ") before it starts (" + from + ")");
        }
        windows.add(new AvailabilityWindow(from, until));
      }
    }
    try {
      return new Site(name, new Capacity(slots, cores, memory), speed, hosting, transferDefault, transferTo, network, windows);
    } catch (IllegalArgumentException e) {
      throw error(where, e.getMessage());
    }
  }

  /** A number (every size), an object of sizes, or a list of {from = T, size = price}. */
  private PriceSchedule prices(Config c, String where, Instant start) {
    String key = "price-per-vm-hour";
    if (!c.hasPath(key)) {
      return PriceSchedule.flat(0);
    }
    ConfigValue v = c.getValue(key);
    Map<String, Map<Instant, Double>> bySize = new TreeMap<>();
    switch (v.valueType()) {
      case NUMBER -> bySize.put(PriceSchedule.ANY_SIZE, Map.of(start, nonNegative(c, key, where)));
      case OBJECT -> {
        Config p = c.getConfig(key);
        for (String size : object(c, key).keySet()) {
          bySize.put(size, Map.of(start, nonNegative(p, quote(size), where + "." + key)));
        }
      }
      case LIST -> {
        List<? extends Config> points = configList(c, key, where);
        for (int i = 0; i < points.size(); i++) {
          Config p = points.get(i);
          String at = where + "." + key + "[" + i + "]";
          Instant from = p.hasPath("from") ? instant(p, "from", at) : start;
          for (String size : p.root().keySet()) {
            if (!size.equals("from")) {
              bySize.computeIfAbsent(size, s -> new TreeMap<>()).put(from, nonNegative(p, quote(size), at));
            }
          }
        }
      }
      default -> throw error(c, key, where + "." + key, "expected a price, prices per size, or a list of {from, size = price}");
    }
    if (bySize.isEmpty()) {
      throw error(c, key, where + "." + key, "no price given");
    }
    return new PriceSchedule(bySize);
  }

  private List<Link> links(Set<String> siteNames) {
    List<Link> links = new ArrayList<>();
    if (!root.hasPath("links")) {
      return links;
    }
    List<? extends Config> list = configList(root, "links", "");
    for (int i = 0; i < list.size(); i++) {
      Config l = list.get(i);
      String where = "links[" + i + "]";
      List<String> between;
      try {
        between = l.getStringList("between");
      } catch (ConfigException e) {
        throw error(l, "between", where + ".between", "expected between = [site, site]");
      }
      if (between.size() != 2) {
        throw error(l, "between", where + ".between", "a link joins two sites, not " + between.size());
      }
      for (String s : between) {
        if (!siteNames.contains(s)) {
          throw error(l, "between", where + ".between", "unknown site '" + s + "'");
        }
      }
      if (between.get(0).equals(between.get(1))) {
        throw error(l, "between", where + ".between", "a link joins two different sites");
      }
      links.add(new Link(between.get(0), between.get(1), path(l, where)));
    }
    return links;
  }

  private Scenario.ScenarioApplication application(String name, Config c, String where, Map<String, Capacity> sizes, Infrastructure infra) {
    checkName("application", name, where);
    List<String> local = new ArrayList<>();
    ConfigValue vmsValue = c.hasPath("vms") ? c.getValue("vms") : null;
    if (vmsValue == null) {
      throw error(where, "missing setting 'vms' (a number, or a list of VM names)");
    }
    if (vmsValue.valueType() == ConfigValueType.NUMBER) {
      int n = positiveInt(c, "vms", where);
      for (int i = 1; i <= n; i++) {
        local.add("vm" + i);
      }
    } else {
      try {
        local.addAll(c.getStringList("vms"));
      } catch (ConfigException e) {
        throw error(c, "vms", where + ".vms", "expected a number or a list of names");
      }
      if (local.isEmpty() || new HashSet<>(local).size() != local.size()) {
        throw error(c, "vms", where + ".vms", "VM names must be given, each once");
      }
    }
    String size = c.hasPath("size") ? c.getString("size") : DEFAULT_SIZE;
    Capacity sizeCap = sizes.get(size);
    if (sizeCap == null) {
      throw error(c, "size", where + ".size", "unknown VM size '" + size + "' (known: " + sizes.keySet() + ")");
    }
    for (Site s : infra.sites()) {
      if (!s.hosting().prices(size)) {
        throw error(where + ".size", "site " + s.name() + " has no hosting price for size '" + size + "'");
      }
    }
    int cores = c.hasPath("cores") ? positiveInt(c, "cores", where) : sizeCap.cores();
    long memory = c.hasPath("memory") ? bytes(c, "memory", where) : sizeCap.memoryBytes();
    double dirty = c.hasPath("dirty-rate") ? rate(c, "dirty-rate", where) : DEFAULT_DIRTY_RATE;
    List<Vm> vms = new ArrayList<>();
    for (String vm : local) {
      try {
        vms.add(new Vm(name + "-" + vm, size, cores, memory, dirty));
      } catch (IllegalArgumentException e) {
        throw error(c, "vms", where + ".vms", e.getMessage());
      }
    }
    List<String> names = vms.stream().map(Vm::name).toList();
    double work = seconds(c, "work", where, true);
    double done = c.hasPath("done") ? seconds(c, "done", where, false) : 0;
    if (done > work) {
      throw error(c, "done", where + ".done", "more work done (" + done + " s) than the application has (" + work + " s)");
    }
    double syncs = c.hasPath("syncs-per-second") ? nonNegative(c, "syncs-per-second", where) : DEFAULT_SYNCS;
    TrafficMatrix traffic = traffic(c, where, names);
    Objective objective;
    try {
      objective = c.hasPath("objective") ? Objective.parse(c.getString("objective")) : Objective.TIME;
    } catch (IllegalArgumentException e) {
      throw error(c, "objective", where + ".objective", e.getMessage());
    }
    Optional<Instant> deadline = c.hasPath("deadline") ? Optional.of(instant(c, "deadline", where)) : Optional.empty();
    Optional<Double> budget = c.hasPath("budget") ? Optional.of(nonNegative(c, "budget", where)) : Optional.empty();
    double spent = c.hasPath("spent") ? nonNegative(c, "spent", where) : 0;
    Application app = new Application(name, vms, new Workload(work, done, syncs, traffic), objective, deadline, budget, spent);
    return new Scenario.ScenarioApplication(app, placement(c, where, local, name, infra));
  }

  /** {@code traffic = FILE.csv} (bytes; packets optional) covering {@code traffic-covers} work seconds; none: no traffic. */
  private TrafficMatrix traffic(Config c, String where, List<String> names) {
    int n = names.size();
    if (!c.hasPath("traffic")) {
      return TrafficMatrix.zero(names);
    }
    Path csv = resolve(c.getString("traffic"));
    TrafficMatrix bytes;
    try {
      bytes = MatrixCsv.read(csv, TrafficMetric.BYTES);
    } catch (InvalidInputException e) {
      throw error(c, "traffic", where + ".traffic", e.getMessage());
    }
    if (bytes.size() != n) {
      throw error(c, "traffic", where + ".traffic", csv + " has " + bytes.size() + " VMs, the application " + n);
    }
    double covers = c.hasPath("traffic-covers") ? seconds(c, "traffic-covers", where, true) : 1;
    double[][] b = new double[n][n];
    double[][] p = new double[n][n];
    TrafficMatrix packets = c.hasPath("traffic-packets") ? MatrixCsv.read(resolve(c.getString("traffic-packets")), TrafficMetric.PACKETS) : bytes;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        b[i][j] = bytes.bytes(i, j) / covers;
        p[i][j] = (c.hasPath("traffic-packets") ? packets.packets(i, j) : 0) / covers;
      }
    }
    return new TrafficMatrix(names, p, b);
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
      for (String site : object(c, "placement").keySet()) {
        requireSite(c, "placement", where + ".placement." + site, site, infra);
        for (String vm : p.getStringList(quote(site))) {
          if (!local.contains(vm)) {
            throw error(p, quote(site), where + ".placement." + site, "unknown VM '" + vm + "' (the application has " + local + ")");
          }
          if (siteOf.put(app + "-" + vm, site) != null) {
            throw error(p, quote(site), where + ".placement." + site, "VM '" + vm + "' placed twice");
          }
        }
      }
      if (siteOf.size() != local.size()) {
        List<String> missing = local.stream().filter(vm -> !siteOf.containsKey(app + "-" + vm)).toList();
        throw error(c, "placement", where + ".placement", "no site for " + missing);
      }
    } else {
      throw error(c, "placement", where + ".placement", "expected a site, or { site = [vm, ...] }");
    }
    return Placement.of(siteOf);
  }

  // ---------------------------------------------------------------- values

  private NetworkPath path(Config c, String where) {
    Duration latency = duration(c, "latency", where);
    double bandwidth = rate(c, "bandwidth", where);
    try {
      return new NetworkPath(latency, bandwidth);
    } catch (IllegalArgumentException e) {
      throw error(where, e.getMessage());
    }
  }

  private void requireSite(Config c, String key, String where, String site, Infrastructure infra) {
    if (infra.site(site).isEmpty()) {
      throw error(c, key, where, "unknown site '" + site + "'");
    }
  }

  private void checkName(String kind, String name, String where) {
    try {
      org.vmflock.model.VmEndpoint.requireName(kind, name);
    } catch (IllegalArgumentException e) {
      throw error(where, e.getMessage());
    }
  }

  private Path resolve(String relative) {
    Path p = Path.of(relative);
    return p.isAbsolute() ? p : file.toAbsolutePath().getParent().resolve(p).normalize();
  }

  private ConfigObject object(Config c, String key) {
    try {
      return c.getObject(key);
    } catch (ConfigException.Missing e) {
      throw error(key, "missing setting '" + key + "'");
    } catch (ConfigException.WrongType e) {
      throw error(c, key, key, "expected an object { ... }");
    }
  }

  private List<? extends Config> configList(Config c, String key, String where) {
    try {
      return c.getConfigList(key);
    } catch (ConfigException e) {
      throw error(c, key, join(where, key), "expected a list of objects [ { ... } ]");
    }
  }

  private Instant instant(Config c, String key) {
    return instant(c, key, "");
  }

  private Instant instant(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting (an instant such as 2026-06-01T12:00:00Z)");
    }
    try {
      return Instant.parse(c.getString(key));
    } catch (DateTimeParseException | ConfigException e) {
      throw error(c, key, full, "not an instant: '" + c.getValue(key).unwrapped() + "' (expected e.g. 2026-06-01T12:00:00Z)");
    }
  }

  private Duration duration(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting (a duration such as 5ms)");
    }
    try {
      Duration d = c.getDuration(key);
      if (d.isNegative()) {
        throw error(c, key, full, "must not be negative");
      }
      return d;
    } catch (ConfigException e) {
      throw error(c, key, full, "not a duration: '" + c.getValue(key).unwrapped() + "' (e.g. 5ms, 2h)");
    }
  }

  private double seconds(Config c, String key, String where, boolean positive) {
    double s = duration(c, key, where).toNanos() / 1e9;
    if (positive && s <= 0) {
      throw error(c, key, join(where, key), "must be positive");
    }
    return s;
  }

  private double rate(Config c, String key, String where) {
    String full = join(where, key);
    if (!c.hasPath(key)) {
      throw error(c, key, full, "missing setting (a rate such as 10Gbps or 20MB/s)");
    }
    try {
      double r = Units.bytesPerSecond(String.valueOf(c.getValue(key).unwrapped()));
      if (!(r >= 0)) {
        throw error(c, key, full, "must not be negative");
      }
      return r;
    } catch (IllegalArgumentException e) {
      throw error(c, key, full, e.getMessage());
    }
  }

  private long bytes(Config c, String key, String where) {
    try {
      long b = c.getBytes(key);
      if (b <= 0) {
        throw error(c, key, join(where, key), "must be positive");
      }
      return b;
    } catch (ConfigException.Missing e) {
      throw error(c, key, join(where, key), "missing setting (a size such as 4GiB)");
    } catch (ConfigException e) {
      throw error(c, key, join(where, key), "not a size: '" + c.getValue(key).unwrapped() + "' (e.g. 4GiB)");
    }
  }

  private double number(Config c, String key, String where) {
    try {
      return c.getDouble(key);
    } catch (ConfigException.Missing e) {
      throw error(c, key, join(where, key), "missing setting");
    } catch (ConfigException e) {
      throw error(c, key, join(where, key), "not a number: '" + c.getValue(key).unwrapped() + "'");
    }
  }

  private double positive(Config c, String key, String where) {
    double v = number(c, key, where);
    if (!(v > 0) || Double.isInfinite(v)) {
      throw error(c, key, join(where, key), "must be positive, not " + v);
    }
    return v;
  }

  private double nonNegative(Config c, String key, String where) {
    double v = number(c, key, where);
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw error(c, key, join(where, key), "must not be negative, not " + v);
    }
    return v;
  }

  private int positiveInt(Config c, String key, String where) {
    int v = nonNegativeInt(c, key, where);
    if (v < 1) {
      throw error(c, key, join(where, key), "must be at least 1");
    }
    return v;
  }

  private int nonNegativeInt(Config c, String key, String where) {
    double v = number(c, key, where);
    if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
      throw error(c, key, join(where, key), "must be a whole number >= 0, not " + v);
    }
    return (int) v;
  }

  private static String join(String where, String key) {
    return where.isEmpty() ? key : where + "." + key;
  }

  private static String quote(String key) {
    return com.typesafe.config.ConfigUtil.quoteString(key);
  }

  private Config fail(Config c, String where, String key, String what) {
    throw error(c, key, join(where, key), what);
  }

  private InvalidInputException error(Config c, String key, String full, String what) {
    int line = c.hasPath(key) ? c.getValue(key).origin().lineNumber() : c.origin().lineNumber();
    return new InvalidInputException(file + ":" + line + ": " + full, what);
  }

  private InvalidInputException error(String full, String what) {
    int line;
    try {
      line = root.hasPath(full) ? root.getValue(full).origin().lineNumber() : -1;
    } catch (ConfigException e) {
      line = -1; // a list element's path is no config path
    }
    return new InvalidInputException(file + (line > 0 ? ":" + line : "") + ": " + full, what);
  }
}
