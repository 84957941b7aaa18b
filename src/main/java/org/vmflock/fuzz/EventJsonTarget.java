package org.vmflock.fuzz;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.vmflock.http.EventRequest;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Link;
import org.vmflock.model.NetworkPath;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;

/**
 * The JSON events of {@code POST /api/events}, parsed as the endpoint parses them against a node's
 * infrastructure, with no traffic directory (the node reads no file a request names): every type,
 * fields right, missing, of another JSON type, out of range, unknown; submitted applications
 * written as in a scenario; texts that are not JSON at all.
 */
final class EventJsonTarget implements FuzzTarget<String> {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final Infrastructure INFRA = infrastructure();
  /** The fields of each type, in a fixed order (the generated inputs depend only on the seed). */
  private static final Map<String, List<String>> FIELDS = new java.util.TreeMap<>(EventRequest.FIELDS.entrySet().stream()
      .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> new java.util.TreeSet<>(e.getValue()).stream().toList())));

  @Override
  public String name() {
    return "event-json";
  }

  @Override
  public String generate(SplittableRandom r) {
    if (Garbage.chance(r, 0.05)) {
      return Garbage.chance(r, 0.5) ? Garbage.text(r) : "[".repeat(r.nextInt(1, 3000));
    }
    double faults = Garbage.chance(r, 0.5) ? 0 : 0.1;
    String type = Garbage.chance(r, faults / 2) ? Garbage.text(r) : Garbage.pick(r, new java.util.TreeSet<>(FIELDS.keySet()).stream().toList());
    StringBuilder json = new StringBuilder("{\"type\":").append(str(type));
    for (String field : FIELDS.getOrDefault(type, List.of("site"))) {
      if (!Garbage.chance(r, faults)) {
        json.append(",\"").append(field).append("\":").append(Garbage.chance(r, faults) ? wrong(r) : right(r, field, faults));
      }
    }
    if (Garbage.chance(r, faults / 2)) {
      json.append(",\"").append(Garbage.pick(r, List.of("cpuSpeedx", "extra", "siteName"))).append("\":1");
    }
    String text = json.append('}').toString();
    return Garbage.chance(r, faults) ? Garbage.mutate(r, text) : text;
  }

  @Override
  public void feed(String input, Path scratch) {
    EventRequest.parse(input, NOW, INFRA, Optional.empty());
  }

  private static String str(String s) {
    return new com.fasterxml.jackson.databind.node.TextNode(s).toString();
  }

  /** A value for {@code field}: a right one, or on a fault one of the right type that may be out of range or malformed. */
  private static String right(SplittableRandom r, String field, double faults) {
    boolean fault = Garbage.chance(r, faults * 3);
    return switch (field) {
      case "site", "to" -> str(fault ? Garbage.name(r, "site") : field.equals("to") ? "rennes" : "lyon");
      case "size" -> str(fault ? Garbage.pick(r, List.of("x".repeat(100), "", "big vm")) : Garbage.pick(r, List.of("small", "*", "large")));
      case "perVmHour", "perGb", "cpuSpeed" -> fault ? json(Garbage.number(r)) : "0." + r.nextInt(1, 99);
      case "from" -> str(fault ? Garbage.pick(r, Garbage.INSTANTS) : "2026-06-01T13:00:00Z");
      case "slots", "cores", "vms" -> fault ? json(Garbage.number(r)) : Integer.toString(r.nextInt(64));
      case "memory" -> str(fault ? Garbage.pick(r, Garbage.SIZES) : "64GiB");
      case "latency" -> str(fault ? Garbage.pick(r, Garbage.DURATIONS) : "5ms");
      case "bandwidth" -> str(fault ? Garbage.pick(r, Garbage.RATES) : "10Gbps");
      case "windows" -> "[" + (Garbage.chance(r, 0.7) ? "{\"from\":" + str(fault ? Garbage.pick(r, Garbage.INSTANTS) : "2026-06-01T13:00:00Z")
          + ",\"until\":" + str(fault ? Garbage.pick(r, Garbage.INSTANTS) : "2026-06-02T00:00:00Z") + "}" : "") + "]";
      case "application" -> application(r, fault);
      default -> wrong(r);
    };
  }

  private static String application(SplittableRandom r, boolean fault) {
    StringBuilder a = new StringBuilder("{\"name\":").append(str(fault ? Garbage.name(r, "app") : "app" + r.nextInt(9)));
    a.append(",\"vms\":").append(fault ? json(Garbage.number(r)) : Integer.toString(1 + r.nextInt(4)));
    a.append(",\"work\":").append(str(fault ? Garbage.pick(r, Garbage.DURATIONS) : "2h"));
    if (Garbage.chance(r, 0.1)) {
      a.append(",\"traffic-csv\":").append(str("src\\dst,vm1\nvm1," + (fault ? Garbage.number(r) : "0") + "\n"));
    } else if (fault) {
      a.append(",\"traffic\":").append(str(Garbage.pick(r, List.of("/etc/shadow", "../x.csv", "m.csv", "/dev/zero"))));
    }
    if (Garbage.chance(r, 0.2)) {
      a.append(",\"placement\":").append(str(Garbage.pick(r, List.of("lyon", "rennes", "mars"))));
    }
    if (Garbage.chance(r, 0.1)) {
      a.append(",\"profile\":").append(str(Garbage.pick(r, List.of("cg.A.4", "ft.C.64", "zz.A.4"))));
    }
    if (Garbage.chance(r, 0.1)) {
      a.append(",\"objective\":").append(Garbage.chance(r, 0.5) ? "[\"cost\"]" : str("balanced:0.5"));
    }
    return a.append('}').toString();
  }

  /** A number as JSON would carry it: the ones JSON cannot (NaN, 1d) as texts. */
  private static String json(String number) {
    return number.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?") ? number : str(number);
  }

  private static String wrong(SplittableRandom r) {
    return switch (r.nextInt(6)) {
      case 0 -> "null";
      case 1 -> "true";
      case 2 -> "[" + json(Garbage.number(r)) + "]";
      case 3 -> "{}";
      case 4 -> str(Garbage.text(r));
      default -> json(Garbage.number(r));
    };
  }

  private static Infrastructure infrastructure() {
    NetworkPath lan = new NetworkPath(Duration.ofNanos(100_000), 10e9 / 8);
    List<Site> sites = List.of(
        new Site("lyon", new Capacity(8, 32, 64L << 30), 1, PriceSchedule.flat(0.1), 0.01, Map.of(), lan, List.of()),
        new Site("rennes", new Capacity(8, 32, 64L << 30), 1.2, PriceSchedule.flat(0.2), 0.01, Map.of(), lan, List.of()));
    return new Infrastructure(sites, List.of(new Link("lyon", "rennes", new NetworkPath(Duration.ofMillis(5), 1e9))), Optional.empty());
  }
}
