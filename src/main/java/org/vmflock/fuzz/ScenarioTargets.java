package org.vmflock.fuzz;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.vmflock.scenario.ScenarioFile;

/**
 * Scenario files (HOCON), their timelines, and the price traces they name. A scenario is written
 * setting by setting: each value a right one mostly, else a value of another kind or out of its
 * range; a key misspelled now and then; the whole text edited sometimes.
 */
final class ScenarioTargets {

  private ScenarioTargets() {}

  private static final List<String> SITES = List.of("a", "b", "c");
  private static final List<String> PROFILES = List.of("cg.A.4", "ep.A.4", "is.A.4", "mg.A.4", "lu.B.16", "ft.C.64", "cg.Z.4", "bt.A.9",
      "ft.C.1024");
  private static final List<String> OBJECTIVES = List.of("time", "cost", "balanced", "balanced:0.3", "balanced:2", "[cost]", "speed");
  private static final List<String> KINDS = List.of("price", "transfer-price", "capacity", "speed", "availability", "quota", "link", "fail",
      "teleport");

  /** Writes HOCON settings, each value right mostly, wrong now and then. */
  private static final class Writer {
    private final SplittableRandom r;
    /** How often a value is wrong: 0 for half the scenarios, so that well-formed ones reach every check after parsing. */
    private final double faults;
    private final StringBuilder out = new StringBuilder();

    Writer(SplittableRandom r) {
      this.r = r;
      this.faults = Garbage.chance(r, 0.5) ? 0 : 0.04;
    }

    boolean fault() {
      return faults > 0 && Garbage.chance(r, faults);
    }

    /** {@code key = value}, the key sometimes misspelled, the value sometimes replaced by another kind of value. */
    Writer set(String key, String value) {
      String k = fault() && Garbage.chance(r, 0.3) ? key + "x" : key;
      out.append(k).append(" = ").append(fault() ? wrong() : value).append('\n');
      return this;
    }

    Writer raw(String text) {
      out.append(text).append('\n');
      return this;
    }

    /** A value of any kind: a number, a text, a list, an object. */
    String wrong() {
      return switch (r.nextInt(5)) {
        case 0 -> Garbage.number(r);
        case 1 -> quote(Garbage.text(r));
        case 2 -> "[" + Garbage.number(r) + ", " + quote(Garbage.text(r)) + "]";
        case 3 -> "{ x = " + Garbage.number(r) + " }";
        default -> quote(Garbage.number(r));
      };
    }

    String number(String usual) {
      return fault() ? Garbage.number(r) : usual;
    }

    String duration(String usual) {
      return quote(fault() ? Garbage.pick(r, Garbage.DURATIONS) : usual);
    }

    String rate(String usual) {
      return quote(fault() ? Garbage.pick(r, Garbage.RATES) : usual);
    }

    String size(String usual) {
      return quote(fault() ? Garbage.pick(r, Garbage.SIZES) : usual);
    }

    String instant(String usual) {
      return quote(fault() ? Garbage.pick(r, Garbage.INSTANTS) : usual);
    }

    /** A site other than {@code a} (links join a to it), or a name of no site. */
    String site() {
      return fault() ? Garbage.name(r, "site") : Garbage.pick(r, SITES.subList(1, SITES.size()));
    }

    /** A value from {@code right} mostly, from {@code all} on a fault. */
    String choice(List<String> right, List<String> all) {
      return fault() ? Garbage.pick(r, all) : Garbage.pick(r, right);
    }

    String text() {
      return out.toString();
    }
  }

  static String quote(String s) {
    return com.typesafe.config.ConfigUtil.quoteString(s);
  }

  /** A scenario of a few sites, links and applications, and a timeline of {@code events} events. */
  static String scenario(SplittableRandom r, int events, String priceOfSiteA) {
    Writer w = new Writer(r);
    w.set("start", w.instant("2026-06-01T12:00:00Z"));
    if (Garbage.chance(r, 0.1)) {
      w.raw("vm-sizes { huge { cores = " + w.number("16") + ", memory = " + w.size("64GiB") + " } }");
    }
    w.raw("sites {");
    for (String s : SITES) {
      w.raw(s + " {");
      w.raw("capacity {").set("slots", w.number("16"));
      if (Garbage.chance(r, 0.3)) {
        w.set("cores", w.number("64")).set("memory", w.size("256GiB"));
      }
      w.raw("}");
      w.set("price-per-vm-hour", s.equals("a") ? priceOfSiteA : w.number("0.1"));
      if (Garbage.chance(r, 0.5)) {
        w.set("cpu-speed", w.number("1.2"));
      }
      if (Garbage.chance(r, 0.3)) {
        w.set("transfer-price-per-gb", Garbage.chance(r, 0.5) ? w.number("0.01") : "{ default = " + w.number("0.02") + ", b = 0 }");
      }
      if (Garbage.chance(r, 0.2)) {
        w.raw("network { latency = " + w.duration("100us") + ", bandwidth = " + w.rate("10Gbps") + " }");
      }
      if (Garbage.chance(r, 0.2)) {
        w.set("availability", "[ { until = " + w.instant("2026-06-02T00:00:00Z") + " } ]");
      }
      w.raw("}");
    }
    w.raw("}");
    if (Garbage.chance(r, 0.7)) {
      w.raw("links = [ { between = [a, " + w.site() + "], latency = " + w.duration("5ms") + ", bandwidth = " + w.rate("10Gbps") + " } ]");
    }
    w.raw("default-link { latency = " + w.duration("20ms") + ", bandwidth = " + w.rate("1Gbps") + " }");
    w.raw("applications {");
    int apps = r.nextInt(4);
    for (int i = 0; i < apps; i++) {
      w.raw("app" + i + " {");
      if (Garbage.chance(r, 0.4)) {
        w.set("profile", quote(w.choice(PROFILES.subList(0, 6), PROFILES)));
      } else {
        int vms = w.fault() ? Garbage.pick(r, List.of(1024, 1025, 1_000_000_000, 0)) : 1 + r.nextInt(4);
        w.set("vms", Garbage.chance(r, 0.9) ? Integer.toString(vms) : "[x, y]");
        w.set("work", w.duration("2h"));
        if (Garbage.chance(r, 0.3) && vms <= 4) {
          w.set("traffic-csv", quote(matrix(r, vms)));
        }
      }
      if (Garbage.chance(r, 0.3)) {
        w.set("syncs-per-second", w.number("10"));
      }
      if (Garbage.chance(r, 0.3)) {
        w.set("objective", quote(w.choice(OBJECTIVES.subList(0, 4), OBJECTIVES)));
      }
      if (Garbage.chance(r, 0.2)) {
        w.set("budget", w.number("100"));
      }
      if (Garbage.chance(r, 0.2)) {
        w.set("deadline", w.instant("2026-06-02T00:00:00Z"));
      }
      if (Garbage.chance(r, 0.2)) {
        w.set("dirty-rate", w.rate("20MB/s"));
      }
      if (Garbage.chance(r, 0.4)) {
        w.set("placement", w.site());
      } else if (Garbage.chance(r, 0.2)) {
        w.set("arrives", w.instant("2026-06-01T13:00:00Z"));
      }
      w.raw("}");
    }
    w.raw("}");
    if (Garbage.chance(r, 0.05)) {
      w.raw("generate { sites = " + w.number("3") + ", profiles = [ { profile = " + quote(w.choice(PROFILES.subList(0, 4), PROFILES)) + ", applications = "
          + w.number("2") + " } ] }");
    }
    if (Garbage.chance(r, 0.5)) {
      w.raw("simulation { period = " + w.duration("5m") + (Garbage.chance(r, 0.3) ? ", end = " + w.instant("2026-06-02T12:00:00Z") : "") + " }");
    }
    if (events > 0) {
      w.raw("timeline = [");
      for (int i = 0; i < events; i++) {
        w.raw(event(r, w) + ",");
      }
      w.raw("]");
    }
    String text = w.text();
    return w.fault() || Garbage.chance(r, 0.05) ? Garbage.mutate(r, text) : text;
  }

  private static String event(SplittableRandom r, Writer w) {
    String kind = w.choice(KINDS.subList(0, KINDS.size() - 1), KINDS);
    String site = "site = " + (Garbage.chance(r, 0.5) ? "a" : w.site());
    String body = switch (kind) {
      case "price" -> site + ", per-vm-hour = " + w.number("0.2") + (Garbage.chance(r, 0.3) ? ", size = small" : "");
      case "transfer-price" -> site + ", to = " + w.site() + ", per-gb = " + w.number("0.02");
      case "capacity" -> site + ", slots = " + w.number("4");
      case "speed" -> site + ", cpu-speed = " + w.number("2");
      case "availability" -> site + ", windows = [ { until = " + w.instant("2026-06-02T00:00:00Z") + " } ]";
      case "quota" -> site + (Garbage.chance(r, 0.8) ? ", vms = " + w.number("4") : "");
      case "link" -> site + ", to = " + w.site() + ", latency = " + w.duration("5ms") + ", bandwidth = " + w.rate("1Gbps");
      case "fail" -> site + ", notice = " + w.duration("1h");
      default -> site;
    };
    if (w.fault()) {
      body += ", " + Garbage.pick(r, List.of("sitex", "per-vm-hourx", "slot", "cpu-speedx")) + " = 1";
    }
    return "{ at = " + w.instant("2026-06-01T14:00:00Z") + ", " + kind + " { " + body + " } }";
  }

  private static String matrix(SplittableRandom r, int n) {
    StringBuilder m = new StringBuilder(org.vmflock.monitor.export.MatrixCsv.CORNER);
    for (int i = 1; i <= n; i++) {
      m.append(",vm").append(i);
    }
    for (int i = 1; i <= n; i++) {
      m.append("\nvm").append(i);
      for (int j = 1; j <= n; j++) {
        m.append(',').append(Garbage.chance(r, 0.97) ? Long.toString(r.nextLong(0, 1_000_000)) : Garbage.number(r));
      }
    }
    return m.append('\n').toString();
  }

  private static void load(Path scratch, byte[] scenario) throws Exception {
    Path f = scratch.resolve("s.conf");
    Files.write(f, scenario);
    ScenarioFile.load(f);
  }

  /** Whole scenarios. */
  static final class Scenario implements FuzzTarget<byte[]> {
    @Override
    public String name() {
      return "scenario";
    }

    @Override
    public byte[] generate(SplittableRandom r) {
      return Garbage.bytes(r, scenario(r, Garbage.chance(r, 0.3) ? r.nextInt(3) : 0, "0.1"));
    }

    @Override
    public void feed(byte[] input, Path scratch) throws Exception {
      load(scratch, input);
    }

    @Override
    public String describe(byte[] input) {
      return FuzzTarget.text(input);
    }
  }

  /** A scenario's timeline: several events of every kind, fields right or wrong. */
  static final class Timeline implements FuzzTarget<String> {
    @Override
    public String name() {
      return "timeline";
    }

    @Override
    public String generate(SplittableRandom r) {
      return scenario(r, 1 + r.nextInt(6), "0.1");
    }

    @Override
    public void feed(String input, Path scratch) throws Exception {
      load(scratch, input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  /** A price trace (CSV) named by a site's {@code trace { file, zone, type, from, scale }}. */
  static final class PriceTrace implements FuzzTarget<List<String>> {
    private static final String HEADER = "timestamp,region_or_zone,instance_type,price_usd_per_hour";

    @Override
    public String name() {
      return "price-trace";
    }

    @Override
    public List<String> generate(SplittableRandom r) {
      double faults = Garbage.chance(r, 0.5) ? 0 : 0.1;
      StringBuilder csv = new StringBuilder(Garbage.chance(r, faults / 2) ? Garbage.text(r) : HEADER).append('\n');
      int rows = 1 + r.nextInt(10);
      List<String> at = new ArrayList<>(List.of("2015-06-01T00:00:00Z", "2015-06-01T00:10:00Z", "2015-06-01T01:00:00Z", "2015-06-02T00:00:00Z"));
      for (int i = 0; i < rows; i++) {
        csv.append(Garbage.chance(r, faults) ? Garbage.pick(r, Garbage.INSTANTS) : Garbage.pick(r, at)).append(',')
            .append(Garbage.chance(r, faults) ? Garbage.text(r) : "zone-a").append(',')
            .append(Garbage.chance(r, faults) ? Garbage.text(r) : "small-vm").append(',')
            .append(Garbage.chance(r, faults) ? Garbage.number(r) : "0." + r.nextInt(1000)).append('\n');
      }
      String trace = Garbage.chance(r, faults) ? Garbage.mutate(r, csv.toString()) : csv.toString();
      String price = "{ trace { file = \"trace.csv\", zone = " + (Garbage.chance(r, faults) ? "zone-b" : "zone-a") + ", type = small-vm, from = "
          + quote(Garbage.pick(r, at.subList(1, at.size()))) + (Garbage.chance(r, 0.3) ? ", scale = "
          + (Garbage.chance(r, faults) ? Garbage.number(r) : "1.5") : "") + " } }";
      return List.of(trace, scenario(r, 0, price));
    }

    @Override
    public void feed(List<String> input, Path scratch) throws Exception {
      Files.writeString(scratch.resolve("trace.csv"), input.get(0));
      load(scratch, input.get(1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
