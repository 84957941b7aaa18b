package org.vmflock.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.model.NetworkPath;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
import org.vmflock.scenario.Units;
import org.vmflock.site.EnvironmentChange;

/**
 * An event posted to the node ({@code POST /api/events}, {@code vmflock inject}), as JSON:
 *
 * <pre>
 * {"type": "price", "site": "lyon", "size": "*", "perVmHour": 0.12, "from": "2026-06-01T12:00:00Z"}
 * {"type": "transfer-price", "site": "lyon", "to": "rennes", "perGb": 0.01}      ("to": "default" for all others)
 * {"type": "capacity", "site": "lyon", "slots": 8, "cores": 32, "memory": "64GiB"}
 * {"type": "speed", "site": "lyon", "cpuSpeed": 1.2}
 * {"type": "availability", "site": "lyon", "windows": [{"from": "...", "until": "..."}]}   ([]: always)
 * {"type": "quota", "site": "lyon", "vms": 4}                                     (no "vms": no quota)
 * {"type": "link", "site": "lyon", "to": "rennes", "latency": "5ms", "bandwidth": "10Gbps"}
 * {"type": "submit", "application": {"name": "cg2", "vms": 4, "work": "2h", ... as in a scenario}}
 * </pre>
 *
 * Parsing checks the form; the site actors and the manager check the rest, each with its reason.
 */
public sealed interface EventRequest {

  /** A change to one site's environment. */
  record SiteChange(String site, EnvironmentChange change) implements EventRequest {}

  /** A new application, with its current placement if it runs already. */
  record Submit(Scenario.ScenarioApplication application) implements EventRequest {}

  Set<String> TYPES = Set.of("price", "transfer-price", "capacity", "speed", "availability", "quota", "link", "submit");

  /** The fields of each type of event besides {@code type}: any other is a mistake, refused. */
  Map<String, Set<String>> FIELDS = Map.of(
      "price", Set.of("site", "size", "perVmHour", "from"),
      "transfer-price", Set.of("site", "to", "perGb"),
      "capacity", Set.of("site", "slots", "cores", "memory"),
      "speed", Set.of("site", "cpuSpeed"),
      "availability", Set.of("site", "windows"),
      "quota", Set.of("site", "vms"),
      "link", Set.of("site", "to", "latency", "bandwidth"),
      "submit", Set.of("application"));

  /** Windows in one availability event at most. */
  int MAX_WINDOWS = 1000;

  /**
   * The event of {@code body}, or an {@link InvalidInputException} naming the field. A submitted
   * application's traffic is inline ({@code traffic-csv}) or a file name under {@code trafficDir};
   * without one, the node reads no file a request names.
   */
  static EventRequest parse(String body, Instant now, Infrastructure infra, Optional<Path> trafficDir) {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("event", "not JSON: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw new InvalidInputException("event", "expected a JSON object with a \"type\"");
    }
    String type = text(n, "type");
    if (!TYPES.contains(type)) {
      throw new InvalidInputException("event.type", "unknown type '" + Limits.quoted(type) + "' (expected one of " + new java.util.TreeSet<>(TYPES) + ")");
    }
    for (java.util.Iterator<String> f = n.fieldNames(); f.hasNext(); ) {
      String field = f.next();
      if (!field.equals("type") && !FIELDS.get(type).contains(field)) {
        throw new InvalidInputException("event." + Limits.quoted(field), "unknown field of a " + type + " event (expected "
            + new java.util.TreeSet<>(FIELDS.get(type)) + ")");
      }
    }
    if (type.equals("submit")) {
      JsonNode app = n.get("application");
      if (app == null || !app.isObject()) {
        throw new InvalidInputException("event.application", "missing: the application, as in a scenario file, with its name");
      }
      return new Submit(ScenarioFile.application("submitted application", trafficDir, app.toString(), infra));
    }
    String site = text(n, "site");
    if (infra.site(site).isEmpty()) {
      throw new InvalidInputException("event.site", "unknown site '" + Limits.quoted(site) + "'");
    }
    EnvironmentChange change = switch (type) {
      case "price" -> new EnvironmentChange.Price(n.hasNonNull("size") ? size(n) : "*",
          n.hasNonNull("from") ? instant(n, "from") : now, number(n, "perVmHour", Limits.PRICE_PER_VM_HOUR));
      case "transfer-price" -> {
        String to = text(n, "to");
        if (!to.equals("default") && infra.site(to).isEmpty()) {
          throw new InvalidInputException("event.to", "unknown site '" + Limits.quoted(to) + "'");
        }
        yield new EnvironmentChange.TransferPrice(to, number(n, "perGb", Limits.PRICE_PER_GB));
      }
      case "capacity" -> new EnvironmentChange.CapacityChange(new Capacity(whole(n, "slots", Limits.SLOTS), whole(n, "cores", Limits.SITE_CORES),
          bytes(n, "memory")));
      case "speed" -> new EnvironmentChange.Speed(number(n, "cpuSpeed", Limits.CPU_SPEED));
      case "availability" -> new EnvironmentChange.Availability(windows(n));
      case "quota" -> new EnvironmentChange.Quota(n.hasNonNull("vms") ? Optional.of(whole(n, "vms", Limits.SLOTS)) : Optional.empty());
      case "link" -> {
        String to = text(n, "to");
        if (infra.site(to).isEmpty()) {
          throw new InvalidInputException("event.to", "unknown site '" + Limits.quoted(to) + "'");
        }
        double bandwidth;
        try {
          bandwidth = Units.bytesPerSecond(text(n, "bandwidth"));
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException("event.bandwidth", e.getMessage());
        }
        Limits.BANDWIDTH.check("event.bandwidth", bandwidth);
        Duration latency = duration(n, "latency");
        if (latency.isNegative() || latency.compareTo(Limits.MAX_LATENCY) > 0) {
          throw new InvalidInputException("event.latency", "between 0 and " + Limits.MAX_LATENCY.toSeconds() + " s, not " + n.get("latency"));
        }
        yield new EnvironmentChange.LinkChange(new EnvironmentChange.SiteLink(to, new NetworkPath(latency, bandwidth)));
      }
      default -> throw new InvalidInputException("event.type", "unknown type '" + type + "'");
    };
    return new SiteChange(site, change);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new InvalidInputException("event." + field, "missing or not a string");
    }
    return v.asText();
  }

  private static double number(JsonNode n, String field, Limits.Bound bound) {
    JsonNode v = n.get(field);
    if (v == null || !v.isNumber()) {
      throw new InvalidInputException("event." + field, "missing or not a number");
    }
    return bound.check("event." + field, v.asDouble());
  }

  private static int whole(JsonNode n, String field, Limits.Bound bound) {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber()) {
      throw new InvalidInputException("event." + field, "missing or not a whole number");
    }
    return bound.checkWhole("event." + field, v.asDouble());
  }

  /** A VM size's name, or * for every size. */
  private static String size(JsonNode n) {
    String size = text(n, "size");
    if (!size.equals("*")) {
      try {
        org.vmflock.model.VmEndpoint.requireName("VM size", size);
      } catch (IllegalArgumentException e) {
        throw new InvalidInputException("event.size", e.getMessage());
      }
    }
    return size;
  }

  private static long bytes(JsonNode n, String field) {
    long b;
    try {
      b = com.typesafe.config.ConfigFactory.parseMap(Map.of("v", text(n, field))).getBytes("v");
    } catch (com.typesafe.config.ConfigException e) {
      throw new InvalidInputException("event." + field, "not a size: " + Limits.quoted(n.get(field).toString()) + " (e.g. 64GiB)");
    }
    Limits.SITE_MEMORY.check("event." + field, b);
    return b;
  }

  private static Duration duration(JsonNode n, String field) {
    try {
      return com.typesafe.config.ConfigFactory.parseMap(Map.of("v", text(n, field))).getDuration("v");
    } catch (com.typesafe.config.ConfigException e) {
      throw new InvalidInputException("event." + field, "not a duration: " + Limits.quoted(n.get(field).toString()) + " (e.g. 5ms)");
    }
  }

  private static Instant instant(JsonNode n, String field) {
    Instant t;
    try {
      t = Instant.parse(text(n, field));
    } catch (DateTimeParseException e) {
      throw new InvalidInputException("event." + field, "not an instant: " + Limits.quoted(n.get(field).toString()) + " (e.g. 2026-06-01T12:00:00Z)");
    }
    String problem = Limits.instantProblem(t);
    if (!problem.isEmpty()) {
      throw new InvalidInputException("event." + field, problem);
    }
    return t;
  }

  private static List<AvailabilityWindow> windows(JsonNode n) {
    JsonNode w = n.get("windows");
    if (w == null || !w.isArray()) {
      throw new InvalidInputException("event.windows", "missing or not a list of {from, until} ([] for always)");
    }
    if (w.size() > MAX_WINDOWS) {
      throw new InvalidInputException("event.windows", w.size() + " windows, more than " + MAX_WINDOWS);
    }
    List<AvailabilityWindow> out = new ArrayList<>();
    for (JsonNode x : w) {
      if (!x.isObject()) {
        throw new InvalidInputException("event.windows", "a window is an object {from, until}, not " + Limits.quoted(x.toString()));
      }
      Instant from = instant(x, "from");
      Instant until = instant(x, "until");
      if (!until.isAfter(from)) {
        throw new InvalidInputException("event.windows", "a window ends after it starts: " + from + " .. " + until);
      }
      out.add(new AvailabilityWindow(from, until));
    }
    return out;
  }
}
