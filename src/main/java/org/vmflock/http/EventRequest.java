package org.vmflock.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.InvalidInputException;
import org.vmflock.model.Limits;
import org.vmflock.scenario.Scenario;
import org.vmflock.scenario.ScenarioFile;
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
 * An instant ({@code from}, {@code until}) may be given relative to the node's now: {@code "+2h"}.
 * Parsing checks the form; the site actors and the manager check the rest, each with its reason.
 */
public sealed interface EventRequest {

  /** A change to one site's environment. */
  record SiteChange(String site, EnvironmentChange change) implements EventRequest {}

  /**
   * A new application, with its current placement if it runs already; with {@code arrives}, an
   * announcement: it will be submitted then, and the planner holds room for it until it is.
   */
  record Submit(Scenario.ScenarioApplication application, Optional<Instant> arrives) implements EventRequest {}

  Set<String> TYPES = Set.of("price", "transfer-price", "capacity", "speed", "availability", "quota", "link", "submit");

  /** The fields of each type of event besides {@code type}: any other is a mistake, refused. */
  Map<String, Set<String>> FIELDS = Map.of(
      "price", Set.of("site", "size", "perVmHour", "per-vm-hour", "from"),
      "transfer-price", Set.of("site", "to", "perGb", "per-gb"),
      "capacity", Set.of("site", "slots", "cores", "memory"),
      "speed", Set.of("site", "cpuSpeed", "cpu-speed"),
      "availability", Set.of("site", "windows"),
      "quota", Set.of("site", "vms"),
      "link", Set.of("site", "to", "latency", "bandwidth"),
      "submit", Set.of("application", "arrives"));

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
      Optional<Instant> arrives = Optional.empty();
      if (n.has("arrives")) {
        com.fasterxml.jackson.databind.node.ObjectNode when = ((com.fasterxml.jackson.databind.node.ObjectNode) n).deepCopy();
        relativeInstants(when, "event", now);
        JsonNode a = when.get("arrives");
        try {
          arrives = Optional.of(Instant.parse(a.asText()));
        } catch (java.time.format.DateTimeParseException e) {
          throw new InvalidInputException("event.arrives", "'" + Limits.quoted(a.asText()) + "' is not an instant (e.g. 2026-06-01T14:00:00Z) or +DURATION");
        }
        if (!arrives.get().isAfter(now)) {
          throw new InvalidInputException("event.arrives", arrives.get() + " is not after now (" + now + "): submit the application without it");
        }
      }
      Scenario.ScenarioApplication read = ScenarioFile.application("submitted application", trafficDir, app.toString(), infra);
      if (arrives.isPresent() && !read.placement().siteOfVm().isEmpty()) {
        throw new InvalidInputException("event.application.placement", "an announced application runs nowhere yet: no placement with arrives");
      }
      return new Submit(read, arrives);
    }
    // the rest is a site change, read as a scenario's timeline reads one (its settings' names, or these aliases)
    com.fasterxml.jackson.databind.node.ObjectNode settings = ((com.fasterxml.jackson.databind.node.ObjectNode) n).deepCopy();
    settings.remove("type");
    ALIASES.forEach((alias, name) -> {
      if (settings.has(alias)) {
        settings.set(name, settings.remove(alias));
      }
    });
    relativeInstants(settings, "event", now);
    ScenarioFile.SiteChangeEvent change = ScenarioFile.siteChange("event", type, settings.toString(), now, infra);
    return new SiteChange(change.site(), change.change());
  }

  /** The JSON names of settings that a scenario's timeline writes otherwise (both are accepted). */
  Map<String, String> ALIASES = Map.of("perVmHour", "per-vm-hour", "perGb", "per-gb", "cpuSpeed", "cpu-speed");

  /** The instant fields an event may give relative to the node's now. */
  Set<String> INSTANTS = Set.of("from", "until", "arrives");

  /**
   * Replaces each instant given relative to now ({@code "+2h"}, {@code "+90m"}: a duration as in a
   * scenario, after a plus sign) by the instant it means on the node's clock, so an event typed at
   * any time means the same thing; in {@code from}, {@code until} and the windows'.
   */
  private static void relativeInstants(JsonNode n, String where, Instant now) {
    if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        relativeInstants(n.get(i), where + "[" + i + "]", now);
      }
      return;
    }
    if (!n.isObject()) {
      return;
    }
    com.fasterxml.jackson.databind.node.ObjectNode o = (com.fasterxml.jackson.databind.node.ObjectNode) n;
    java.util.List<String> fields = new java.util.ArrayList<>();
    o.fieldNames().forEachRemaining(fields::add);
    for (String field : fields) {
      JsonNode v = o.get(field);
      if (INSTANTS.contains(field) && v.isTextual() && v.asText().strip().startsWith("+")) {
        java.time.Duration d;
        try {
          d = com.typesafe.config.ConfigFactory.parseString("d = \"" + v.asText().strip().substring(1).replace("\"", "") + "\"").getDuration("d");
        } catch (com.typesafe.config.ConfigException e) {
          throw new InvalidInputException(where + "." + field, "'" + Limits.quoted(v.asText()) + "' is not +DURATION (e.g. +2h, +90m)");
        }
        if (d.isNegative() || d.compareTo(Limits.MAX_RELATIVE_INSTANT) > 0) {
          throw new InvalidInputException(where + "." + field, "'" + Limits.quoted(v.asText()) + "': at most " + Limits.MAX_RELATIVE_INSTANT.toDays() + " days ahead");
        }
        o.put(field, now.plus(d).toString());
      } else if (v.isContainerNode()) {
        relativeInstants(v, where + "." + field, now);
      }
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new InvalidInputException("event." + field, "missing or not a string");
    }
    return v.asText();
  }
}
