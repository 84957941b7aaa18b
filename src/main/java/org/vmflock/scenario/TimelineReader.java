package org.vmflock.scenario;

import com.typesafe.config.Config;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.vmflock.model.AvailabilityWindow;
import org.vmflock.model.Capacity;
import org.vmflock.model.Infrastructure;
import org.vmflock.model.Limits;
import org.vmflock.model.PriceSchedule;
import org.vmflock.model.Site;
import org.vmflock.site.EnvironmentChange;

/**
 * A scenario's {@code timeline = [ { at = T, KIND { site = S, ... } }, ... ]}: each element one event
 * of one kind, at or after the start. A price change without a size changes every size the site
 * prices; a {@code fail} ends the site's availability {@code notice} after it is announced.
 */
final class TimelineReader {

  static final Set<String> KINDS = new TreeSet<>(List.of("price", "transfer-price", "capacity", "speed", "availability", "quota", "link", "fail"));
  /** The settings of each kind of event, besides its site. */
  private static final Map<String, List<String>> SETTINGS = Map.of(
      "price", List.of("per-vm-hour", "size"),
      "transfer-price", List.of("to", "per-gb"),
      "capacity", List.of("slots", "cores", "memory"),
      "speed", List.of("cpu-speed"),
      "availability", List.of("windows"),
      "quota", List.of("vms"),
      "link", List.of("to", "latency", "bandwidth"),
      "fail", List.of("notice"));

  private final SettingReader in;
  private final Infrastructure infra;
  private final Set<String> sizes;
  private final Instant start;

  TimelineReader(SettingReader in, Infrastructure infra, Set<String> sizes, Instant start) {
    this.in = in;
    this.infra = infra;
    this.sizes = sizes;
    this.start = start;
  }

  List<TimelineEvent> read(Config root) {
    List<TimelineEvent> events = new ArrayList<>();
    if (!root.hasPath("timeline")) {
      return events;
    }
    List<? extends Config> list = in.configList(root, "timeline", "");
    for (int i = 0; i < list.size(); i++) {
      events.addAll(event(list.get(i), "timeline[" + i + "]"));
    }
    return events;
  }

  private List<TimelineEvent> event(Config e, String where) {
    Instant at = in.instant(e, "at", where);
    if (at.isBefore(start)) {
      throw in.error(e, "at", where + ".at", "the event (" + at + ") is before time zero, the scenario's start (" + start + ")");
    }
    List<String> kinds = new ArrayList<>();
    for (String key : new TreeSet<>(e.root().keySet())) {
      if (key.equals("at")) {
        continue;
      }
      if (!KINDS.contains(key)) {
        throw in.error(e, SettingReader.quote(key), where + "." + key, "unknown event kind '" + key + "' (expected one of " + KINDS + ")");
      }
      kinds.add(key);
    }
    if (kinds.isEmpty()) {
      throw in.error(e, "at", where, "no event: give one of " + KINDS);
    }
    if (kinds.size() > 1) {
      throw in.error(e, SettingReader.quote(kinds.get(1)), where + "." + kinds.get(1), "one event per element, not " + kinds + ": write one element each");
    }
    String kind = kinds.get(0);
    String w = where + "." + kind;
    in.object(e, kind, where);
    Config c = e.getConfig(kind);
    List<String> known = new ArrayList<>(SETTINGS.get(kind));
    known.add("site");
    in.onlyKnown(c, w, known);
    String site = in.string(c, "site", w);
    Site s = infra.site(site).orElseThrow(() -> in.error(c, "site", w + ".site", "unknown site '" + site + "'"));
    return switch (kind) {
      case "price" -> price(c, w, at, s);
      case "transfer-price" -> {
        String to = c.hasPath("to") ? in.string(c, "to", w) : "default";
        if (!to.equals("default")) {
          knownOtherSite(c, "to", w, site, to);
        }
        yield List.of(change(at, site, new EnvironmentChange.TransferPrice(to, in.bounded(c, "per-gb", w, Limits.PRICE_PER_GB))));
      }
      case "capacity" -> {
        Capacity cap = in.capacity(c, w, List.of("site"));
        yield List.of(change(at, site, new EnvironmentChange.CapacityChange(cap)));
      }
      case "speed" -> List.of(change(at, site, new EnvironmentChange.Speed(in.bounded(c, "cpu-speed", w, Limits.CPU_SPEED))));
      case "availability" -> List.of(change(at, site, new EnvironmentChange.Availability(windows(c, w, at))));
      case "quota" -> List.of(change(at, site, new EnvironmentChange.Quota(
          c.hasPath("vms") ? Optional.of(in.boundedInt(c, "vms", w, Limits.SLOTS)) : Optional.empty())));
      case "link" -> {
        String to = in.string(c, "to", w);
        knownOtherSite(c, "to", w, site, to);
        yield List.of(change(at, site, new EnvironmentChange.LinkChange(new EnvironmentChange.SiteLink(to, in.networkPath(c, w)))));
      }
      case "fail" -> List.of(new TimelineEvent.SiteFailure(at, site, at.plus(c.hasPath("notice") ? in.duration(c, "notice", w, Limits.MAX_NOTICE)
          : java.time.Duration.ZERO)));
      default -> throw new IllegalStateException(kind);
    };
  }

  /** One price for one size, or for every size the site prices (size omitted or "*"). */
  private List<TimelineEvent> price(Config c, String w, Instant at, Site s) {
    double price = in.bounded(c, "per-vm-hour", w, Limits.PRICE_PER_VM_HOUR);
    String size = c.hasPath("size") ? in.string(c, "size", w) : PriceSchedule.ANY_SIZE;
    if (!size.equals(PriceSchedule.ANY_SIZE)) {
      if (!sizes.contains(size)) {
        throw in.error(c, "size", w + ".size", "unknown VM size '" + size + "' (known: " + sizes + ", or * for all)");
      }
      return List.of(change(at, s.name(), new EnvironmentChange.Price(size, at, price)));
    }
    List<TimelineEvent> changes = new ArrayList<>();
    for (String priced : s.hosting().prices().keySet()) {
      changes.add(change(at, s.name(), new EnvironmentChange.Price(priced, at, price)));
    }
    return changes;
  }

  private List<AvailabilityWindow> windows(Config c, String w, Instant at) {
    return in.windows(c, "windows", w, at, at, "the event");
  }

  private void knownOtherSite(Config c, String key, String w, String site, String to) {
    if (infra.site(to).isEmpty()) {
      throw in.error(c, key, w + "." + key, "unknown site '" + to + "'");
    }
    if (to.equals(site)) {
      throw in.error(c, key, w + "." + key, "'" + to + "' is the event's site itself");
    }
  }

  private static TimelineEvent change(Instant at, String site, EnvironmentChange change) {
    return new TimelineEvent.SiteChange(at, site, change);
  }
}
